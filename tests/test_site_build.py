"""The handbook site's build, without a browser: strict MkDocs build, self-contained output,
generated navigation that stays small, escaping, search's index helpers, incremental builds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from browser import REPO, make_project, write_essay
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
    index = site / search.FOLDER
    assert (index / search.META_NAME).is_file()
    meta = json.loads((index / search.META_NAME).read_text(encoding="utf-8"))
    assert len(list((index / "k").glob("*.bin"))) == meta["shards"]  # every shard, empty or not
    assert len(list((index / "p").glob("*.json"))) == meta["pages"] == 3  # the essays only
    assert not (site / "pagefind").exists()
    assert not (site / "search" / "search_index.json").exists(), "Material's lunr search is off"
    assert not (site / "essays" / ".manifest.json").exists()


def test_nothing_is_loaded_from_other_hosts(small_site):
    site = Path(small_site["root"]) / "site"
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for url in RESOURCE.findall(html):
            assert not re.match(r"(https?:)?//", url), f"{page}: {url}"
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html


def test_only_essays_are_indexed_without_their_meta_line(small_site):
    site = Path(small_site["root"]) / "site"
    assert search.page_text((site / "index.html").read_text(encoding="utf-8")) is None
    essay = (site / "essays" / "户籍窗口便民服务的几点体会" / "index.html").read_text(encoding="utf-8")
    assert essay.count("data-hb-search-body") == 1
    text = search.page_text(essay)
    assert "户籍窗口便民服务的几点体会" in text and "上门服务" in text
    assert "901_sample_a.txt" not in text and "¶" not in text  # the date, chapter and source line; heading links


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


MATERIAL_TEMPLATES = Path(__import__("material").__file__).parent / "templates"


def test_nav_item_override_is_materials_but_for_the_once_block():
    """overrides/partials/nav-item.html is Material's own, with one child's render wrapped in
    ``handbook_once``: an upgrade of Material that changes the template fails here, not silently."""
    ours = (REPO / "overrides" / "partials" / "nav-item.html").read_text(encoding="utf-8")
    theirs = (MATERIAL_TEMPLATES / "partials" / "nav-item.html").read_text(encoding="utf-8")
    body = lambda text: text.split("-#}\n", 1)[1]  # noqa: E731 - the leading comment differs
    unwrapped = re.sub(r"\n *\{%- (?:call handbook_once\([^)]*\)|endcall) %\}", "", body(ours))
    assert unwrapped == body(theirs)
    assert body(ours).count("handbook_once") == 1


def test_navigation_rendered_once_per_item_is_byte_identical_to_materials(tmp_path):
    """A site of nested groups in three chapters, built with the override and with Material's own
    nav-item.html: every page the same, byte for byte (fan-out 4: pruned groups, groups in groups,
    chapter pages and essays in several folders)."""
    from handbook import site

    root = tmp_path / "project"
    config = make_project(root, samples={}, seeds=False)
    config["site"] = {"nav_fanout": 4}
    for n in range(60):
        topic = ("户籍", "交警", "综合")[n % 3]
        write_essay(root / "docs" / "essays", f"e{n:03d}", {"title": f"{topic}工作第{n}篇", "source": f"{n:03d}.txt"},
                    f"# {topic}工作第{n}篇\n\n{topic}{topic}{topic}窗口的工作。\n")
    site.build(config, "zh-Hans")
    ours = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*.html")}

    overrides = own_overrides(root, tmp_path / "overrides")
    (overrides / "partials" / "nav-item.html").unlink()
    assert site.build(config, "zh-Hans") == [root / "site"]
    theirs = {p.relative_to(root / "site"): p.read_bytes() for p in (root / "site").rglob("*.html")}
    assert len(ours) > 80 and ours.keys() == theirs.keys()
    assert [page for page in ours if ours[page] != theirs[page]] == []
    essay = ours[Path("essays/e000/index.html")].decode()
    assert essay.count("md-nav__item--pruned") >= 3 and essay.count('md-nav__item--active md-nav__item--nested') >= 2  # a group in a group


def own_overrides(root: Path, overrides: Path) -> Path:
    """A copy of the repository's overrides in ``overrides``, used by a mkdocs.yml of the project's own."""
    shutil.copytree(REPO / "overrides", overrides)
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^(\s*custom_dir:).*$", rf"\1 {overrides}", text, flags=re.M)
    text = text.replace("- scripts/handbook/site/hooks.py", f"- {REPO / 'scripts/handbook/site/hooks.py'}")
    text = re.sub(r"^watch:\n(?:[ \t]+-.*\n)+", "", text, flags=re.M)  # the repo's folders
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")  # a project's own mkdocs.yml wins
    return overrides


def test_compiled_templates_are_cached_by_name_and_an_edit_is_compiled_again(tmp_path):
    """The templates' compiled form is kept in the virtual environment, one entry per template
    name; a template edited since is compiled again, never taken stale from the cache."""
    from handbook import site
    from handbook.site.hooks import TemplateCache

    root = tmp_path / "project"
    config = make_project(root, seeds=False)
    overrides = own_overrides(root, tmp_path / "overrides")
    site.build(config, "zh-Hans")
    cache = TemplateCache.installed()
    entry = Path(cache.directory) / (cache.pattern % cache.get_cache_key("main.html"))
    before = entry.read_bytes()
    assert {p.name for p in Path(cache.directory).iterdir()} >= {cache.pattern % cache.get_cache_key(name)
                                                                   for name in ("main.html", "base.html", "partials/nav-item.html")}

    main = overrides / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace("<!--hb-search-end-->", '<!--hb-search-end--><i id="edited"></i>'),
                    encoding="utf-8")
    site.build(config, "zh-Hans", force=True)
    essays = list((root / "site" / "essays").glob("*/index.html"))
    assert essays and all('<i id="edited"></i>' in page.read_text(encoding="utf-8") for page in essays)
    assert entry.read_bytes() != before  # the entry now holds the edited template


def test_grouped_nav_never_lists_more_than_fanout():
    items = [site_nav.Item(f"essays/{n}.md", str(n), "", "", "", "甲") for n in range(1, 1001)]

    def widest(entries):  # a group's own page leads its list: its title links to it, not a list item
        listed = [e for e in entries if not (isinstance(e, str) and e.startswith("chapters/"))]
        inner = [widest(v) for e in listed if isinstance(e, dict) for v in e.values()]
        return max([len(listed), *inner])

    section = site_nav.Section("甲", "chapters/甲/index.md", items)
    nav = site_nav.nav_config([section], "首页", 10)[1]["甲"]
    assert widest(nav) <= 10
    assert nav[0] == "chapters/甲/index.md"

    def leaves(entries, uri):  # the essays under a group, checking each group leads with its page
        assert entries[0] == uri
        for number, entry in enumerate(entries[1:], start=1):
            if isinstance(entry, str):
                yield entry
                continue
            (label, inner), = entry.items()
            assert re.fullmatch(rf"第 {number} (组|部分)", label), label  # numbered from 1 under its parent
            yield from leaves(inner, f"{uri.removesuffix('index.md')}{number}/index.md")

    assert list(leaves(nav, "chapters/甲/index.md")) == [item.src_uri for item in items]  # every essay once, in order
    assert list(nav[1]) == ["第 1 部分"] and list(nav[1]["第 1 部分"][1]) == ["第 1 部分"]  # 1,000 / 10 nests twice
    small = site_nav.Section("乙", "chapters/乙/index.md", items[:3])
    assert site_nav.nav_config([small], "首页", 10)[1] == {"乙": ["chapters/乙/index.md", "essays/1.md", "essays/2.md", "essays/3.md"]}


def _groups(items, fanout=50):
    """A chapter's groups as {path: (label, its essays' paths)}."""
    tree = site_nav.tree(site_nav.Section("甲", "chapters/甲/index.md", items), fanout)
    return {g.src_uri: (g.label, [i.src_uri for i in g.items]) for g in site_nav.walk(tree)}


def test_an_essay_added_or_removed_half_way_changes_only_its_own_group():
    """Groups end at essays chosen by their names and are numbered: an essay added or removed in
    the middle of a chapter of 3,000 changes the essays of its group (and the next, when its group
    was full) and renames or moves no group, unless it is itself chosen to end one."""
    from handbook.catalogue import chosen

    items = [site_nav.Item(f"essays/{n:05d}.md", str(n), "", "", "", "甲") for n in range(0, 6000, 2)]
    before = _groups(items)
    sizes = [len(essays) for uri, (_, essays) in before.items() if uri.count("/") == 4]
    assert len(before) - len(sizes) >= 2 and max(sizes) <= 50  # nested: parts of groups of essays
    changes = 0
    for n in range(2999, 3999, 20):  # odd: new names, between two essays
        added = site_nav.Item(f"essays/{n:05d}.md", str(n), "", "", "", "甲")
        if chosen(added.page_name, 50 // 6):
            continue  # it ends a group of its own: later groups are renumbered
        after = _groups(sorted([*items, added], key=lambda item: item.src_uri))
        assert after.keys() == before.keys() and all(after[uri][0] == before[uri][0] for uri in after)
        changed = [uri for uri in after if after[uri] != before[uri]]
        assert 1 <= len([uri for uri in changed if uri.count("/") == 4]) <= 2, (n, changed)  # its group, maybe the next
        changes += 1
        gone = [item for item in items if item.src_uri != f"essays/{n + 1:05d}.md"]
        if not chosen(f"{n + 1:05d}", 50 // 6):
            after = _groups(gone)
            assert after.keys() == before.keys() and all(after[uri][0] == before[uri][0] for uri in after)
            assert 1 <= len([uri for uri in after if after[uri] != before[uri] and uri.count("/") == 4]) <= 2, n
    assert changes >= 30


def test_listing_pages_mirror_the_navigation_and_stay_small():
    """Every generated page lists at most fan-out entries; the group pages are the nav's own."""
    items = [site_nav.Item(f"essays/{n}.md", f"第{n}篇", "", "", "", "甲") for n in range(1, 1001)]
    sections = [site_nav.Section("甲", "chapters/甲/index.md", items),
                site_nav.Section("乙", "chapters/乙/index.md", items[:3])]
    pages = site_nav.listing_pages(sections, site_nav.LABELS, 10)

    def nav_pages(entries):
        for entry in entries:
            yield from ([entry] if isinstance(entry, str) else (p for v in entry.values() for p in nav_pages(v)))

    in_nav = {p for p in nav_pages(site_nav.nav_config(sections, "首页", 10, site_nav.LABELS)) if p.startswith("chapters/")}
    assert set(pages) == in_nav
    groups = [uri for uri in pages if uri.count("/") > 2]
    assert len(pages) == 2 + len(groups) and len(groups) >= 1000 // 10 + 10  # two chapters; groups and their parts
    for uri, page in pages.items():
        assert len(re.findall(r"^- \[", page.markdown, re.M)) <= 10, uri
    assert re.findall(r"^- \[(.+?)\]", pages["chapters/乙/index.md"].markdown, re.M) == ["第1篇", "第2篇", "第3篇"]
    assert pages["chapters/甲/1/1/2/index.md"].title == "甲 · 第 1 部分 · 第 1 部分 · 第 2 组"
    assert re.findall(r"^- \[(.+?)\]", pages["chapters/甲/1/1/index.md"].markdown, re.M)[:2] == ["第 1 组", "第 2 组"]


