"""Charts: the figures behind them (hand-checked against the example documents), the print versions
(no two labels overlap, none runs off the page, from the text boxes matplotlib reports), and the
`kg chart` command."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.graph.charts import KINDS, chart
from kg.graph.charts.canvas import Canvas, text_problems
from kg.graph.flows import SelectionError, keep_largest, money_flow, select_documents, Item
from kg.ingest import parse_bytes
from kg.model import BudgetDocument, Project, Provenance

runner = CliRunner()
ORG = "中国共产党泽州县委员会组织部"


@pytest.fixture(scope="module")
def docs() -> list[BudgetDocument]:
    return [parse_bytes(p.read_bytes(), f"examples/{p.name}").document for p in sorted(EXAMPLES.glob("*.txt"))]


def by_label(flow, label):
    return next(n for n in flow.nodes if n.label == label)


def test_department_flow_follows_the_printed_tables(docs):
    flow = money_flow(select_documents(docs, department=ORG))
    # 收入总表: 一般公共预算 4192.53 + 上年结转 382.52; 支出总表 by class; 项目支出 3486.86 + 382.52 carried over
    assert by_label(flow, "一般公共预算").amount == 4192.53
    assert by_label(flow, "上年结转").amount == 382.52
    assert by_label(flow, ORG).amount == flow.total == 4575.05
    assert by_label(flow, "农林水支出").amount == 2442.40
    assert by_label(flow, "一般公共服务支出").amount == 1944.71
    assert by_label(flow, "项目支出").amount == 3869.38
    assert by_label(flow, "村级组织运转经费").amount == 1950.40
    assert flow.notes == ()
    # what flows into a department, a class or 项目支出 flows out of it (基本支出 ends there)
    for n in flow.nodes:
        if n.column in (1, 2) or n.label == "项目支出":
            inflow = sum(link.amount for link in flow.links if link.target == n.key)
            outflow = sum(link.amount for link in flow.links if link.source == n.key)
            assert inflow == pytest.approx(outflow, abs=0.02), n.label
    # 33 projects: 12 kept, 21 small ones grouped with their count and sum
    other = [n for n in flow.nodes if n.count > 1]
    assert len(other) == 1 and other[0].label == "其他 (21项)"
    projects = [n for n in flow.nodes if n.column == 4]
    assert sum(n.amount for n in projects) == pytest.approx(3869.38, abs=0.01)
    assert all(n.places and n.places[0].startswith("examples/zezhou-party-organization-dept-2026.txt:")
               for n in projects if n.count == 1)


def test_county_flow_reads_every_department_of_the_latest_year(docs):
    flow = money_flow(select_documents(docs, county="泽州县"))
    deps = [n.label for n in flow.nodes if n.column == 1]
    assert deps == [ORG, "泽州县人民政府办公室", "泽州县柳树口镇人民政府"]
    assert flow.total == pytest.approx(4575.05 + 2733.38 + 1422.60)
    assert flow.scope.county and flow.scope.year == 2026 and len(flow.scope.files) == 3
    assert "泽州县" in chart("sankey", docs, county="泽州县").title


def _printed_row(place: str) -> list[str]:
    """The cells of the text line a place (``file:line``) names, as the document prints them."""
    file, line = place.rsplit(":", 1)
    return (EXAMPLES.parent / file).read_text(encoding="utf-8").splitlines()[int(line) - 1].split("\t")


def _amount(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_county_flow_shows_the_printed_figures_at_their_lines(docs):
    """Read against the documents themselves: each band into a department is a row of that department's
    收入总表 (label and figure on the line its place names), each project box a row of a project table."""
    flow = money_flow(select_documents(docs, county="泽州县"))
    # the three 收入总表: 一般公共预算 4192.53 (组织部) + 2733.38 (政府办) + 1422.60 (柳树口镇); 上年结转 382.52 (组织部)
    assert by_label(flow, "一般公共预算").amount == 8348.51
    assert by_label(flow, "上年结转").amount == 382.52
    assert not any(n.key == "funding:unstated" for n in flow.nodes)
    labels = {n.key: n.label for n in flow.nodes}
    income = [link for link in flow.links if link.source.startswith("funding:")]
    assert len(income) == 4
    for link in income:
        [place] = link.places
        cells = _printed_row(place)
        assert cells[0].endswith(labels[link.source]) and _amount(cells[1]) == link.amount, (place, cells)
    projects = [n for n in flow.nodes if n.column == 4 and n.count == 1 and n.key != "project:unlisted"]
    assert len(projects) == 12
    for n in projects:
        [place] = n.places
        cells = _printed_row(place)
        assert n.label in (cells[0], cells[0] + "（上年结转）") and _amount(cells[1]) == n.amount, (place, cells)
    # every place is the file:line of a document of the selection
    files = set(flow.scope.files)
    assert all(p.rsplit(":", 1)[0] in files for n in flow.nodes for p in n.places)


def test_policy_places_are_where_the_number_is_printed(docs):
    """A policy's bars point at the lines citing it (in whatever brackets), and each project at its own row."""
    brackets = str.maketrans("【[［】]］", "〔〔〔〕〕〕")
    p = chart("policy", docs, policy="泽组通字[2022]31号").data
    items, _ = chart("top-policies", docs, county="泽州县").data
    cited = [(p.key, i.places[0]) for i in p.projects] + [(i.label, place) for i in items for place in i.places]
    assert len(cited) > len(items) > 10
    for key, place in cited:
        assert key in "".join(_printed_row(place)).translate(brackets).replace(" ", ""), (key, place)
    for item in p.projects:
        cells = _printed_row(item.places[1])
        assert item.label in (cells[0], cells[0] + "（上年结转）") and _amount(cells[1]) == item.amount


