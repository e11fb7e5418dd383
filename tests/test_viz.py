"""Pages opened in headless Chromium: they render, make no network request, log no error, and show
document text as text. Needs Debian's chromium; CI sets KG_REQUIRE_BROWSER=1 so a missing browser fails."""

from __future__ import annotations

import os
import shutil
from urllib.parse import quote
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from kg.cli import app
from kg.graph import viz

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(os.environ.get("KG_SCREENSHOT_DIR", "")) if os.environ.get("KG_SCREENSHOT_DIR") else None


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("KG_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (apt-get install chromium) and missing")
        pytest.skip("chromium not installed (CI installs it and sets KG_REQUIRE_BROWSER=1)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def open_page(browser, path: Path, shot: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, requests, dialogs = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-rendered-nodes]", timeout=30_000)
    rendered = page.evaluate("window.kgGraph")
    page.screenshot(path=str(shot))
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SHOTS / shot.name)
    network = [u for u in requests if u != path.as_uri() and not u.startswith(("data:", "blob:"))]
    page.close()
    return rendered, errors, network, dialogs


PAGES = [
    ("policy", ["--policy", "泽组通字[2022]31号"]),
    ("department", ["--department", "中国共产党泽州县委员会组织部"]),
    ("project", ["--project", "村级管理费用（三保）"]),
    ("search", ["--search", "选调生"]),
]


