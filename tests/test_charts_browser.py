"""Chart pages opened in headless Chromium: every band, box and bar the figures hold is drawn, hover shows
the amount and the source line, a click leads to `kg serve`, no network request, no console error, and
document text stays text. CI sets KG_REQUIRE_BROWSER=1 so a missing browser fails (see test_viz)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.graph.charts import chart
from kg.store import Store
from test_viz import browser  # noqa: F401  (the shared Chromium fixture)

runner = CliRunner()
ORG = "中国共产党泽州县委员会组织部"
SHAPES = {"sankey": ".sankey-link", "treemap": "g.slice", "policy": ".barlayer .point",
          "top-policies": ".barlayer .point", "years": ".barlayer .point"}


def open_chart(browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-rendered-chart]", timeout=30_000)
    page.evaluate("() => { window.__opened = []; window.open = (u) => { window.__opened.push(String(u)); return null; }; }")
    network = [u for u in requests if u != path.as_uri() and not u.startswith(("data:", "blob:"))]
    return page, errors, network


def expected_shapes(picture) -> int:
    if picture.kind == "sankey":
        return len(picture.data.links)
    if picture.kind == "treemap":
        m = picture.data
        return 1 + (len(m.departments) if m.scope.county else 0) + m.count
    if picture.kind == "policy":
        return len(picture.data.projects)
    if picture.kind == "years":
        return sum(len(items) for _, items in picture.data.rows)
    return len(picture.data[0])


TEXT_BOXES = """() => Array.from(document.querySelectorAll('.main-svg text'))
  .filter(e => e.textContent.trim() && e.getBoundingClientRect().width > 0)
  .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""

CASES = [("sankey", ["--county", "泽州县"]), ("sankey", ["--department", ORG]), ("treemap", ["--county", "泽州县"]),
         ("treemap", ["--department", ORG]), ("policy", ["--policy", "泽组通字[2022]31号"]),
         ("top-policies", ["--county", "泽州县"])]
PDF_CASES = [("sankey", ["--department", "上海市普陀区司法局"]), ("treemap", ["--county", "普陀区"]),
             ("top-policies", ["--county", "普陀区"])]
"""A real PDF disclosure (Shanghai, national nine-table form, tables in 元) read through the PDF loader."""


@pytest.fixture(scope="module")
def pdf_home(tmp_path_factory):
    from kg.pipeline import ingest_paths
    from kg.search.index import SearchIndex

    home = tmp_path_factory.mktemp("pdf-home")
    pdfs = sorted(EXAMPLES.glob("*.pdf"))
    assert pdfs, "examples/ holds a corpus PDF"
    with SearchIndex(home).writer() as writer:
        outcomes = ingest_paths([str(p) for p in pdfs], Store(home), on_document=writer.replace)
    assert all(o.status == "added" for o in outcomes)
    return home


@pytest.mark.parametrize("kind,args", PDF_CASES, ids=[f"pdf-{k}" for k, _ in PDF_CASES])
def test_chart_page_of_a_pdf_disclosure(browser, pdf_home, monkeypatch, tmp_path, kind, args):  # noqa: F811
    monkeypatch.setenv("KG_HOME", str(pdf_home))
    check_chart_page(browser, pdf_home, tmp_path, kind, args)


