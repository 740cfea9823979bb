"""Accessibility and what audits look for (issue 13): axe-core's checks in Chromium on every kind of
page of both editions and on the search with its results, a meta description on every page, and
links in running text told from the text without colour."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import SAMPLES
from test_site_browser import built_pages, page_url

# Material's navigation, not ours: with navigation.indexes a chapter's sub-navigation is labelled
# by an empty toggle (one name for every chapter), and the page's table of contents is in the
# navigation twice (wide and narrow screens), both named 目录.
MATERIAL_RULES = ["landmark-unique"]
KINDS = {
    "home": "",
    "chapter": "chapters/户籍窗口/",
    "essay": "essays/户籍窗口便民服务的几点体会/",
    "essay opened from a search": "essays/户籍窗口便民服务的几点体会/?h=窗口&n=2",
    "search with results": "?q=窗口",
}


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"rules": {rule: {"enabled": False} for rule in MATERIAL_RULES}})
    return [f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]]


@pytest.mark.parametrize("edition", ["", "zh-Hant/"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_pages_pass_axe(page, site_url, edition, kind):
    page.goto(site_url + edition + KINDS[kind])
    page.wait_for_load_state("networkidle")
    if "?q=" in KINDS[kind]:
        page.wait_for_function("() => /找到|没有|沒有/.test(document.querySelector('[data-hb-search-meta]').textContent)")
        assert page.locator("[data-hb-search-list] li").count() > 0
    if "?h=" in KINDS[kind]:
        page.wait_for_selector("mark.hb-hit--current")
    assert violations(page) == []


def test_axe_finds_what_it_should(page, site_url):
    """The check can fail: a link told from the text by colour alone, and faint text, are caught."""
    page.goto(site_url + KINDS["essay"])
    page.evaluate("""() => { const p = document.querySelector('.hb-essay > p:not(.hb-meta)');
        p.insertAdjacentHTML('beforeend', '<a href="#x" style="text-decoration:none">链接</a><span style="color:#ddd">淡字</span>'); }""")
    found = " ".join(violations(page))
    assert "link-in-text-block" in found and "color-contrast" in found


def test_every_page_has_a_description_of_its_own(page, site_project, site_url):
    descriptions = {}
    for path in built_pages(site_project):
        page.goto(page_url(site_url, site_project, path))
        content = page.get_attribute("meta[name=description]", "content")
        assert content and content.strip(), path
        descriptions[path.parent.name] = content
    for stem, (meta, _) in SAMPLES.items():
        assert descriptions[stem] == meta["summary"]  # an essay: its summary, markup as text
    assert "户籍窗口" in descriptions["户籍窗口"] and "篇文章" in descriptions["户籍窗口"]
    assert "《公安窗口服务工作手册》" in descriptions[Path(site_project["root"]).joinpath("site").name]
    assert len(set(descriptions.values())) == len(descriptions)


def test_links_in_running_text_are_underlined(page, site_url):
    for kind in ("home", "essay"):
        page.goto(site_url + KINDS[kind])
        links = page.eval_on_selector_all(
            "article p a:not(.headerlink), article li a",
            "els => els.map(a => getComputedStyle(a).textDecorationLine)")
        assert links and all("underline" in line for line in links), kind
