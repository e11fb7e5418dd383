"""The typed record model: the one contract between ingest and everything else.

Parsers produce these records; the store, search index, graph and exports only
read them. Every fact carries the file and line it was read from, so that any
answer can be traced back to the page a user can open.

Amounts are ``Decimal``: budget tables are decimal by nature and float rounding
would make totals fail to add up. Amounts in 万元 (ten-thousand yuan) and in 元
are kept in differently named fields (``*_wan`` / ``*_yuan``) and never mixed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from pydantic import BaseModel, ConfigDict, model_serializer


class Record(BaseModel):
    """Base for every record: immutable, field docstrings kept as descriptions."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True, extra="forbid")


class Provenance(Record):
    """Where a fact was read."""

    file: str
    """Path of the source document as given to ``kg ingest``."""
    line: int
    """1-based line number in the decoded text of that document (PDF, workbook: the row of its table model)."""
    excerpt: Optional[str] = None
    """The row as printed at that line (cells joined by two spaces), so a finding can quote its evidence."""
    page: Optional[int] = None
    """PDF page (1-based) the fact is printed on; None for text files."""
    sheet: Optional[str] = None
    """Workbook sheet name; None unless read from a workbook."""
    cell: Optional[str] = None
    """Workbook cell (e.g. B7) of the row the fact was read from."""

    @model_serializer(mode="wrap")
    def _drop_empty_places(self, handler):
        """Stored JSON of text documents stays as it was: page/sheet/cell appear only when set."""
        data = handler(self)
        return {k: v for k, v in data.items() if v is not None or k in ("file", "line")}

    @property
    def where(self) -> str:
        """Where a reader finds the fact: ``file:12``, ``file p.3``, ``file!Sheet1!B7``."""
        return format_place(self.file, self.line, self.page, self.sheet, self.cell)


def format_place(file: str, line: Optional[int], page: Optional[int] = None, sheet: Optional[str] = None,
                 cell: Optional[str] = None) -> str:
    """The one way a place is written for people (search hits, ``kg show``, graph, exports)."""
    if sheet:
        return f"{file}!{sheet}!{cell}" if cell else f"{file}!{sheet}"
    if page:
        return f"{file} p.{page}"
    return f"{file}:{line}" if line is not None else file


class Department(Record):
    """The budget unit that publishes the document (部门 / 单位)."""

    name: str
    """Department name as printed, e.g. 泽州县柳树口镇人民政府."""
    code: Optional[str] = None
    """Budget code (部门代码), kept as text because of leading zeros: 006, 512, 909."""
    province: Optional[str] = None
    """Province name, e.g. 山西省."""
    county: Optional[str] = None
    """County-level area, e.g. 泽州县, 峰峰矿区."""
    fiscal_year: Optional[int] = None
    """Budget year (预算年度)."""
    doc_kind: Optional[str] = None
    """部门预算 (department budget) or 单位预算 (unit budget)."""
    subunits: tuple[str, ...] = ()
    """Subordinate budget units (所属单位), other than the department itself."""
    source: Provenance
    """Where the department name was read."""


class Totals(Record):
    """Headline figures of the document, all in 万元. ``None`` where the document says nothing."""

    income_total: Optional[Decimal] = None
    """收入总计: this year's income plus carry-over."""
    expenditure_total: Optional[Decimal] = None
    """支出总计."""
    current_year_income: Optional[Decimal] = None
    """本年收入合计."""
    carryover_income: Optional[Decimal] = None
    """上年结转 (结余) income."""
    basic_expenditure: Optional[Decimal] = None
    """基本支出 total from the expenditure summary table."""
    project_expenditure: Optional[Decimal] = None
    """项目支出 total from the expenditure summary table."""
    personnel: Optional[Decimal] = None
    """人员经费 within basic expenditure."""
    public_use: Optional[Decimal] = None
    """公用经费 within basic expenditure."""
    three_public: Optional[Decimal] = None
    """“三公”经费 total."""
    official_reception: Optional[Decimal] = None
    """公务接待费."""
    vehicle: Optional[Decimal] = None
    """公务用车购置及运行(维)费."""
    overseas_travel: Optional[Decimal] = None
    """因公出国（境）费."""
    operating_costs: Optional[Decimal] = None
    """机关运行经费."""
    procurement_total: Optional[Decimal] = None
    """政府采购预算总额."""
    income_by_source: dict[str, Decimal] = {}
    """This year's income by budget source (万元): general_budget 一般公共预算, government_fund 政府性基金,
    state_capital 国有资本经营, special_account 财政专户管理资金, unit_funds 单位资金."""
    lines: dict[str, int] = {}
    """Line number each figure was read from, keyed by field name."""
    excerpts: dict[str, str] = {}
    """The row printed at each of those lines, keyed by field name (evidence for checks)."""
    pages: dict[str, int] = {}
    """PDF page each figure was read from, keyed like ``lines`` (empty for text files and workbooks)."""

    @model_serializer(mode="wrap")
    def _drop_empty_pages(self, handler):
        """Stored JSON of text documents stays as it was: ``pages`` appears only for PDFs."""
        data = handler(self)
        if not data.get("pages"):
            data.pop("pages", None)
        return data