@pytest.mark.parametrize("kind,args", PAGES, ids=[k for k, _ in PAGES])
def test_page_renders_offline_without_errors(browser, use_home, tmp_path, kind, args):
    out = tmp_path / f"{kind}.html"
    result = runner.invoke(app, ["viz", *args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    expected = int(result.stderr.split("(")[1].split(" nodes")[0])
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html.split("<script")[0] and 'src="http' not in html and "href=\"http" not in html  # markup loads nothing; the data may name kg serve for clicks
    rendered, errors, network, dialogs = open_page(browser, out, tmp_path / f"{kind}.png")
    assert rendered["nodes"] == expected > 1
    assert errors == [] and network == [] and dialogs == []
    assert (tmp_path / f"{kind}.png").stat().st_size > 10_000


def test_policy_page_shows_its_projects(browser, use_home, tmp_path):
    out = tmp_path / "p.html"
    runner.invoke(app, ["viz", "--policy", "泽组通字〔2022〕31号", "--output", str(out)])
    rendered, *_ = open_page(browser, out, tmp_path / "p.png")
    assert {"村级组织运转经费", "村级组织运转经费（三保）", "社区运转经费（三保）", "中国共产党泽州县委员会组织部",
            "泽组通字〔2022〕31号"} <= set(rendered["names"])


def test_script_in_a_project_name_renders_as_text(browser, tmp_path, monkeypatch):
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    src = sorted(EXAMPLES.glob("*liushukou*"))[0].read_text(encoding="utf-8")
    evil = "<script>alert(1)</script>"
    doc = tmp_path / "evil.txt"
    doc.write_text(src.replace("遗属补助", evil), encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    out = tmp_path / "evil.html"
    result = runner.invoke(app, ["viz", "--department", "泽州县柳树口镇人民政府", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert evil not in out.read_text(encoding="utf-8")  # only as escaped JSON data
    rendered, errors, network, dialogs = open_page(browser, out, tmp_path / "evil.png")
    assert dialogs == [] and errors == [] and network == []
    assert evil in rendered["names"]
    assert any(label.startswith("<script>alert(1)") for label in rendered["labels"])
    assert rendered["scripts"] == 3  # the data block, the library and the page script: nothing injected


def test_a_few_thousand_nodes_render(browser, tmp_path):
    g = nx.MultiDiGraph()
    for i in range(3000):
        g.add_node(f"project:{i}", kind="project", label=f"项目{i}", amount_wan=float(i % 97))
        if i:
            g.add_edge(f"project:{i}", f"project:{i // 3}", relation="related")
    out = viz.write_html(g, ["project:0"], "3000 节点", tmp_path / "big.html")
    rendered, errors, network, _ = open_page(browser, out, tmp_path / "big.png")
    assert rendered["nodes"] == 3000 and rendered["edges"] == 2999
    assert errors == [] and network == []


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_static_pictures(use_home, tmp_path, fmt):
    out = tmp_path / f"policy.{fmt}"
    assert runner.invoke(app, ["viz", "--policy", "泽组通字[2022]31号", "--format", fmt, "--output", str(out)]).exit_code == 0
    assert out.stat().st_size > 5_000
    chart = tmp_path / f"chart.{fmt}"
    result = runner.invoke(app, ["chart", "--department", "中国共产党泽州县委员会组织部", "--output", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.stat().st_size > 5_000


def test_viz_needs_one_selection(use_home):
    assert runner.invoke(app, ["viz"]).exit_code == 2
    assert runner.invoke(app, ["viz", "--policy", "x", "--department", "y"]).exit_code == 2
    missing = runner.invoke(app, ["viz", "--policy", "不存在〔2000〕1号"])
    assert missing.exit_code == 1 and "error:" in missing.stderr


def _overlaps(boxes):
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1]


@pytest.mark.parametrize("kind,args", PAGES, ids=[k for k, _ in PAGES])
def test_graph_page_shows_projects_with_labels_apart_and_details_folded(browser, use_home, tmp_path, kind, args):
    out = tmp_path / f"{kind}.html"
    assert runner.invoke(app, ["viz", *args, "--output", str(out)]).exit_code == 0
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(out.as_uri())
    page.wait_for_selector("body[data-rendered-nodes]", timeout=30_000)
    g = page.evaluate("window.kgGraph")
    assert _overlaps(g["boxes"]) == []  # node + label boxes as Cytoscape reports them
    shown = {key.split(":")[0] for key, *_ in g["boxes"]}
    hits = {"indicator"} if kind == "search" else set()  # an indicator a search found is a centre, shown
    assert "project" in shown and not shown & ({"indicator", "functional", "economic", "document"} - hits)
    assert not any(label.endswith("…") for label in g["labels"])  # names are wrapped, never cut
    assert not any(" 元" in label for label in g["labels"])  # one money unit: 万元
    # a click on a project unfolds its indicators next to it; labels still stay apart
    opened = 0
    for key in (key for key, *_ in g["boxes"] if key.startswith("project:")):
        opened = page.evaluate("(k) => window.kgUnfold(k)", key)
        if opened:
            break
    assert opened > 0
    after = page.evaluate("() => window.kgBoxes()")
    assert len(after) == len(g["boxes"]) + opened and _overlaps(after) == []
    # a double click opens the node's page in kg serve
    page.evaluate("() => { window.__opened = []; window.open = (u) => { window.__opened.push(String(u)); return null; }; }")
    spot = page.evaluate("(k) => window.kgRendered(k)", key)
    page.mouse.dblclick(spot["x"], spot["y"])
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__opened") == ["http://127.0.0.1:8000/node/" + quote(key, safe="-_.!~*'()")]
    page.close()


def test_static_graph_labels_apart_and_inside(use_home, tmp_path):
    from kg.graph.charts.canvas import text_problems
    from kg.graph.pictures import graph_canvas
    from kg.graph.viz import select
    from kg.store import Store
    from kg.graph.build import build

    g = build(Store(use_home).documents())
    for sel in ({"department": "中国共产党泽州县委员会组织部"}, {"policy": "泽组通字[2022]31号"}):
        sub, centres, title = select(g, **sel)
        c = graph_canvas(sub, centres, title)
        texts = [t.get_text() for t in c.fig.findobj(lambda a: a.__class__.__name__ == "Text") if t.get_text().strip()]
        assert text_problems(c.fig) == []
        assert any("万元" in t for t in texts) and not any(t.endswith("元") and "万元" not in t for t in texts)
        assert any(t.startswith("数据来源") for t in texts)
        drawn = " ".join(texts).replace("\n", "")
        assert "村级组织运转经费" in drawn and "绩效" not in drawn.split("；")[0]
