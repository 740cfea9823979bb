"""Volumes: an edition of more than ``booklet.volume_max_essays`` essays is printed as several
complete books (cover naming the volume, own contents, running heads, bookmarks, folios), split
at chapter boundaries, each typeset and cached on its own; stale volumes are removed; the site's
home page links every volume.

Built from a few short sample essays with ``volume_max_essays: 2`` so the tests stay fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace as NS

import pdfplumber
import pytest
from pypdf import PdfReader

from handbook.booklet import build
from handbook.booklet.data import plan_volumes
from test_booklet import body, essay, pytestmark, squeeze  # noqa: F401  (pytestmark: needs Noto CJK)
from test_booklet import test_bookmarks_follow_chapters_and_essay_outlines as check_bookmarks
from test_booklet import test_contents_page_numbers_are_the_pages_of_the_titles as check_contents
from test_booklet import test_each_essay_starts_on_a_right_hand_page as check_right_hand
from test_booklet import test_running_heads_and_folios as check_running_heads
from test_booklet import test_text_equals_the_essays_text as check_text

LIMIT = 2


def catalogue(extra: str = "") -> list[NS]:
    """Five essays: a chapter of three (split across volumes 1 and 2), then two of one."""
    return [
        NS(name="户籍窗口", essays=[
            NS(slug="a", essay=essay("树立服务意识，打造群众满意的户籍窗口", 6, "2014-08-30", {0: ("一、提高认识", 2), 3: ("二、规范流程", 2)})),
            NS(slug="b", essay=essay("户政窗口规范化建设的几点思考", 3, "2013-05-02")),
            NS(slug="e", essay=essay("户口迁移业务办理中的常见问题", 2)),
        ]),
        NS(name="交警窗口", essays=[NS(slug="c", essay=essay("交警窗口如何做到“一站式”服务", 4, None, {1: ("车管业务", 2)}))]),
        NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养" + extra, 2, "2012-01-15"))]),
    ]


def titles(chapters) -> list[str]:
    return [entry.essay.title for chapter in chapters for entry in chapter.essays]


def with_limit(config, limit, **booklet):
    return {**config, "booklet": {**(config.get("booklet") or {}), "volume_max_essays": limit, **booklet}}


def small_volumes(path: Path) -> None:
    """Set ``booklet.volume_max_essays`` to ``LIMIT`` in a project's handbook.yml."""
    text = re.sub(r"\n  volume_max_essays:.*", "", path.read_text(encoding="utf-8"))
    path.write_text(text.replace("\nbooklet:\n", f"\nbooklet:\n  volume_max_essays: {LIMIT}\n", 1), encoding="utf-8")


def open_volume(result):
    data = json.loads(result.data.read_text(encoding="utf-8"))
    pdf = pdfplumber.open(result.pdf)
    return NS(result=result, data=data, pdf=pdf, reader=PdfReader(result.pdf),
              texts=[page.extract_text() for page in pdf.pages],
              body_texts=[body(page, data).extract_text() for page in pdf.pages])


@pytest.fixture(scope="module")
def config():
    from handbook.config import load

    return load(Path(__file__).resolve().parents[1] / "handbook.yml")


@pytest.fixture(scope="module")
def volumes(tmp_path_factory, config):
    """{edition: [volume, …]} of the sample catalogue at two essays per volume."""
    out = tmp_path_factory.mktemp("volumes")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        results = build(with_limit(config, LIMIT), chapters=catalogue(), out_dir=out, copy_to_site=False, quiet=True)
    books: dict[str, list] = {}
    for result in results:
        books.setdefault(result.edition, []).append(open_volume(result))
    yield NS(out=out, books=books)
    for edition in books.values():
        for book in edition:
            book.pdf.close()


def names(*sizes: int) -> list[list[str]]:
    """Chapters of ``sizes`` essays, by their pages' names."""
    return [[f"{chapter}-{n:05d}" for n in range(size)] for chapter, size in enumerate(sizes)]


