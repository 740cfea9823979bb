"""The Traditional edition (issue 4): conversion with OpenCC, a second site under zh-Hant/, the
edition switcher, and search in either script in either edition."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import SUB_PATH
from test_site_browser import open_search, run_search

HANT = "zh-Hant/"
# Where converting Simplified → Traditional (s2tw) → Simplified (t2s) does not give back the
# original character, and why that is right.
ROUND_TRIP_EXPLAINED = {
    ("着", "著"): "Taiwan's standard writes the aspect particle 着 (随着, 穿着) as 著, and t2s keeps 著 "
                  "because 著 is also a Simplified character (著作, 显著); search folds 著 to 着.",
}


def corpus(config) -> dict[str, str]:
    folder = Path(config["root"]) / config["paths"]["essays"]
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def test_round_trip_gives_back_the_simplified_corpus_or_explains_why(site_project):
    from handbook.site.edition import converter
    from handbook.script import converter as opencc_converter

    s2t, t2s = converter(site_project, "zh-Hant"), opencc_converter("t2s")
    unexplained = []
    for name, text in corpus(site_project).items():
        back = t2s.convert(s2t.convert(text))
        assert len(back) == len(text), name
        for i, (a, b) in enumerate(zip(text, back)):
            if a != b and (a, b) not in ROUND_TRIP_EXPLAINED:
                unexplained.append((name, text[max(0, i - 6): i + 6], a, b))
    assert unexplained == []


def test_default_forms_are_taiwans_not_openccs_own():
    from handbook import config as configuration
    from handbook.site.edition import converter

    hb = configuration.load()
    assert hb["editions"]["zh-Hant"]["opencc"] == "s2tw"
    assert converter(hb, "zh-Hant").convert("因为群众里面着急") == "因為群眾裡面著急"  # not 爲 眾 裏 着


def test_markdown_conversion_keeps_link_targets_and_markup():
    from handbook.site.edition import convert_markdown
    from handbook.script import converter

    convert = converter("s2tw").convert
    text = '见[户籍](essays/户籍窗口.md)与<span class="发">发展</span><!-- catalogue -->\n[参考]: chapters/户籍/'
    assert convert_markdown(text, convert) == ('見[戶籍](essays/户籍窗口.md)與<span class="发">發展</span>'
                                               '<!-- catalogue -->\n[参考]: chapters/户籍/')


def test_hand_written_traditional_page_wins(tmp_path):
    from browser import make_project
    from handbook.site.edition import prepare_docs

    config = make_project(tmp_path, seeds=False)
    (tmp_path / "docs" / "index.zh-Hant.md").write_text("## 前言\n\n編輯親手寫的繁體前言。\n", encoding="utf-8")
    docs = prepare_docs(config, "zh-Hant")
    assert (docs / "index.md").read_text(encoding="utf-8") == "## 前言\n\n編輯親手寫的繁體前言。\n"
    assert not (docs / "index.zh-Hant.md").exists()
    assert "戶籍窗口便民服務" in (docs / "essays" / "户籍窗口便民服务的几点体会.md").read_text(encoding="utf-8")


def test_traditional_pages_load_converted_and_self_contained(page, site_project, site_url):
    site = Path(site_project["root"]) / "site" / "zh-Hant"
    pages = sorted(p for p in site.rglob("index.html") if "search" not in p.parts)
    assert len(pages) >= 5
    for path in pages:
        url = site_url + HANT + path.relative_to(site).as_posix()[: -len("index.html")]
        assert page.goto(url).status == 200, url
    page.goto(site_url + HANT)
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert page.inner_text("article h1").strip().rstrip("¶") == "公安窗口服務工作手冊"
    body = page.inner_text("body")
    assert "戶籍窗口" in body and "前言" in body and "目錄" in body
    assert "户籍窗口" not in body  # chapter names and navigation converted too
    page.goto(site_url + HANT + "essays/户籍窗口便民服务的几点体会/")
    assert page.inner_text("article h1").strip().rstrip("¶") == "戶籍窗口便民服務的幾點體會"
    assert "2015年3月12日" in page.inner_text(".hb-meta") and "來源" in page.inner_text(".hb-meta")
    assert page.recorder.errors == [] and page.recorder.foreign() == [] and page.recorder.dialogs == []


def test_switcher_leads_to_the_same_essay_in_the_other_edition(page, site_project, site_url):
    essay = "essays/交通管理窗口的规范化建设/"
    page.goto(site_url + essay)
    href = page.get_attribute("a[data-hb-edition='zh-Hant']", "href")
    page.goto(_join(page.url, href))
    assert unquote(urlsplit(page.url).path) == SUB_PATH + HANT + essay
    assert page.inner_text("article h1").strip().rstrip("¶") == "交通管理窗口的規範化建設"
    back = page.get_attribute("a[data-hb-edition='zh-Hans']", "href")
    page.goto(_join(page.url, back))
    assert unquote(urlsplit(page.url).path) == SUB_PATH + essay
    page.goto(site_url)
    page.goto(_join(page.url, page.get_attribute("a[data-hb-edition='zh-Hant']", "href")))
    assert unquote(urlsplit(page.url).path) == SUB_PATH + HANT


def _join(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href)


def essay_paths(results, edition_prefix: str) -> set[str]:
    return {unquote(urlsplit(r["href"]).path)[len(SUB_PATH + edition_prefix):] for r in results}


@pytest.mark.parametrize("simplified, traditional", [("户籍", "戶籍"), ("随着", "隨著"), ("网上预约", "網上預約"),
                                                     ("人民", "人民")])
def test_a_query_in_either_script_finds_the_same_essays_in_both_editions(page, site_project, site_url,
                                                                           simplified, traditional):
    found = {}
    for edition in ("", HANT):
        open_search(page, site_url + edition)
        for query in (simplified, traditional):
            results = run_search(page, query)
            assert results, (edition, query)
            for r in results:
                assert r["marks"], r
            found[edition, query] = essay_paths(results, edition)
    assert len(set(map(frozenset, found.values()))) == 1, found
    assert page.recorder.errors == []


def test_absent_word_in_traditional_edition(page, site_project, site_url):
    open_search(page, site_url + HANT)
    assert run_search(page, "火星") == []
    assert run_search(page, "量子計算") == []
