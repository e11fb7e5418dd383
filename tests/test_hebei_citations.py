"""Hebei target tables print no 立项依据: a policy cited in 指标值确定依据 justifies one indicator's target
value, so it is a citation of the project (``mentions``), not its legal basis (``cites``); a number in the
project's own name is the allocation the project rests on and stays a legal basis.

The places below were checked by reading examples/lulong-liujiaying-township-2024.txt and
examples/fengfeng-xiguyi-township-2024.txt."""

from __future__ import annotations

import json
from decimal import Decimal

from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.graph.facts import Entity, Relation, facts
from kg.ingest import parse_bytes
from kg.ingest.layouts.hebei import _bases
from kg.ingest.projects import TargetTable
from kg.model import Indicator, Provenance

runner = CliRunner()
LULONG = "lulong-liujiaying-township-2024.txt"
FENGFENG = "fengfeng-xiguyi-township-2024.txt"


def _document(name: str):
    return parse_bytes((EXAMPLES / name).read_bytes(), f"examples/{name}").document


def _policy_relations(doc, project: str) -> dict[str, set[str]]:
    """relation (cites / mentions) → the policies the named project has it with, from the facts walk."""
    found = list(facts([doc], findings=False))
    refs = {f.ref for f in found if isinstance(f, Entity) and f.ref.kind == "project" and f.label == project}
    assert len(refs) == 1, refs
    out: dict[str, set[str]] = {}
    for f in found:
        if isinstance(f, Relation) and f.relation in ("cites", "mentions") and f.subject in refs:
            out.setdefault(f.relation, set()).add(f.object.key)
    return out


def test_a_number_printed_only_in_the_indicator_basis_is_a_mention():
    """白云岩监管服务站经费: 卢财（2019）168号文件 is printed only in 指标值确定依据 cells (lines 2293–2314)."""
    doc = _document(LULONG)
    project = next(p for p in doc.projects if p.name == "白云岩监管服务站经费")
    assert project.legal_bases == ()
    assert [(c.doc_number, c.as_printed) for c in project.citations] == [("卢财〔2019〕168号", "卢财（2019）168号")]
    first = next(i for i in project.indicators if i.name == "计量服务站劳务派遣的人数")
    assert "卢财（2019）168号" in first.basis  # Indicator.basis keeps the text as printed
    assert project.citations[0].source.line == first.source.line
    assert _policy_relations(doc, "白云岩监管服务站经费") == {"mentions": {"卢财〔2019〕168号"}}


def test_kg_policy_lists_an_indicator_basis_number_under_cited_in(use_home):
    data = json.loads(runner.invoke(app, ["policy", "卢财(2019)168号", "--json"]).stdout)
    assert data["projects"] == [] and data["total_wan"] == 0
    assert [(p["name"], p["department"], p["amount_wan"]) for p in data["cited_in"]] == [
        ("白云岩监管服务站经费", "卢龙县刘家营乡人民政府", 40.0)]
    source = data["cited_in"][0]["source"]  # the indicator row 计量服务站劳务派遣的人数, its basis cell at 2293
    assert source["file"].endswith(LULONG) and source["line"] == 2288


def test_a_number_in_the_project_name_stays_a_legal_basis(use_home):
    """邯财预【2023】25号 is printed in the project's name (line 611) and nowhere in its indicator table."""
    doc = _document(FENGFENG)
    name = "邯财预【2023】25号提前下达2024年革命老区转移支付资金"
    project = next(p for p in doc.projects if p.name == name)
    assert [b.doc_number for b in project.legal_bases] == ["邯财预〔2023〕25号"] and project.citations == ()
    assert _policy_relations(doc, name) == {"cites": {"邯财预〔2023〕25号"}}
    data = json.loads(runner.invoke(app, ["policy", "邯财预〔2023〕25号", "--json"]).stdout)
    assert [(p["name"], p["amount_wan"]) for p in data["projects"]] == [(name, 210.0)]
    assert data["cited_in"] == [] and data["total_wan"] == 210.0


def test_a_number_in_the_name_and_in_the_indicator_basis_is_only_a_legal_basis():
    """冀财农【2022】144号 is in the project's name (line 2901) and in each 指标值确定依据 (lines 2943–2991)."""
    doc = _document(LULONG)
    name = "冀财农【2022】144号2023年一事一议项目"
    project = next(p for p in doc.projects if p.name == name)
    assert [(b.doc_number, b.source.line) for b in project.legal_bases] == [("冀财农〔2022〕144号", project.source.line)]
    assert project.citations == ()
    assert _policy_relations(doc, name) == {"cites": {"冀财农〔2022〕144号"}}


def test_the_rule_on_a_target_table():
    """The rule itself, on one target table: name → legal basis; indicator basis → citation (numbered or
    title-only), each policy once, a number in both places only as the legal basis."""
    prov = Provenance(file="x.txt", line=10)

    def indicator(line: int, basis: str) -> Indicator:
        return Indicator(level1="产出指标", level2="数量指标", name=f"指标{line}", value="1人", basis=basis,
                         source=Provenance(file="x.txt", line=line))

    t = TargetTable(name="冀财预【2023】7号提前下达资金", line=10, file="x.txt", amount_wan=Decimal("5"))
    t.indicators = [indicator(12, "冀财预〔2023〕7号文件"), indicator(13, "冀民发[2021]3号"),
                    indicator(14, "《河北省村级组织运转经费保障办法》"), indicator(15, "冀民发（2021）3号文件")]
    bases, cited = _bases(t)
    assert [(b.doc_number, b.source.line) for b in bases] == [("冀财预〔2023〕7号", prov.line)]
    assert [(c.doc_number, c.as_printed, c.source.line) for c in cited] == [
        ("冀民发〔2021〕3号", "冀民发[2021]3号", 13), (None, "《河北省村级组织运转经费保障办法》", 14)]