class FunctionalSpending(Record):
    """One row of the expenditure summary by functional classification (支出功能分类)."""

    code: str
    """科目编码: 3 digits 类, 5 digits 款, 7 digits 项."""
    name: str
    """科目名称."""
    total: Optional[Decimal] = None
    """合计, 万元."""
    basic: Optional[Decimal] = None
    """基本支出, 万元."""
    project: Optional[Decimal] = None
    """项目支出, 万元."""
    source: Provenance

    @property
    def level(self) -> str:
        """类 / 款 / 项, from the code length."""
        return {3: "类", 5: "款", 7: "项"}.get(len(self.code), "其他")

    @property
    def parent_code(self) -> Optional[str]:
        """The enclosing class code (2010301 → 20103 → 201)."""
        return self.code[:-2] if len(self.code) > 3 else None


class EconomicSpending(Record):
    """One row of basic expenditure by economic classification (经济分类)."""

    name: str
    """部门预算支出经济科目名称 / 科目名称."""
    code: Optional[str] = None
    """Economic code (301, 30101 ...) where the document prints one."""
    government_class: Optional[str] = None
    """政府预算支出经济科目名称, where printed (Shanxi layout)."""
    total: Optional[Decimal] = None
    """合计, 万元."""
    personnel: Optional[Decimal] = None
    """人员经费, 万元."""
    public_use: Optional[Decimal] = None
    """公用经费, 万元."""
    source: Provenance


class IndicatorValue(Record):
    """An indicator value split into comparator, number and unit where it has them."""

    comparator: Optional[str] = None
    """One of ≥ ≤ > < =, normalised from full-width and look-alike forms."""
    number: Optional[Decimal] = None
    """The number, when the value is one number with an optional unit."""
    unit: Optional[str] = None
    """The unit after the number (人, %, 元/人, 万元 ...)."""


class Indicator(Record):
    """A performance indicator (绩效指标) of a project or of a whole department."""

    level1: Optional[str] = None
    """一级指标: 产出指标 / 效益指标 / 满意度指标."""
    level2: Optional[str] = None
    """二级指标: 数量指标, 质量指标, 时效指标, 成本指标, 经济效益, 社会效益, 生态效益, 可持续影响, 服务对象满意度."""
    name: str
    """三级指标 name."""
    value: Optional[str] = None
    """指标值 as printed."""
    parsed: IndicatorValue = IndicatorValue()
    """The value parsed, where it parses."""
    description: Optional[str] = None
    """绩效指标描述 (Hebei layout)."""
    basis: Optional[str] = None
    """指标值确定依据 (Hebei layout)."""
    source: Provenance


class LegalBasis(Record):
    """A policy document cited as the basis of a project (立项依据)."""

    doc_number: Optional[str] = None
    """Normalised document number: 〔〕 brackets, no spaces, e.g. 晋财预〔2020〕52号. None for title-only citations."""
    as_printed: str
    """The citation as printed (number, or 《title》 when there is no number)."""
    title: Optional[str] = None
    """Title inside 《》 when given."""
    issuer: Optional[str] = None
    """Issuing authority when stated, e.g. 山西省财政厅."""
    source: Provenance

    @property
    def key(self) -> str:
        """Identity across documents: the number, else the title."""
        return self.doc_number or f"《{self.title}》"

    @property
    def issuer_prefix(self) -> Optional[str]:
        """The authority prefix of the number (晋财预, 泽组通字 ...)."""
        if not self.doc_number:
            return None
        return self.doc_number.split("〔", 1)[0] or None


class Funding(Record):
    """A project's funding block from its target table, in 元."""

    total: Optional[Decimal] = None
    """资金总额 (实施期)."""
    central: Optional[Decimal] = None
    """中央财政资金."""
    provincial: Optional[Decimal] = None
    """省级财政资金."""
    local: Optional[Decimal] = None
    """市县（区）财政资金."""
    self_raised: Optional[Decimal] = None
    """单位自筹."""
    other: Optional[Decimal] = None
    """其他资金."""
    fiscal: Optional[Decimal] = None
    """财政资金: fiscal money whose government level the document does not say (Hebei: 其中：财政资金)."""
    printed_unit: str = "元"
    """Unit the block was printed in: 元, or 万元 (Hebei target tables; the 元 figures are exact conversions)."""
    source: Optional[Provenance] = None


