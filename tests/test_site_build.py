"""The handbook site's build, without a browser: strict MkDocs build, self-contained output,
generated navigation that stays small, escaping, search's index helpers, incremental builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import make_project, write_essay
from handbook.site import nav as site_nav
from handbook.site import search
from handbook.site.text import md_text

RESOURCE = re.compile(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="([^"]+)"', re.I)


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    from handbook import site

    root = tmp_path_factory.mktemp("small")
    config = make_project(root, seeds=False)
    assert site.build(config, "zh-Hans") == [root / "site"]
    return config


def test_build_writes_pages_and_search_bundle(small_site):
    site = Path(small_site["root"]) / "site"
    assert (site / "index.html").is_file()
    assert (site / "essays" / "户籍窗口便民服务的几点体会" / "index.html").is_file()
    assert (site / "chapters" / "户籍窗口" / "index.html").is_file()
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert (site / "pagefind" / search.CHARMAP_NAME).is_file()
    assert not (site / "search" / "search_index.json").exists(), "Material's lunr search is off"
    assert not (site / "essays" / ".manifest.json").exists()


def test_nothing_is_loaded_from_other_hosts(small_site):
    site = Path(small_site["root"]) / "site"
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for url in RESOURCE.findall(html):
            assert not re.match(r"(https?:)?//", url), f"{page}: {url}"
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_only_essays_are_indexed_and_the_search_appendix_stays_out_of_pages(small_site):
    site = Path(small_site["root"]) / "site"
    assert 'data-pagefind-body' not in (site / "index.html").read_text(encoding="utf-8")
    essay = (site / "essays" / "户籍窗口便民服务的几点体会" / "index.html").read_text(encoding="utf-8")
    assert essay.count("data-pagefind-body") == 1
    assert search.SENTINEL not in essay


def test_second_build_with_nothing_changed_does_nothing(small_site):
    from handbook import site

    assert site.build(small_site, "zh-Hans") == []
    index = Path(small_site["root"]) / "docs" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n编辑补充的一句话。\n", encoding="utf-8")
    assert site.build(small_site, "zh-Hans") == [Path(small_site["root"]) / "site"]
    assert "编辑补充的一句话" in (Path(small_site["root"]) / "site" / "index.html").read_text(encoding="utf-8")


def test_nav_html_stays_flat_as_the_corpus_grows(tmp_path):
    """One essay page's size with 12 and with 150 essays (fan-out 5 to make the groups nest)."""
    from handbook import site

    sizes = {}
    for count in (12, 150):
        root = tmp_path / str(count)
        config = make_project(root, samples={}, seeds=False)
        config["site"] = {"nav_fanout": 5}
        for n in range(count):
            write_essay(root / "docs" / "essays", f"e{n:04d}", {"title": f"户籍工作第{n}篇", "source": f"{n:04d}.txt",
                                                               "summary": "摘要。"}, f"# 户籍工作第{n}篇\n\n正文。\n")
        site.build(config, "zh-Hans")
        page = (root / "site" / "essays" / "e0000" / "index.html").read_text(encoding="utf-8")
        sizes[count] = len(page.encode())
    assert sizes[150] < sizes[12] * 1.25, sizes


def test_grouped_nav_never_lists_more_than_fanout():
    items = [site_nav.Item(f"essays/{n}.md", str(n), "", "", "", "甲") for n in range(1, 1001)]

    def widest(entries):
        inner = [widest(v) for e in entries if isinstance(e, dict) for v in e.values()]
        return max([len(entries), *inner])

    nav = site_nav.grouped(items, 10)
    assert widest(nav) <= 10
    assert list(nav[0]) == ["第 1–100 篇"]
    assert site_nav.grouped(items[:3], 10) == ["essays/1.md", "essays/2.md", "essays/3.md"]


def test_scraped_text_is_escaped_for_markdown():
    import markdown

    for text in ["<script>alert(1)</script>", "[x](javascript:alert(1))", "*强调* _x_ `code` #1 & <b>",
                 "<img src=x onerror=alert(1)>"]:
        html = markdown.markdown(md_text(text))
        assert "<script" not in html and "<img" not in html and "<a" not in html and "<em" not in html
        assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_grams_cover_every_substring_start():
    assert search.grams("中华人民共和国，本手册") == ["中华", "华人", "人民", "民共", "共和", "和国", "国", "本手", "手册", "册"]


def test_normalize_is_one_to_one_and_folds_scripts():
    cmap = search.charmap("户籍发展", ["s2tw"])
    assert search.normalize("戶籍發展", cmap) == "户籍发展"
    assert search.normalize("ＡＢＣ１２３", cmap) == "abc123"
    text = "樹立五種意識"
    assert len(search.normalize(text, search.charmap(text))) == len(text)

