"""The handbook site in a real browser (Debian chromium via Playwright), served under a sub-path:
pages load cleanly and self-contained, search finds Chinese words exactly, scraped markup stays
text, table-of-contents links land on their headings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import ABSENT_WORDS, SAMPLES, SUB_PATH


def built_pages(config) -> list[Path]:
    site = Path(config["root"]) / "site"
    return sorted(p for p in site.rglob("index.html") if "search" not in p.parts and
                  p.relative_to(site).parts[0] != "zh-Hant")


def page_url(site_url: str, config, path: Path, edition_dir: str = "") -> str:
    rel = path.relative_to(Path(config["root"]) / "site").as_posix()
    return site_url + rel[: -len("index.html")]


def essay_texts(config) -> dict[str, str]:
    """Each essay page's path under the site → its indexed text, normalised as search does."""
    from handbook.site import search
    from handbook.site.search import normalize, page_text

    site = Path(config["root"]) / "site"
    cmap = json.loads((site / search.FOLDER / search.META_NAME).read_text())["charmap"]
    texts = {}
    for path in (site / "essays").glob("*/index.html"):
        text = page_text(path.read_text(encoding="utf-8"))
        texts["essays/" + path.parent.name + "/"] = normalize(" ".join(text.split()), cmap)
    return texts


def run_search(page, word: str) -> list[dict]:
    page.fill("[data-hb-search-input]", word)
    page.wait_for_function(
        """() => { const m = document.querySelector('[data-hb-search-meta]').textContent;
                   return /找到|没有/.test(m); }""", timeout=15000)
    return page.eval_on_selector_all(
        "[data-hb-search-list] li a",
        "els => els.map(a => ({href: a.href, title: a.querySelector('h1').textContent,"
        " chapter: a.querySelector('.hb-search-result__chapter').textContent,"
        " marks: [...a.querySelectorAll('mark')].map(m => m.textContent),"
        " text: a.querySelector('.hb-search-result__passage').textContent}))")


def open_search(page, site_url):
    page.goto(site_url)
    button = page.locator("label.md-header__button[for='__search']")
    if button.is_visible():  # narrow screens: the search opens from a button
        button.click()
    page.click("[data-hb-search-input]")


def test_every_page_loads_cleanly_and_self_contained(page, site_project, site_url):
    pages = built_pages(site_project)
    essays = [p for p in pages if p.parent.parent.name == "essays"]
    assert len(essays) >= len(SAMPLES) + 2, "the samples and the two cleaned seeds"
    for path in pages:
        url = page_url(site_url, site_project, path)
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
    # search's index (its meta, shards and page texts) comes from the site too
    open_search(page, site_url)
    assert run_search(page, "窗口")
    rec = page.recorder
    assert rec.errors == []
    assert rec.foreign() == []
    assert any("/search/k/" in u for u in rec.requests) and any("/search/p/" in u for u in rec.requests)
    assert all(urlsplit(u).path.startswith(SUB_PATH) for u in rec.requests if u.startswith("http"))


def test_home_page_title_preface_catalogue(page, site_project, site_url):
    page.goto(site_url)
    assert page.inner_text("article h1").strip().rstrip("¶") == site_project["title"]
    assert "前言" in page.inner_text("article")
    links = page.eval_on_selector_all(".hb-catalogue li > a", "els => els.map(a => a.href)")
    essays = [p for p in built_pages(site_project) if p.parent.parent.name == "essays"]
    assert len(links) == len(essays)
    for link in links:  # every catalogue link leads to a page that exists
        assert page.request.get(link).status == 200
    text = page.inner_text(".hb-catalogue")
    assert "2015-03-12" in text
    assert SAMPLES["交通管理窗口的规范化建设"][0]["summary"][:10] in text
    for chapter in ("户籍窗口", "交警窗口"):
        assert page.locator(f"article h3:has-text('{chapter}')").count() == 1