@pytest.fixture(scope="module")
def two_year_home(tmp_path_factory):
    """The examples and the 组织部 document again for 2027 (机关运行经费 raised 10%), ingested."""
    from kg.app import BudgetKG
    from test_years_chart import RAISED

    from conftest import next_year

    folder = tmp_path_factory.mktemp("two-years") / "examples"
    folder.mkdir()
    for p in sorted(EXAMPLES.glob("*.txt")):
        (folder / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    src = sorted(EXAMPLES.glob("*organization*"))[0].read_text(encoding="utf-8")
    (folder / "party-organization-2027.txt").write_text(next_year(src).replace(*RAISED), encoding="utf-8")
    home = tmp_path_factory.mktemp("two-year-home")
    BudgetKG(home).ingest([str(p) for p in sorted(folder.glob("*.txt"))])
    return home


@pytest.mark.parametrize("args", [["--department", ORG], ["--county", "泽州县"]], ids=["department", "county"])
def test_year_on_year_page_draws_every_bar_offline(browser, two_year_home, monkeypatch, tmp_path, args):  # noqa: F811
    monkeypatch.setenv("KG_HOME", str(two_year_home))
    check_chart_page(browser, two_year_home, tmp_path, "years", args)


@pytest.mark.parametrize("kind,args", CASES, ids=[f"{k}-{a[1]}" for k, a in CASES])
def test_chart_page_draws_every_shape_offline(browser, use_home, tmp_path, kind, args):  # noqa: F811
    check_chart_page(browser, use_home, tmp_path, kind, args)


def check_chart_page(browser, home, tmp_path, kind, args):  # noqa: F811
    out = tmp_path / f"{kind}.html"
    result = runner.invoke(app, ["chart", "--kind", kind, *args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    markup = html.split("<script")[0]  # the page around the inlined library: nothing fetched from anywhere
    assert "connect-src 'none'" in markup and "http" not in markup.split("</head>")[1] and "src=" not in markup
    opts = {args[0].lstrip("-"): args[1]}
    picture = chart(kind, Store(home).documents(), **opts)
    page, errors, network = open_chart(browser, out)
    shapes = page.locator(SHAPES[kind])
    assert shapes.count() == expected_shapes(picture) > 1
    if kind == "sankey":
        assert page.locator(".sankey-node").count() == len(picture.data.nodes)
    # the labels plotly drew: none on top of another, none past the page's edges
    boxes = page.evaluate(TEXT_BOXES)
    assert len(boxes) >= 3  # at least the title, one label and one amount
    assert [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1] == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert [b[0] for b in boxes if b[1] < -1 or b[3] > width + 1] == []
    text = page.evaluate("document.body.innerText + document.querySelector('.main-svg').textContent")
    assert picture.title.split(" ")[0] in text and "万元" in text
    # hover the largest thing: its amount and source line appear
    target = {"sankey": ".sankey-node .node-rect", "treemap": "g.slice", "policy": ".barlayer .point path",
              "top-policies": ".barlayer .point path", "years": ".barlayer .point path"}[kind]
    index = 2 if kind == "sankey" else (1 if kind == "treemap" else 0)
    box = page.locator(target).nth(index).bounding_box()
    page.mouse.move(box["x"] + min(box["width"] / 2, 30), box["y"] + min(box["height"] / 2, 30))
    page.wait_for_timeout(200)
    hover = page.evaluate("document.querySelector('.hoverlayer').textContent")
    assert "万元" in hover and "examples/" in hover, hover
    if "普陀" in args[1]:
        assert ".pdf p." in hover  # PDF facts say which page
    page.mouse.down()
    page.mouse.up()
    page.wait_for_timeout(200)
    opened = page.evaluate("window.__opened")
    assert len(opened) == 1 and opened[0].startswith("http://127.0.0.1:8000/node/"), opened
    page.close()
    assert errors == [] and network == []


def test_click_leads_to_the_node_in_kg_serve(browser, use_home, tmp_path):  # noqa: F811
    out = tmp_path / "t.html"
    runner.invoke(app, ["chart", "--kind", "treemap", "--department", ORG, "--link-base", "", "--output", str(out)])
    page, errors, network = open_chart(browser, out)
    slices = page.locator("g.slice")
    for i in range(slices.count()):
        if "村级组织运转经费" in slices.nth(i).text_content() and "三保" not in slices.nth(i).text_content():
            box = slices.nth(i).bounding_box()
            page.mouse.click(box["x"] + 20, box["y"] + 20)
            break
    page.wait_for_timeout(200)
    key = f"project:{ORG}/2026/村级组织运转经费"
    assert page.evaluate("window.__opened") == ["/node/" + quote(key, safe="")]
    assert errors == [] and network == []


def test_script_in_a_project_name_is_text_in_every_chart(browser, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    src = sorted(EXAMPLES.glob("*liushukou*"))[0].read_text(encoding="utf-8")
    evil = "<script>alert(1)</script>"
    doc = tmp_path / "evil.txt"
    doc.write_text(src.replace("村级管理费用（三保）", evil + "费用"), encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    for kind in ("treemap", "sankey"):
        out = tmp_path / f"{kind}.html"
        result = runner.invoke(app, ["chart", "--kind", kind, "--department", "泽州县柳树口镇人民政府", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert evil not in out.read_text(encoding="utf-8")
        page, errors, network = open_chart(browser, out)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        drawn = page.evaluate("document.querySelector('.main-svg').textContent")
        assert "<script>alert(1)</script>费用" in drawn
        assert page.evaluate("document.getElementsByTagName('script').length") == 3
        page.close()
        assert errors == [] and network == [] and dialogs == []