def test_plan_splits_at_chapter_boundaries_and_big_chapters_in_parts():
    assert plan_volumes(names(3, 1, 1), 2) == [[(0, 0, 2)], [(0, 2, 3), (1, 0, 1)], [(2, 0, 1)]]
    assert plan_volumes(names(3, 1, 1), 5) == [[(0, 0, 3), (1, 0, 1), (2, 0, 1)]]
    assert plan_volumes(names(2, 2, 2), 3) == [[(0, 0, 2)], [(1, 0, 2)], [(2, 0, 2)]]  # chapters are not split when they fit
    for sizes, limit in (([7, 1, 4, 0, 9], 3), ([1] * 10, 4), ([300, 1000, 20], 300), ([3000], 300)):
        plan = plan_volumes(names(*sizes), limit)
        assert all(sum(end - first for _, first, end in volume) <= limit for volume in plan)
        flat = [(chapter, n) for volume in plan for chapter, first, end in volume for n in range(first, end)]
        assert flat == [(chapter, n) for chapter, size in enumerate(sizes) for n in range(size)]
        # a big chapter's parts but its last hold at least two thirds of the limit
        assert all(end - first >= -(-2 * limit // 3) for volume in plan for chapter, first, end in volume if end < sizes[chapter])


@pytest.mark.parametrize("where", ["added", "removed"])
def test_an_essay_added_or_removed_half_way_through_a_big_chapter_changes_its_volume_alone(where):
    """Parts end at essays chosen by their names, not at counts: the other volumes keep their
    essays, so they are not made again."""
    chapter = names(3000)[0]
    changed = chapter[:1500] + ["0-01499a"] + chapter[1500:] if where == "added" else chapter[:1500] + chapter[1501:]

    def volumes(essays):
        return {tuple(essays[first:end]) for volume in plan_volumes([essays], 300) for _, first, end in volume}

    before, after = volumes(chapter), volumes(changed)
    assert len(before) >= 10 and 1 <= len(before - after) <= 2 and len(after - before) == len(before - after)


def test_a_volume_whose_process_dies_is_named(config, tmp_path, monkeypatch):
    """Typst killed for memory in one volume's process: the error names that volume's PDF."""
    import handbook.booklet as booklet

    real = booklet._typeset
    monkeypatch.setattr(booklet, "_typeset", lambda task: os._exit(9) if task["pdf"].endswith("-2.pdf") else real(task))
    with pytest.raises(booklet.BookletError, match=r"typesetting handbook-zh-Hans-2\.pdf ended without a result \(exit status 9"):
        build(with_limit(config, LIMIT), "zh-Hans", chapters=catalogue(), out_dir=tmp_path, copy_to_site=False, quiet=True)


def test_several_volumes_with_numbered_names(volumes):
    assert set(volumes.books) == {"zh-Hans", "zh-Hant"}
    for code, books in volumes.books.items():
        assert [b.result.pdf.name for b in books] == [f"handbook-{code}-{n}.pdf" for n in (1, 2, 3)]
        assert [b.result.imposed.name for b in books] == [f"handbook-{code}-{n}-booklet.pdf" for n in (1, 2, 3)]
        assert [(b.result.volume, b.result.volumes) for b in books] == [(1, 3), (2, 3), (3, 3)]
        assert not (volumes.out / code / f"handbook-{code}.pdf").exists()
        for book in books:
            assert len(PdfReader(book.result.imposed).pages) == (len(book.reader.pages) + 3) // 4 * 2


def test_every_essay_in_exactly_one_volume_in_catalogue_order(volumes, config):
    hans = [e["title"] for b in volumes.books["zh-Hans"] for c in b.data["chapters"] for e in c["essays"]]
    assert hans == titles(catalogue())
    for book in volumes.books["zh-Hans"]:
        assert sum(len(c["essays"]) for c in book.data["chapters"]) <= LIMIT
        text = squeeze("".join(book.texts))
        for title in hans:
            mine = any(e["title"] == title for c in book.data["chapters"] for e in c["essays"])
            assert (squeeze(title) in text) == mine, f"{title} in volume {book.result.volume}"
    # the chapter split across volumes 1 and 2 is headed again, as continued
    assert [c["name"] for c in volumes.books["zh-Hans"][1].data["chapters"]] == ["户籍窗口（续）", "交警窗口"]
    assert [c["name"] for c in volumes.books["zh-Hant"][1].data["chapters"]] == ["戶籍窗口（續）", "交警窗口"]


def test_each_volume_is_a_complete_book(volumes):
    for books in volumes.books.values():
        for book in books:
            check_contents(book)
            check_right_hand(book)
            check_running_heads(book)
            check_bookmarks(book)
            check_text(book)


def test_cover_and_metadata_name_the_volume(volumes):
    numbers = ["一", "二", "三"]
    for code, books in volumes.books.items():
        word = "册" if code == "zh-Hans" else "冊"
        for number, book in zip(numbers, books):
            cover = squeeze(book.texts[0])
            assert f"第{number}{word}" in cover and f"共三{word}" in cover
            assert squeeze(book.data["title"]) in cover and squeeze(book.data["edition_label"]) in cover
            assert book.reader.metadata.title == f"{book.data['title']}（{book.data['edition_label']}，第{number}{word}）"


def test_a_changed_essay_retypesets_only_its_volume(volumes, config, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    shutil.copytree(volumes.out / "zh-Hans", out / "zh-Hans")
    again = build(with_limit(config, LIMIT), "zh-Hans", chapters=catalogue(), out_dir=out, copy_to_site=False, quiet=True)
    assert [r.built for r in again] == [False, False, False]
    before = [(out / "zh-Hans" / f"handbook-zh-Hans-{n}.pdf").read_bytes() for n in (1, 2)]
    changed = build(with_limit(config, LIMIT), "zh-Hans", chapters=catalogue("（修订）"), out_dir=out, copy_to_site=False, quiet=True)
    assert [r.built for r in changed] == [False, False, True]
    assert [r.pdf.read_bytes() for r in changed[:2]] == before
    assert "修订" in PdfReader(changed[2].pdf).pages[4].extract_text()


def test_a_changed_template_typesets_every_volume_again(volumes, config, tmp_path, monkeypatch):
    """The volumes' data is the same, but what typesets it is not: every volume is typeset again."""
    import handbook.booklet

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    shutil.copytree(volumes.out / "zh-Hans", out / "zh-Hans")
    typeset = lambda: build(with_limit(config, LIMIT), "zh-Hans", chapters=catalogue(), out_dir=out, copy_to_site=False, quiet=True)
    assert [r.built for r in typeset()] == [False, False, False]
    template = tmp_path / "handbook.typ"
    template.write_text(handbook.booklet.TEMPLATE.read_text(encoding="utf-8") + "// changed\n", encoding="utf-8")
    monkeypatch.setattr(handbook.booklet, "TEMPLATE", template)
    assert [r.built for r in typeset()] == [True, True, True]


def test_an_unchanged_essay_is_not_converted_again(config, tmp_path, monkeypatch):
    """A volume's data is exported again with the entries of its unchanged essays taken from the
    data before (by their pages' digests), unless that data is not what its build wrote."""
    from handbook.booklet import data as booklet_data

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    converted: list[str] = []
    convert = booklet_data._converter
    monkeypatch.setattr(booklet_data, "_converter", lambda opencc: lambda text: converted.append(text) or convert(opencc)(text))

    def typeset(extra: str, out: Path):
        chapters = catalogue(extra)
        for entry in (entry for chapter in chapters for entry in chapter.essays):
            entry.digest = hashlib.sha256(repr(entry.essay).encode()).hexdigest()
        converted.clear()
        [result] = build(with_limit(config, 10), "zh-Hant", chapters=chapters, out_dir=out, copy_to_site=False, quiet=True)
        return result

    out = tmp_path / "out"
    typeset("", out)
    assert "户政窗口规范化建设的几点思考" in converted
    again = typeset("（修订）", out)
    assert "浅谈窗口民警的职业素养（修订）" in converted and "户政窗口规范化建设的几点思考" not in converted
    assert again.data.read_bytes() == typeset("（修订）", tmp_path / "cold").data.read_bytes()
    data = json.loads(again.data.read_text(encoding="utf-8"))
    data["chapters"][0]["essays"][1]["title"] = "改過"  # by hand: the data is no longer its build's
    again.data.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    typeset("（再訂）", out)
    assert "户政窗口规范化建设的几点思考" in converted


def test_stale_volumes_are_removed_from_the_output_and_the_site(volumes, config, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    shutil.copytree(volumes.out / "zh-Hans", out / "zh-Hans")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    (site / "downloads").mkdir()
    (site / "downloads" / "other.pdf").write_bytes(b"not ours")
    (site / "downloads" / "handbook-zh-Hant-1.pdf").write_bytes(b"the other edition's")
    site_config = {**config, "root": tmp_path}

    # fewer, larger volumes: 3 → 1 (the single volume keeps the plain names)
    one = build(with_limit(site_config, 10), "zh-Hans", chapters=catalogue(), out_dir=out, quiet=True)
    assert [(r.pdf.name, r.volumes) for r in one] == [("handbook-zh-Hans.pdf", 1)]
    assert sorted(p.name for p in (out / "zh-Hans").iterdir() if not p.name.startswith(".")) == [
        "data.json", "handbook-zh-Hans-booklet.pdf", "handbook-zh-Hans.pdf"]
    assert sorted(p.name for p in (out / "zh-Hans").glob(".*.pieces")) == [".data.pieces"]  # the volumes' pieces went with them
    assert sorted(p.name for p in (out / "zh-Hans").glob(".*.contents.json")) == [".data.contents.json"]
    assert sorted(p.name for p in (site / "downloads").iterdir()) == [
        "handbook-zh-Hans-booklet.pdf", "handbook-zh-Hans.pdf", "handbook-zh-Hant-1.pdf", "other.pdf"]

    # and back to three: the single-volume files go
    three = build(with_limit(site_config, LIMIT), "zh-Hans", chapters=catalogue(), out_dir=out, quiet=True)
    assert [r.pdf.name for r in three] == [f"handbook-zh-Hans-{n}.pdf" for n in (1, 2, 3)]
    assert sorted(p.name for p in (site / "downloads").iterdir() if "zh-Hans" in p.name) == sorted(
        f"handbook-zh-Hans-{n}{kind}.pdf" for n in (1, 2, 3) for kind in ("", "-booklet"))
    assert not (out / "zh-Hans" / "data.json").exists() and not (out / "zh-Hans" / "handbook-zh-Hans.pdf").exists()
    assert sorted(p.name for p in (out / "zh-Hans").glob(".*.pieces")) == [f".data-{n}.pieces" for n in (1, 2, 3)]
    assert sorted(p.name for p in (out / "zh-Hans").glob(".*.contents.json")) == [f".data-{n}.contents.json" for n in (1, 2, 3)]


def test_unchanged_sources_are_recognised_for_every_volume(config, tmp_path, monkeypatch):
    """The no-op check (essays' files unchanged) knows every volume without loading the catalogue."""
    from handbook import booklet, config as configuration

    from browser import make_project

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    make_project(tmp_path, seeds=False)
    essays = sorted((tmp_path / "docs" / "essays").glob("*.md"))
    assert len(essays) >= 3
    small_volumes(tmp_path / "handbook.yml")
    project = dict(configuration.load.__wrapped__(tmp_path / "handbook.yml"))
    first = booklet.build(project, "zh-Hans", quiet=True)
    assert len(first) >= 2 and all(r.built for r in first)
    import handbook.catalogue

    monkeypatch.setattr(handbook.catalogue, "load_catalogue", lambda *a, **k: pytest.fail("catalogue loaded"))
    again = booklet.build(project, "zh-Hans", quiet=True)
    assert [(r.pdf, r.pages, r.built) for r in again] == [(r.pdf, r.pages, False) for r in first]


def test_the_chapter_pdfs_are_cut_by_the_processes_typesetting_the_volumes(tmp_path, monkeypatch):
    """Typesetting the handbook's volumes makes the chapter PDFs cut from them, so that the
    chapters' own phase finds them up to date, and they are what that phase would make."""
    from handbook import booklet, config as configuration
    from handbook.booklet import books

    from browser import make_project

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    make_project(tmp_path, seeds=False)
    small_volumes(tmp_path / "handbook.yml")
    project = dict(configuration.load.__wrapped__(tmp_path / "handbook.yml"))
    volumes = booklet.build(project, "zh-Hans", copy_to_site=False, quiet=True)
    assert len(volumes) >= 2 and all(r.built for r in volumes)
    out = tmp_path / "build" / "booklet" / "zh-Hans"
    made = {path.name: path.read_bytes() for path in out.glob("chapter-*.pdf")}
    assert made and len(made) % 2 == 0  # each with its imposed print file
    with monkeypatch.context() as patch:
        patch.setattr(books, "_typeset_all", lambda todo, *args: pytest.fail(f"{todo[0].pdf.name} typeset again") if todo else {})
        chapters = [r for r in books.build_books(project, "chapters", quiet=True) if r.edition == "zh-Hans"]
    assert sorted(p.name for r in chapters for p in (r.pdf, r.imposed)) == sorted(made)
    for path in out.glob("chapter-*.pdf"):
        path.unlink()
    books.build_books(project, "chapters", quiet=True, force=True)
    assert {path.name: path.read_bytes() for path in out.glob("chapter-*.pdf")} == made


def test_home_page_links_every_volume(tmp_path, monkeypatch):
    from handbook import booklet, config as configuration, site

    from browser import make_project

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    make_project(tmp_path, seeds=False)
    small_volumes(tmp_path / "handbook.yml")
    project = dict(configuration.load.__wrapped__(tmp_path / "handbook.yml"))
    site.build(project, "zh-Hans")
    results = booklet.build(project, "zh-Hans", quiet=True)
    assert len(results) >= 2
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(downloads/[^"]+)"', home)
    assert links == [f"downloads/{name}" for r in results for name in (r.pdf.name, r.imposed.name)]
    assert all((tmp_path / "site" / link).is_file() for link in links)
    assert "第一册" in home and "第二册" in home