def test_workbook_flow_is_placed_at_sheet_and_cell(tmp_path):
    """A workbook's class band says where the row is: sheet and cell (1,250,000 元 printed on 表3 row 201)."""
    from test_loaders import _workbook

    flow = money_flow([parse_bytes(_workbook(tmp_path), "form.xlsx").document])
    assert by_label(flow, "一般公共服务支出").places == ("form.xlsx!表3!A4",)
    assert by_label(flow, "一般公共服务支出").amount == flow.total == 125.0


def test_small_items_are_grouped_with_their_count():
    items = [Item(f"k{i}", f"p{i}", float(100 - i)) for i in range(10)]
    kept = keep_largest(items, 3)
    assert [i.label for i in kept] == ["p0", "p1", "p2", "其他 (7项)"]
    assert kept[-1].amount == sum(100 - i for i in range(3, 10)) and kept[-1].count == 7
    assert keep_largest(items[:4], 3) == items[:4]  # one left over stays itself


def test_treemap_and_policy_figures(docs):
    m = chart("treemap", docs, county="泽州县").data
    assert m.count == 48 and m.total == pytest.approx(4575.05 - 705.67 + 1643.27 + 443.25, abs=0.02)
    p = chart("policy", docs, policy="泽组通字[2022]31号").data
    assert p.key == "泽组通字〔2022〕31号" and p.total == 2442.40
    assert sorted(i.label for i in p.projects) == ["村级组织运转经费", "村级组织运转经费（三保）", "社区运转经费（三保）"]
    items, _ = chart("top-policies", docs, county="泽州县").data
    assert items[0].key == "policy:泽组通字〔2022〕31号" and items[0].amount == 2442.40 and items[0].count == 3
    assert [i.amount for i in items] == sorted((i.amount for i in items), reverse=True)


def test_selection_errors_say_what_to_do(docs):
    with pytest.raises(SelectionError, match="counties in the store"):
        chart("sankey", docs, county="不存在县")
    with pytest.raises(SelectionError, match="needs --department or --county"):
        chart("treemap", docs)
    with pytest.raises(SelectionError, match="no project cites"):
        chart("policy", docs, policy="无〔1999〕1号")


# ------------------------------------------------------------------ print: labels readable


SELECTIONS = [("sankey", {"department": ORG}), ("sankey", {"county": "泽州县"}), ("sankey", {"county": "卢龙县"}),
              ("treemap", {"department": ORG}), ("treemap", {"county": "泽州县"}),
              ("policy", {"policy": "泽组通字[2022]31号"}), ("top-policies", {"county": "泽州县"}),
              ("top-policies", {"county": "卢龙县"})]


@pytest.mark.parametrize("kind,sel", SELECTIONS, ids=[f"{k}-{next(iter(s.values()))}" for k, s in SELECTIONS])
def test_print_labels_never_overlap_or_leave_the_page(docs, kind, sel):
    c = chart(kind, docs, **sel).canvas()
    texts = [t.get_text() for t in c.fig.findobj(lambda a: a.__class__.__name__ == "Text") if t.get_text().strip()]
    assert c.has_cjk, "install fonts-noto-cjk"
    assert len(texts) >= 5
    assert text_problems(c.fig) == []
    assert any("万元" in t for t in texts)
    assert any("数据来源" in t for t in texts)


