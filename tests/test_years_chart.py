"""The year-on-year picture: every bar is a figure the year's document prints at the place the bar names, the change
from the year before is computed from those figures, and a county compares only departments it holds every year."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, next_year
from kg.graph.charts import chart
from kg.graph.charts.canvas import text_problems
from kg.graph.flows import SelectionError, change
from kg.ingest import parse_bytes

ORG = "中国共产党泽州县委员会组织部"
RAISED = ("机关运行经费财政拨款预算125.98万元", "机关运行经费财政拨款预算138.58万元")
"""The 2027 copy spends 10% more on 机关运行经费 (138.58 = 125.98 × 1.1)."""


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    out = {f"examples/{p.name}": p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))}
    src = out[f"examples/{sorted(EXAMPLES.glob('*organization*'))[0].name}"]
    assert RAISED[0] in src
    out["examples-2027/party-organization-2027.txt"] = next_year(src).replace(*RAISED)
    return out


@pytest.fixture(scope="module")
def docs(texts):
    return [parse_bytes(t.encode("utf-8"), name).document for name, t in texts.items()]


def test_every_bar_is_printed_where_it_says(docs, texts):
    t = chart("years", docs, department=ORG).data
    assert t.years == (2026, 2027)
    names = [name for name, _ in t.rows]
    assert names == ["支出总计", "基本支出", "项目支出", "“三公”经费", "机关运行经费"]
    for name, items in t.rows:
        assert [dict(i.extra)["年度"] for i in items] == ["2026", "2027"]
        for item in items:
            (place,) = item.places
            file, line = place.rsplit(":", 1)
            printed = texts[file].splitlines()[int(line) - 1:int(line) + 2]
            figure = f"{item.amount:.2f}"
            assert any(figure in row.replace(",", "") for row in printed) or item.amount == 0, (name, place, figure)


def test_the_change_is_computed_from_the_printed_figures(docs):
    rows = dict(chart("years", docs, department=ORG).data.rows)
    costs = rows["机关运行经费"]
    assert [i.amount for i in costs] == [125.98, 138.58]
    assert [dict(i.extra)["较上年"] for i in costs] == ["首个年度", "+10.0%"]
    assert [dict(i.extra)["较上年"] for i in rows["支出总计"]] == ["首个年度", "持平"]
    assert change(50.0, 0.0) == "上年为 0" and change(90.0, 100.0) == "-10.0%" and change(1.0, None) == "上年未列"


def test_a_county_compares_the_departments_it_holds_every_year(docs):
    c = chart("years", docs, county="泽州县")
    assert c.data.scope.where == "泽州县（1个部门）"
    assert "未计入" in c.note and "泽州县人民政府办公室" in c.note and "柳树口" in c.note
    assert dict(c.data.rows)["支出总计"][0].amount == dict(chart("years", docs, department=ORG).data.rows)["支出总计"][0].amount


def test_one_year_says_what_to_do(docs):
    with pytest.raises(SelectionError, match="kg ingest"):
        chart("years", docs, department="泽州县人民政府办公室")


def test_print_labels_fit(docs):
    c = chart("years", docs, department=ORG).canvas()
    texts = [t.get_text() for t in c.fig.findobj(lambda a: a.__class__.__name__ == "Text") if t.get_text().strip()]
    assert text_problems(c.fig) == []
    assert any("+10.0%" in t for t in texts) and any("数据来源" in t for t in texts)


def test_chart_command_draws_years(tmp_path, texts, monkeypatch):
    from kg.app import BudgetKG
    from kg.cli import app

    folder = tmp_path / "docs"
    for name in (f"examples/{sorted(EXAMPLES.glob('*organization*'))[0].name}", "examples-2027/party-organization-2027.txt"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(texts[name], encoding="utf-8")
    BudgetKG(tmp_path / "home").ingest([str(p) for p in sorted(folder.rglob("*.txt"))])
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    out = tmp_path / "years.html"
    result = CliRunner().invoke(app, ["chart", "--kind", "years", "--department", ORG, "--output", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "逐年对比" in html and "138.58" in html and re.search(r"<script[^>]*src=\"http", html) is None
