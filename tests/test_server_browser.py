"""`kg serve` in headless Chromium, as a journalist uses it: search 选调生, open a project, see its policy and
the quoted source line, open the graph picture, run a bundled query from the SPARQL editor. No console error,
no request to any host but the server. CI sets KG_REQUIRE_BROWSER=1, so a missing Chromium fails."""

from __future__ import annotations

import json

import pytest

from kg.app import BudgetKG
from server_fixture import running_server
from test_viz import browser  # noqa: F401  (the Chromium fixture: Debian's /usr/bin/chromium)


@pytest.fixture(scope="module")
def server(kg_home):
    with running_server(kg_home, timeout=10.0) as base:
        yield base


def watched(browser, base):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base + "/") else None)
    return page, errors, outside


def test_search_open_project_see_policy_and_source_line(browser, server, kg_home):  # noqa: F811
    page, errors, outside = watched(browser, server)
    page.goto(server + "/")
    page.fill("form.big input[name=q]", "选调生")
    page.press("form.big input[name=q]", "Enter")
    page.wait_for_selector("table.hits")
    assert page.locator("tr.hit").count() == len(BudgetKG(kg_home).search("选调生").hits)
    link = page.locator("tr.hit:has(td:text-is('project')) a", has_text="提前下达2026年度选调生到村工作中央财政补助资金")
    link.first.click()
    page.wait_for_selector("h1#label")
    assert page.text_content("h1#label") == "提前下达2026年度选调生到村工作中央财政补助资金"
    cites = page.locator("section[data-relation=cites]")
    assert cites.locator("a").first.text_content() == "晋财行〔2025〕110号"
    quote = cites.locator("blockquote.quote").first.text_content()
    assert "（晋财行【2025】110号）" in quote and quote.startswith("立项依据")
    assert ".txt:" in cites.locator(".place").first.text_content()
    assert "12.50 万元" in page.text_content("p.amount")

    cites.locator("a").first.click()  # the policy's page lists the projects resting on it
    page.wait_for_selector("h1#label")
    assert page.text_content("h1#label") == "晋财行〔2025〕110号"
    citing = page.locator("section[data-relation=cites] a").all_text_contents()
    assert "提前下达2026年度选调生到村工作中央财政补助资金" in citing and len(citing) >= 2

    page.click("a#picture")  # the offline graph picture of this node
    page.wait_for_selector("body[data-rendered-nodes]", timeout=30_000)
    assert page.evaluate("window.kgGraph")["nodes"] > 2
    page.close()
    assert errors == [] and outside == []


def test_run_a_bundled_query_from_the_editor(browser, server, kg_home):  # noqa: F811
    kg = BudgetKG(kg_home)
    expected = json.loads(kg.sparql(name="a_projects_citing_policy").to_json())["results"]["bindings"]
    page, errors, outside = watched(browser, server)
    page.goto(server + "/sparql", wait_until="load")  # a browser asking the endpoint gets the editor
    assert page.url == server + "/editor"
    page.click("button[data-name=a_projects_citing_policy]")
    assert "泽组通字〔2022〕31号" in page.input_value("#query")
    page.click("#run")
    page.wait_for_selector("#status[data-done]")
    rows = page.locator("table.results tbody tr")
    assert rows.count() == len(expected) > 0
    assert page.locator("table.results thead th").all_text_contents() == ["department", "project", "amountWan", "totalWan"]
    assert rows.first.locator("td").all_text_contents() == [expected[0][v]["value"] for v in
                                                              ("department", "project", "amountWan", "totalWan")]

    page.fill("#query", "SELECT ?x WHERE { ?x ?y }")  # a bad query shows the engine's message
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert page.text_content("#status").startswith("400: SPARQL syntax error")
    page.close()
    assert outside == []
    assert [e for e in errors if "400" not in e] == []  # the 400 itself is logged by Chromium as a failed load