def _crowded(n: int) -> BudgetDocument:
    src = sorted(EXAMPLES.glob("*organization*"))[0]
    doc = parse_bytes(src.read_bytes(), "examples/" + src.name).document
    here = Provenance(file="x.txt", line=1)
    projects = tuple(Project(name=f"第{i}个名字很长很长需要换行才能放下的专项资金项目{'甲' * (i % 7)}",
                             amount_wan=Decimal(1000 // (i + 1) + 1), source=here) for i in range(n))
    return doc.model_copy(update={"projects": projects})


@pytest.mark.parametrize("kind", ["sankey", "treemap"])
def test_many_long_names_still_fit(kind):
    doc = _crowded(120)
    c = chart(kind, [doc], department=doc.department.name).canvas()
    assert text_problems(c.fig) == []


def test_the_label_check_finds_overlap_and_clipping():
    c = Canvas(200, 100)
    c.text(10, 50, "重叠的标签", 12)
    c.text(14, 52, "重叠的标签", 12)
    c.text(180, 50, "跑出页面的文字", 12)
    problems = text_problems(c.fig)
    assert any(p.startswith("overlap") for p in problems)
    assert any(p.startswith("clipped") for p in problems)


# ------------------------------------------------------------------ CLI


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_chart_command_writes_print_pictures(use_home, tmp_path, fmt):
    for kind, args in (("sankey", ["--county", "泽州县"]), ("treemap", ["--department", ORG]),
                       ("policy", ["--policy", "泽组通字〔2022〕31号"]), ("top-policies", ["--county", "泽州县"])):
        out = tmp_path / f"{kind}.{fmt}"
        result = runner.invoke(app, ["chart", "--kind", kind, *args, "--output", str(out)])
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert data.startswith(b"\x89PNG" if fmt == "png" else b"<?xml") and len(data) > 20_000


def test_chart_command_usage_errors(use_home, tmp_path):
    assert runner.invoke(app, ["chart", "--kind", "sankey"]).exit_code == 2
    assert runner.invoke(app, ["chart", "--department", ORG, "--county", "泽州县"]).exit_code == 2
    missing = runner.invoke(app, ["chart", "--kind", "treemap", "--county", "无此县", "-o", str(tmp_path / "x.svg")])
    assert missing.exit_code == 1 and "error:" in missing.stderr


def test_every_kind_is_registered():
    assert set(KINDS) == {"sankey", "treemap", "policy", "top-policies", "years"}


def test_clicks_lead_to_nodes_kg_serve_knows(use_home):
    """Every key a chart links to (``/node/<id>``) is a node of the graph `kg serve` pages are built from."""
    from kg.app import BudgetKG

    kg = BudgetKG(use_home)
    nodes = set(kg.graph().nodes)
    for kind, sel in SELECTIONS:
        fig = kg.chart_data(kind, **sel).figure()
        keys = set()
        for trace in fig["data"]:
            for part in (trace, trace.get("node", {}), trace.get("link", {})):
                keys |= {c[0] for c in part.get("customdata", []) if c and c[0]}
        assert keys and keys <= nodes, (kind, sorted(keys - nodes)[:3])


def test_print_charts_of_a_pdf_disclosure(tmp_path):
    """A real PDF (national nine-table form, tables in 元): figures in 万元, labels apart, unlisted money shown."""
    from kg.pipeline import ingest_paths
    from kg.store import Store

    store = Store(tmp_path)
    assert all(o.status == "added" for o in ingest_paths([str(p) for p in EXAMPLES.glob("*.pdf")], store))
    docs = store.documents()
    flow = chart("sankey", docs, department="上海市普陀区司法局").data
    assert flow.total == pytest.approx(9628.22, abs=0.02)
    assert by_label(flow, "公共安全支出").amount == pytest.approx(8726.73, abs=0.01)
    assert by_label(flow, "人民调解").places[0].endswith(".pdf p.23")
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(EXAMPLES / "putuo-justice-2026-dept-budget.pdf"))
    for n in flow.nodes:  # each project box is placed on the page printing its name
        if n.column == 4 and n.count == 1 and n.places:
            page = int(n.places[0].rsplit(" p.", 1)[1])
            assert n.label in pdf[page - 1].get_textpage().get_text_range().replace("\r\n", ""), n.places
    assert by_label(flow, "未列明项目").amount == pytest.approx(7054.05 - 795.00, abs=0.02)
    assert not any(n.label == "未列明来源" for n in flow.nodes)  # cent rounding is no missing source
    for kind in ("sankey", "treemap", "top-policies"):
        c = chart(kind, docs, county="普陀区").canvas()
        assert text_problems(c.fig) == []