def test_essay_page_shows_title_date_source_and_outline(page, site_project, site_url):
    page.goto(site_url + "essays/户籍窗口便民服务的几点体会/")
    assert page.inner_text("article h1").strip().rstrip("¶") == "户籍窗口便民服务的几点体会"
    meta = page.inner_text(".hb-meta")
    assert "2015年3月12日" in meta and "901_sample_a.txt" in meta and "户籍窗口" in meta
    toc = page.eval_on_selector_all(".md-sidebar--secondary .md-nav__link", "els => els.map(a => a.textContent.trim())")
    assert "一、转变观念，主动服务" in toc and "（一）推行预约办理" in toc
    # readable anchors: the Chinese words stay in the id
    assert page.locator("h2#一转变观念主动服务").count() == 1


@pytest.mark.parametrize("word", ["人民", "手册", "华人", "窗口", "预约", "排头兵", "户口迁移", "册", "预约办理"])
def test_search_finds_every_essay_containing_a_word(page, site_project, site_url, word):
    texts = essay_texts(site_project)
    expected = {k for k, t in texts.items() if word in t}
    assert expected, f"{word} should occur in the test site"
    open_search(page, site_url)
    results = run_search(page, word)
    found = {unquote(urlsplit(r["href"]).path)[len(SUB_PATH):] for r in results}
    assert found == expected
    for r in results:
        assert word in r["marks"], r  # the passage is shown with the word marked
        assert word in r["text"]
    assert page.recorder.errors == []


@pytest.mark.parametrize("word", ABSENT_WORDS + ["人民手册"])  # 人民手册: its pairs are in an essay, it is not
def test_search_for_an_absent_word_finds_nothing(page, site_project, site_url, word):
    assert not any(word in t for t in essay_texts(site_project).values())
    open_search(page, site_url)
    assert run_search(page, word) == []
    assert "没有找到" in page.inner_text("[data-hb-search-meta]")


def test_search_result_link_leads_to_the_passage(page, site_project, site_url):
    open_search(page, site_url)
    results = run_search(page, "预约办理")
    assert results
    page.click("[data-hb-search-list] li a")
    page.wait_for_load_state("load")
    assert unquote(urlsplit(page.url).path).endswith("/essays/户籍窗口便民服务的几点体会/")


def test_scraped_markup_is_shown_literally_and_never_runs(page, site_project, site_url):
    page.goto(site_url + "essays/字样测试/")
    page.wait_for_load_state("load")
    article = page.inner_text("article")
    assert "<script>alert(1)</script>字样测试" in article
    assert "<img src=x onerror=alert(1)>" in article
    assert "[x](javascript:alert(1))" in article
    assert page.eval_on_selector_all("a[href^='javascript:' i]", "els => els.length") == 0
    assert page.eval_on_selector_all("article img, article script", "els => els.length") == 0
    assert "<script>alert(1)</script>字样测试" in page.title()
    # the title in the navigation and on the home page's catalogue is text too
    page.goto(site_url)
    assert "<script>alert(1)</script>字样测试" in page.inner_text(".hb-catalogue")
    assert "<img src=x onerror=alert(1)>" in page.inner_text(".hb-catalogue")
    open_search(page, site_url)
    results = run_search(page, "alert")
    assert any("<script>alert(1)</script>" in r["title"] for r in results)
    page.wait_for_timeout(300)
    assert page.recorder.dialogs == []
    assert page.recorder.errors == []


def test_table_of_contents_link_lands_on_its_heading(page, site_project, site_url):
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(site_url + "essays/户籍窗口便民服务的几点体会/")
    target = "二规范流程提高效率"  # followed by enough text to scroll it to the top
    page.click(f".md-sidebar--secondary a.md-nav__link[href='#{target}']")
    page.wait_for_function(
        """(id) => { const h = document.getElementById(id); const top = h.getBoundingClientRect().top;
                     const header = document.querySelector('.md-header').getBoundingClientRect().bottom;
                     return decodeURIComponent(location.hash) === '#' + id && top >= header - 2 && top <= header + 60; }""", arg=target, timeout=5000)
    top = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", target)
    assert top < 200