def test_scraped_text_is_escaped_for_markdown():
    import markdown

    for text in ["<script>alert(1)</script>", "[x](javascript:alert(1))", "*强调* _x_ `code` #1 & <b>",
                 "<img src=x onerror=alert(1)>"]:
        html = markdown.markdown(md_text(text))
        assert "<script" not in html and "<img" not in html and "<a" not in html and "<em" not in html
        assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_keys_are_characters_and_pairs_within_runs():
    assert search.keys("中华人民 本手册 ab") == {
        "中", "华", "人", "民", "中华", "华人", "人民", "本", "手", "册", "本手", "手册", "a", "b", "ab"}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """The LEB128 varint at ``at`` and where the next one starts."""
    value = shift = 0
    while True:
        b = data[at]
        at += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, at


def _varints(data: bytes, at: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    while at < end:
        value, at = _varint(data, at)
        yield value


def read_key(folder: Path, key: str) -> dict[int, tuple[int, list[tuple[int, int]] | None]]:
    """A key's postings decoded as search.js decodes them (varint deltas and bitmaps alike):
    essay → (weight, [(position, field)] for a pair, else None)."""
    import struct

    meta = json.loads((folder / search.META_NAME).read_text(encoding="utf-8"))
    blob = (folder / "k" / f"{search.shard_of(key, meta['shards'])}.bin").read_bytes()
    size = struct.unpack("<I", blob[:4])[0]
    header, data = json.loads(blob[4:4 + size]), blob[4 + size:]
    if key not in header:
        return {}
    kind, count, offset, length, *where = header[key]
    data = data[offset:offset + length]
    if kind == 1:
        bitmap = (meta["slots"] + 7) // 8
        ids = [i for i in range(bitmap * 8) if data[i >> 3] >> (i & 7) & 1]
        weights = list(_varints(data, bitmap))
    else:
        values = list(_varints(data))
        ids, prev = [], -1
        for delta in values[::2]:
            prev += delta
            ids.append(prev)
        weights = values[1::2]
    assert len(ids) == len(weights) == count
    places: list = [None] * count
    if where:
        xfile, xoffset, xlength = where
        xdata = (folder / "x" / f"{xfile}.bin").read_bytes()[xoffset:xoffset + xlength]
        at = 0
        for n in range(count):
            size, start = _varint(xdata, at)
            prev, found = -1, []
            for v in _varints(xdata, start, start + size):
                prev += v >> 2
                found.append((prev, v & 3))
            places[n] = found
            at = start + size
    return {i: (w, p) for i, w, p in zip(ids, weights, places)}


def test_index_lists_exactly_the_pages_holding_a_key_with_weights_and_positions(tmp_path):
    pages = [search.Page(f"essays/{n}/", f"第{n}篇", f"第{n}篇 " + ("人民" if n % 3 == 0 else "群众") + f"窗口 text{n} 窗口",
                         ((0, len(f"第{n}篇"), search.TITLE),) + (((len(f"第{n}篇") + 1, len(f"第{n}篇") + 5, search.HEADING),) if n % 5 == 0 else ()),
                         "户籍窗口")
             for n in range(100)]
    stats = search.write_index(tmp_path, pages, {})
    meta = json.loads((tmp_path / search.META_NAME).read_text(encoding="utf-8"))
    assert meta["pages"] == 100 and meta["shards"] == stats["shards"]
    assert meta["ranking"] == {"title_weight": 3.0, "heading_weight": 2.0, "k1": 1.2, "b": 0.75, "near_chars": 20, "positions_max_kb": 240, "near_max_kb": 120}
    for key in ("人民", "群众", "窗口", "民", "t", "te", "x9", "篇", "火星"):
        assert sorted(read_key(tmp_path, key)) == [n for n, page in enumerate(pages) if key in page.text], key
    # 群众 in a heading of every fifth essay, else in the body once; 篇 in each title only
    people = read_key(tmp_path, "群众")
    assert people[1][0] == 1 << 2 and people[5][0] == 1 and people[1][1] == [(len("第1篇") + 1, search.BODY)]
    assert all(weight == 2 for weight, _ in read_key(tmp_path, "篇").values())
    # 窗口: twice in each essay (once in the heading of every fifth), at its positions
    for n, (weight, places) in read_key(tmp_path, "窗口").items():
        assert weight == (2 << 2 if n % 5 else 1 << 2 | 1)
        assert [field for _, field in places] == [search.HEADING if n % 5 == 0 else search.BODY, search.BODY]
        assert [at for at, _ in places] == [i for i in range(len(pages[n].text)) if pages[n].text.startswith("窗口", i)]
    assert read_key(tmp_path, "民")[0][1] is None  # one character: no positions
    page = json.loads((tmp_path / "p" / "42.json").read_text(encoding="utf-8"))
    assert page == {"u": "essays/42/", "t": "第42篇", "c": "户籍窗口", "x": pages[42].text}
    assert len((tmp_path / search.LENGTHS_NAME).read_bytes()) == 100


def test_page_entry_spans_title_and_headings(small_site):
    """Title and headings of a built essay page, found where the indexed text holds them."""
    site = Path(small_site["root"]) / "site"
    page = site / "essays" / "户籍窗口便民服务的几点体会" / "index.html"
    title, text, spans = search.page_entry(page.read_text(encoding="utf-8"))
    assert title == "户籍窗口便民服务的几点体会" and spans[0] == (0, len(title), search.TITLE)
    assert [text[s:e] for s, e, f in spans if f == search.HEADING] == [
        "一、转变观念，主动服务", "（一）推行预约办理", "二、规范流程，提高效率", "三、加强学习，提升素质"]


def test_shard_hash_is_fnv1a_over_code_points():
    # the same numbers as search.js's shardOf
    assert search.shard_of("", 4096) == 0x811C9DC5 & 4095
    assert search.shard_of("a", 2 ** 32) == 0xE40C292C


def test_normalize_is_one_to_one_and_folds_scripts():
    cmap = search.charmap("户籍发展", ["s2tw"])
    assert search.normalize("戶籍發展", cmap) == "户籍发展"
    assert search.normalize("ＡＢＣ１２３", cmap) == "abc123"
    text = "樹立五種意識"
    assert len(search.normalize(text, search.charmap(text))) == len(text)



def test_a_recycled_version_is_made_the_same_as_the_working_copy(tmp_path):
    """Publication makes the version before the live one hold exactly the working copy's files
    (``build._mirror``): unchanged files kept, changed ones linked again, the rest removed."""
    import os

    from handbook.site.build import _link_tree, _mirror

    def files(top: Path) -> dict[str, int | None]:
        return {p.relative_to(top).as_posix(): (None if p.is_dir() else p.stat().st_ino) for p in sorted(top.rglob("*"))}

    work = tmp_path / "work"
    for name, text in {"index.html": "首页", "essays/a/index.html": "甲", "essays/b/index.html": "乙", "search/x.json": "{}"}.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")
    old = tmp_path / "old"
    _link_tree(str(work), str(old))
    kept = (old / "essays" / "a" / "index.html").stat().st_ino
    (old / "downloads").mkdir()
    (old / "downloads" / "v.pdf").write_bytes(b"%PDF")  # not in the working copy: goes
    os.symlink("elsewhere", old / "zh-Hant")
    (work / "essays" / "b" / "index.html").unlink()
    (work / "essays" / "b" / "index.html").write_text("乙（改）", encoding="utf-8")  # replaced, as the build does
    shutil.rmtree(work / "search")
    (work / "search").write_text("now a file", encoding="utf-8")
    (work / "essays" / "c").mkdir()
    (work / "essays" / "c" / "index.html").write_text("丙", encoding="utf-8")
    _mirror(str(work), str(old))
    assert files(old) == files(work)
    assert (old / "essays" / "a" / "index.html").stat().st_ino == kept
    assert (old / "essays" / "b" / "index.html").read_text(encoding="utf-8") == "乙（改）"


def test_a_recycled_version_compares_only_the_folders_that_changed(tmp_path, monkeypatch):
    """With its folders' record, the mirror compares a folder only when it, or its counterpart in
    the version, changed since the record: the version still ends up exactly the working copy,
    a file put into the version by hand is found, and a damaged record compares everything. The
    listing it gives is the one a walk of the version gives, what publication adds left out."""
    import os
    import time

    from importlib import import_module

    build = import_module("handbook.site.build")  # the module, not the function the package exports

    def files(top: Path) -> dict[str, int | None]:
        return {p.relative_to(top).as_posix(): (None if p.is_dir() else p.stat().st_ino) for p in sorted(top.rglob("*"))}

    work, old = tmp_path / "work", tmp_path / "old"
    for n in range(30):
        (work / "essays" / f"e{n}").mkdir(parents=True)
        (work / "essays" / f"e{n}" / "index.html").write_text(f"第{n}篇", encoding="utf-8")
    (work / "index.html").write_text("首页", encoding="utf-8")
    record, skip = build._folders_record(old), frozenset({"downloads", "zh-Hant"})

    def listed() -> str:  # as publication leaves the version: with the downloads and a nested edition
        (old / "downloads").mkdir()
        (old / "downloads" / "a.pdf").write_bytes(b"%PDF")
        os.symlink("elsewhere", old / "zh-Hant")
        return build._tree_digest(str(old), skip)

    assert build._link_tree(str(work), str(old), record, skip=skip) == listed()
    monkeypatch.setattr(build, "RACY_NS", 0)  # the folders' times trusted at once, not two seconds after
    time.sleep(0.05)  # past the clock tick of the record
    scanned: list[str] = []
    scandir = os.scandir

    def counted(path):
        if not isinstance(path, int):  # shutil.rmtree scans by descriptor
            scanned.append(os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counted)

    def replace(path: Path, text: str) -> None:  # as the build writes: a new file renamed over the old
        path.with_name("tmp").write_text(text, encoding="utf-8")
        os.replace(path.with_name("tmp"), path)

    replace(work / "essays" / "e7" / "index.html", "第七篇（改）")
    (work / "essays" / "e9" / "extra.txt").write_text("新", encoding="utf-8")
    listing = build._mirror(str(work), str(old), record, skip)
    assert sorted(os.path.relpath(p, tmp_path) for p in scanned) == sorted(
        ["work", "old", "work/essays/e7", "old/essays/e7", "work/essays/e9", "old/essays/e9"])
    assert files(old) == files(work)
    assert listing == listed() != build._tree_digest(str(work), frozenset({"essays/e9/extra.txt"}))

    time.sleep(0.05)
    (old / "essays" / "e3" / "stray.html").write_text("手放的", encoding="utf-8")  # by hand, in the version
    shutil.rmtree(work / "essays" / "e4")
    scanned.clear()
    listing = build._mirror(str(work), str(old), record, skip)
    assert "old/essays/e3" in {os.path.relpath(p, tmp_path) for p in scanned}
    assert files(old) == files(work)
    assert listing == listed()

    record.write_bytes(b"damaged")
    replace(work / "essays" / "e5" / "index.html", "第五篇（改）")
    scanned.clear()
    listing = build._mirror(str(work), str(old), record, skip)
    assert len(scanned) == 2 * (1 + 1 + 29)  # the top, essays/ and each essay's folder, on both sides
    assert files(old) == files(work)
    assert listing == listed()


def test_publication_keeps_two_versions_and_clears_what_a_killed_build_left(tmp_path):
    from handbook.site.build import _make_version, _publish, wait_behind

    config = {"root": tmp_path, "editions": {"zh-Hans": {"label": "简体", "site_dir": "site"}}}
    work = tmp_path / "work"
    (work / "a").mkdir(parents=True)
    (work / "a" / "index.html").write_text("一", encoding="utf-8")
    store = tmp_path / "build" / "published"
    for text in ("二", "三"):
        _publish(config, "zh-Hans", _make_version(config, "zh-Hans", work)[0])
        (work / "a" / "index.html").unlink()
        (work / "a" / "index.html").write_text(text, encoding="utf-8")
    (store / ".zh-Hans.ready").mkdir()  # a version left half-made by a killed build
    (store / ".zh-Hans.ready" / "index.html").write_text("half", encoding="utf-8")
    (store / ".zh-Hans.2.gone").mkdir()  # a removal cut short
    _publish(config, "zh-Hans", _make_version(config, "zh-Hans", work)[0])
    wait_behind()
    versions = sorted((p for p in store.iterdir() if p.is_dir()), key=lambda p: p.name)
    assert [p.name.split(".")[0] for p in versions] == ["zh-Hans", "zh-Hans"]  # the live one and the one before
    # beside them, their folders' records (``_mirror``), and no other file
    assert sorted(p.name for p in store.iterdir() if not p.is_dir()) == [f".{v.name}.folders" for v in versions]
    assert (tmp_path / "site").resolve() == versions[-1]
    assert [sorted(f.relative_to(v).as_posix() for f in v.rglob("*")) for v in versions] == [["a", "a/index.html"]] * 2
    assert [(v / "a" / "index.html").read_text(encoding="utf-8") for v in versions] == ["二", "三"]


def test_a_first_publication_links_the_next_version_behind(tmp_path):
    """With no version before the live one to recycle, the next version is linked while the
    booklets are typeset, not by the next build on its way to going live."""
    from handbook.site.build import _folder, _make_version, _ready, publish_staged, wait_behind

    config = {"root": tmp_path, "editions": {"zh-Hans": {"label": "简体", "site_dir": "site"}}}
    staging = _folder(config) / "zh-Hans"
    (staging / "a").mkdir(parents=True)
    (staging / "a" / "index.html").write_text("一", encoding="utf-8")
    (_folder(config) / "zh-Hans.pending").write_text("stamp")  # a build staged, its version not made
    assert publish_staged(config) == ["zh-Hans"]
    wait_behind()
    live, ready = (tmp_path / "site").resolve(), _ready(config, "zh-Hans")
    assert ready.is_dir() and ready != live  # a folder of its own, of links to the working copy's files
    assert (ready / "a" / "index.html").stat().st_ino == (staging / "a" / "index.html").stat().st_ino
    (staging / "a" / "index.html").unlink()
    (staging / "a" / "index.html").write_text("二", encoding="utf-8")
    assert _make_version(config, "zh-Hans", staging)[0] == ready
    assert [(v / "a" / "index.html").read_text(encoding="utf-8") for v in (live, ready)] == ["一", "二"]


def test_the_preview_is_not_told_of_its_own_writes(tmp_path):
    """`make serve` rebuilds on a saved file, not on the pages its own cleaner wrote (atomically)
    during the rebuild (a second rebuild for them held up the next save's)."""
    import time

    from watchdog.events import FileSystemEventHandler

    from handbook.files import write_atomic
    from handbook.site.build import _server_class

    seen: list[str] = []
    handler = FileSystemEventHandler()
    handler.on_any_event = lambda event: seen.append(str(event.dest_path or event.src_path))
    server = _server_class()(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        server.observer.schedule(handler, str(tmp_path), recursive=True)
        server.observer.start()
        write_atomic(tmp_path / "ours.md", "written here")
        (tmp_path / "theirs.md").write_text("written by an editor")
        deadline = time.monotonic() + 10
        while not any(path.endswith("theirs.md") for path in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.observer.stop()
        server.server_close()
    assert any(path.endswith("theirs.md") for path in seen)
    assert not any("ours.md" in path for path in seen), seen


def test_the_theme_files_a_build_keeps_are_mkdocs_own(tmp_path):
    """The theme's files (Material's static assets), listed once and kept in the record, are the
    files MkDocs' ``add_files_from_theme`` adds; a docs file of the same path still wins; and a
    record of other theme folders is not used."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files

    from handbook.site.incremental import _add_theme_files

    config = load_config(config_file=str(REPO / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    env = config.theme.get_env()
    own = Files([])
    own.add_files_from_theme(env, config)
    listed = [(f.src_uri, f.abs_src_path) for f in own]
    assert len(listed) > 20 and any(uri.endswith(".js") for uri, _ in listed)
    kept = _add_theme_files(Files([]), env, config, ((), []))
    again = Files([])
    assert _add_theme_files(again, env, config, kept) == kept
    assert [(f.src_uri, f.abs_src_path) for f in again] == listed
    shadow = File(listed[0][0], str(tmp_path / "docs"), str(tmp_path / "site"), True)
    mine = Files([shadow])
    _add_theme_files(mine, env, config, kept)
    assert [f for f in mine if f.src_uri == listed[0][0]] == [shadow] and len(mine) == len(listed)
    stale = ((str(tmp_path / "elsewhere"),), [("gone.js", str(tmp_path / "elsewhere"))])
    other = Files([])
    assert _add_theme_files(other, env, config, stale) == kept and "gone.js" not in {f.src_uri for f in other}