class Project(Record):
    """A budget project (项目) with what it costs, rests on and promises."""

    name: str
    """Project name; from the project expenditure table where there is one."""
    amount_wan: Optional[Decimal] = None
    """Budget amount in 万元."""
    carryover: bool = False
    """True for 上年结转 projects."""
    project_code: Optional[str] = None
    """项目编码 (Hebei layout)."""
    category: Optional[str] = None
    """项目属性, e.g. 一次性项目（1年结束）."""
    implementing_unit: Optional[str] = None
    """实施单位."""
    budget_sources: dict[str, Decimal] = {}
    """万元 by budget source from the project table columns (general_budget 一般公共预算, …)."""
    funding: Optional[Funding] = None
    """Funding sources from the target table, in 元."""
    overview: Optional[str] = None
    """项目概况 / 资金用途."""
    goals: Optional[str] = None
    """总体目标 / 绩效目标."""
    basis_text: Optional[str] = None
    """立项依据 as printed."""
    legal_bases: tuple[LegalBasis, ...] = ()
    citations: tuple[LegalBasis, ...] = ()
    """Policies cited elsewhere than the 立项依据 (保证项目实施的制度、措施, 指标值确定依据 …): cited in, not the legal basis."""
    indicators: tuple[Indicator, ...] = ()
    source: Provenance
    """Where the project row (or, lacking one, its target table) starts."""
    target_source: Optional[Provenance] = None
    """Where its target table starts, when one was matched."""
    target_name: Optional[str] = None
    """The project name as printed in its target table (may differ from ``name``)."""


class TextSection(Record):
    """A prose section of the 情况说明, kept for full-text search."""

    heading: str
    text: str
    source: Provenance
    lines: tuple[int, ...] = ()
    """Line number of each line of ``text``, so a sentence can be located."""


class LabelledFigure(Record):
    """A number printed right after a label cell in a table (合计 4192.53, 项目支出 3486.86)."""

    label: str
    """The label as printed, spaces and a leading 其中: removed."""
    value: Decimal
    """The number after it, in the table's unit."""
    source: Provenance


class PrintedTable(Record):
    """A titled table as printed: lets checks see which standard tables a document has and which are empty."""

    title: str
    """Title as printed (spaces removed), e.g. 2026年财政拨款收支总表."""
    figures: int = 0
    """How many cells of its rows hold a number other than zero (0 for a table printed empty)."""
    note: Optional[str] = None
    """A note under the table saying why it is empty (注：本表无数据 …), when printed."""
    unit: Optional[str] = None
    """元 or 万元 as printed in the table's 单位 line."""
    figures_by_label: tuple[LabelledFigure, ...] = ()
    """Label → number pairs of the table's rows (first of each label, at most 80), for tables no reader models."""
    source: Provenance


class Problem(Record):
    """A parse problem reported as data, not raised: the batch goes on."""

    code: str
    """Stable machine code, e.g. ``unmatched-target-table``."""
    message: str
    """What is wrong and what to try."""
    file: str
    line: Optional[int] = None
    excerpt: Optional[str] = None
    severity: str = "warning"
    """``warning`` (facts still ingested) or ``error`` (file not ingested)."""
    page: Optional[int] = None
    """PDF page of ``line``, when the reader knows it (e.g. where a project's 年度预算安排 is printed)."""

    @model_serializer(mode="wrap")
    def _drop_empty_page(self, handler):
        """Stored JSON of problems without a page stays as it was."""
        data = handler(self)
        if data.get("page") is None:
            data.pop("page", None)
        return data


class BudgetDocument(Record):
    """Everything read from one document."""

    source: str
    """Path as given to ``kg ingest``."""
    sha256: str
    """Hash of the file bytes: an unchanged file is not re-ingested."""
    layout: str
    """Name of the layout parser that read it."""
    department: Department
    totals: Totals
    functional_spending: tuple[FunctionalSpending, ...] = ()
    economic_spending: tuple[EconomicSpending, ...] = ()
    projects: tuple[Project, ...] = ()
    department_indicators: tuple[Indicator, ...] = ()
    sections: tuple[TextSection, ...] = ()
    tables: tuple[PrintedTable, ...] = ()
    """Every titled table the reader saw, in order."""
    problems: tuple[Problem, ...] = ()

    @property
    def legal_bases(self) -> list[LegalBasis]:
        return [b for p in self.projects for b in p.legal_bases]

    @property
    def indicator_count(self) -> int:
        return sum(len(p.indicators) for p in self.projects) + len(self.department_indicators)
