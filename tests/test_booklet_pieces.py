"""A volume typeset in pieces (``booklet.piece_essays``, booklet/pieces.py) is the volume Typst
gives when it typesets it whole: the same pages, bookmarks, contents links, page labels, metadata
and tagged structure; an edited essay retypesets its piece and the contents, and the volume is
then the same, byte for byte, as one built from nothing.

Built from the sample essays of test_booklet.py, one essay per piece, so that a chapter spans
two pieces.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace as NS

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from handbook.booklet import _typeset, build, pieces_folder
from handbook.forked import each_forked
from test_booklet import catalogue, essay, pytestmark  # noqa: F401  (pytestmark: needs Noto CJK)
from test_booklet_volumes import check_bookmarks, check_contents, check_right_hand, check_running_heads, check_text, open_volume
from test_booklet_volumes import config  # noqa: F401  (a fixture)


def pieced(config: dict, out: Path, chapters: list | None = None):
    """The Simplified edition's handbook, one essay per piece, built into ``out``."""
    settings = {**config, "booklet": {**config["booklet"], "piece_essays": 1, "volume_max_essays": 300}}
    [result] = build(settings, "zh-Hans", chapters=chapters or catalogue(), out_dir=out, copy_to_site=False, quiet=True)
    return result


@pytest.fixture(scope="module")
def volumes(tmp_path_factory, config):
    """The volume typeset in pieces, and the same data typeset whole."""
    out = tmp_path_factory.mktemp("pieces")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1417392000")
        result = pieced(config, out)
    whole = out / "whole.pdf"
    data = json.loads(result.data.read_text(encoding="utf-8"))
    [answer] = each_forked(_typeset, [dict(payload=result.data.read_text(encoding="utf-8").strip(), data=None, pdf=str(whole),
                                           imposed=None, title="", date=dt.date(2014, 12, 1), paper="A5", threads=2, cut=None,
                                           pieces=None, kept="")], 1)  # forked: Typst's threads stay out of this process
    assert answer["pages"] == result.pages
    book = open_volume(result)
    yield NS(result=result, data=data, whole=whole, book=book)
    book.pdf.close()


def outline(pdf: pikepdf.Pdf) -> list[tuple]:
    """Every bookmark: depth, title, page index, where on the page, closed or not."""
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    found = []

    def walk(items, depth):
        for item in items:
            place = item.destination
            found.append((depth, item.title, index[place[0].objgen], [round(float(v), 2) for v in list(place)[2:4]], item.is_closed))
            walk(item.children, depth + 1)

    walk(pdf.open_outline().root, 0)
    return found


def links(pdf: pikepdf.Pdf) -> list[tuple]:
    """Every link: its page, its rectangle, the page it leads to and where."""
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    return [(number, [round(float(v), 2) for v in link.Rect], index[link.Dest[0].objgen], [round(float(v), 2) for v in list(link.Dest)[2:4]])
            for number, page in enumerate(pdf.pages) for link in page.obj.get("/Annots", [])]


def tags(pdf: pikepdf.Pdf) -> collections.Counter:
    """How many structure elements of each type the tagged structure holds."""
    counted: collections.Counter = collections.Counter()
    stack = list(pdf.Root.StructTreeRoot.K)
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            counted[str(element.S)] += 1
            kids = element.get("/K")
            stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else [])
    return counted


def test_a_volume_in_pieces_is_the_volume_typeset_whole(volumes):
    import pdfplumber

    with pdfplumber.open(volumes.result.pdf) as parts, pdfplumber.open(volumes.whole) as whole:
        assert len(parts.pages) == len(whole.pages)
        for number, (mine, theirs) in enumerate(zip(parts.pages, whole.pages), start=1):
            assert mine.extract_text() == theirs.extract_text(), f"page {number}"
            assert [(round(c["x0"], 2), round(c["top"], 2), c["fontname"].split("+")[-1]) for c in mine.chars] == \
                   [(round(c["x0"], 2), round(c["top"], 2), c["fontname"].split("+")[-1]) for c in theirs.chars], f"page {number}"
    with pikepdf.open(volumes.result.pdf) as parts, pikepdf.open(volumes.whole) as whole:
        assert outline(parts) == outline(whole)
        assert links(parts) == links(whole) and links(parts)
        assert dict(parts.docinfo) == dict(whole.docinfo)
        assert parts.Root.Lang == whole.Root.Lang
        # The same elements, but for the contents' grouping: Typst nests a chapter's entries in a
        # list of their own and wraps a link to a heading in a Reference; the front matter's
        # entries (each a TOCI with its Link) stand in one list.
        mine, theirs = tags(parts), tags(whole)
        assert mine["/TOC"] == 1 and mine["/TOCI"] == theirs["/TOCI"] == len(links(parts))
        assert {k: v for k, v in mine.items() if k not in ("/TOC", "/Reference")} == \
               {k: v for k, v in theirs.items() if k not in ("/TOC", "/Reference")}
        assert f"<xmpTPg:NPages>{len(parts.pages)}<".encode() in parts.Root.Metadata.read_bytes()
    assert PdfReader(volumes.result.pdf).page_labels == PdfReader(volumes.whole).page_labels


def test_a_volume_in_pieces_passes_the_booklet_checks(volumes):
    for check in (check_contents, check_right_hand, check_running_heads, check_bookmarks, check_text):
        check(volumes.book)


def test_every_tagged_page_has_its_entry_in_the_parent_tree(volumes):
    with pikepdf.open(volumes.result.pdf) as pdf:
        tree = pdf.Root.StructTreeRoot
        numbers = list(tree.ParentTree.Nums)
        keys = [int(k) for k in numbers[::2]]
        assert len(keys) == len(set(keys)) and max(keys) < int(tree.ParentTreeNextKey)
        used = [int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj]
        used += [int(a.StructParent) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/StructParent" in a]
        assert sorted(used) == sorted(keys)


def kept_files(folder: Path, kind: str) -> dict[str, int]:
    """The pieces kept in ``folder`` as typeset (``kind`` "typeset") or with their folios
    ("stamped", named ``<digest>-<first page>.pdf``), and their inodes."""
    pattern = re.compile(r"[0-9a-f]{64}\.pdf" if kind == "typeset" else r"[0-9a-f]{64}-\d+\.pdf")
    return {path.name: path.stat().st_ino for path in folder.iterdir() if pattern.fullmatch(path.name)}


def test_an_edited_essay_retypesets_its_piece_and_the_volume_is_a_cold_builds(volumes, config, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    out = tmp_path / "out"
    pieced(config, out)
    folder = pieces_folder(out / "zh-Hans" / "data.json")
    before = kept_files(folder, "typeset")
    assert len(before) == len(kept_files(folder, "stamped")) == sum(len(chapter.essays) for chapter in catalogue())
    edited = catalogue()
    edited[-1].essays[0] = NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 4, "2012-01-15"))  # the last essay, one paragraph more
    again = pieced(config, out, edited)
    after = kept_files(folder, "typeset")
    assert len(list(folder.glob("*.front.pdf"))) == 1  # the front matter's, the one before gone
    kept = set(before) & set(after)
    assert len(kept) == len(before) - 1 and len(after) == len(before)  # one piece typeset again, one gone
    assert all(before[name] == after[name] for name in kept)  # the others not even rewritten
    cold = pieced(config, tmp_path / "cold", edited)
    assert again.pdf.read_bytes() == cold.pdf.read_bytes()
    assert again.imposed.read_bytes() == cold.imposed.read_bytes()


def test_pieces_after_an_essay_grown_by_pages_are_not_typeset_again(config, tmp_path, monkeypatch):
    """An essay that grows by two pages moves every later piece two pages on: their folios are
    laid over them again, and they are not typeset again."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    out = tmp_path / "out"
    first = pieced(config, out)
    folder = pieces_folder(out / "zh-Hans" / "data.json")
    typeset, stamped = kept_files(folder, "typeset"), kept_files(folder, "stamped")
    edited = catalogue()
    edited[0].essays[1] = NS(slug="b", essay=essay("户政窗口规范化建设的几点思考", 12, "2013-05-02"))  # the second essay, longer
    again = pieced(config, out, edited)
    assert again.pages > first.pages
    now = kept_files(folder, "typeset")
    assert len(set(now) - set(typeset)) == 1 and all(typeset[name] == now[name] for name in set(now) & set(typeset))
    restamped = set(kept_files(folder, "stamped")) - set(stamped)
    assert len(restamped) == 3  # the second essay's piece, and the two after it
    assert again.pdf.read_bytes() == pieced(config, tmp_path / "cold", edited).pdf.read_bytes()
    with pdfplumber.open(again.pdf) as pdf:  # each page's folio its number, but for blank pages and the cover
        for number, page in enumerate(pdf.pages, start=1):
            folio = page.crop((0, page.height * 0.93, page.width, page.height)).extract_text()
            assert folio in (str(number), ""), (number, folio)
            assert folio or number == 1 or not page.chars, number


def test_an_essay_added_half_way_typesets_the_piece_it_joins_and_no_other(config, tmp_path, monkeypatch):
    """A piece ends after an essay picked by its page's name, not after a count of essays, so an
    essay added in the middle of a volume changes its own piece; the later ones get new folios."""
    from handbook.booklet.pieces import ends_piece

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    settings = {**config, "booklet": {**config["booklet"], "piece_essays": 3, "volume_max_essays": 300}}

    def chapters(*added: str):
        names = [f"{n:02d}" for n in range(12)] + list(added)
        return [NS(name="户籍窗口", essays=[NS(slug=name, essay=essay(f"窗口工作体会之{name}", 2 + int(name[:2]) % 3))
                                           for name in sorted(names)])]

    def typeset(out: Path, *added: str):
        [result] = build(settings, "zh-Hans", chapters=chapters(*added), out_dir=out, copy_to_site=False, quiet=True)
        return result

    out = tmp_path / "out"
    typeset(out)
    folder = pieces_folder(out / "zh-Hans" / "data.json")
    before = kept_files(folder, "typeset")
    assert len(before) >= 3  # pieces before and after the one the essay joins
    assert not ends_piece({"slug": "05a"}, 3)
    again = typeset(out, "05a")
    now = kept_files(folder, "typeset")
    assert len(set(before) - set(now)) == 1 and len(set(now) - set(before)) == 1
    assert all(before[name] == now[name] for name in set(before) & set(now))
    assert again.pdf.read_bytes() == typeset(tmp_path / "cold", "05a").pdf.read_bytes()


def test_an_edit_that_moves_no_page_keeps_the_front_matter(config, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    out = tmp_path / "out"
    pieced(config, out)
    folder = pieces_folder(out / "zh-Hans" / "data.json")
    kept = {path.name: path.stat().st_ino for path in folder.glob("*.pdf")}
    edited = catalogue()
    blocks = edited[-1].essays[0].essay.blocks
    blocks[0] = blocks[0]._replace(text=blocks[0].text.replace("窗口", "岗位", 1))  # the same length
    again = pieced(config, out, edited)
    assert again.built and again.pages == len(PdfReader(again.pdf).pages)
    after = {path.name: path.stat().st_ino for path in folder.glob("*.pdf")}
    assert len(set(after) - set(kept)) == 2  # the last essay's piece, as typeset and with its folios; the front matter is kept
    assert [name for name in after if name.endswith(".front.pdf") and after[name] == kept.get(name)]
    assert again.pdf.read_bytes() == pieced(config, tmp_path / "cold", edited).pdf.read_bytes()


def test_force_typesets_a_volume_whose_data_did_not_change_again(config, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    first = pieced(config, tmp_path)
    made = first.pdf.read_bytes()
    settings = {**config, "booklet": {**config["booklet"], "piece_essays": 1, "volume_max_essays": 300}}
    [again] = build(settings, "zh-Hans", chapters=catalogue(), out_dir=tmp_path, copy_to_site=False, quiet=True, force=True)
    assert again.built and again.pdf.read_bytes() == made


def test_a_damaged_piece_is_typeset_again(config, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1417392000")
    made = pieced(config, tmp_path / "cold").pdf.read_bytes()
    out = tmp_path / "out"
    result = pieced(config, out)
    folder = pieces_folder(out / "zh-Hans" / "data.json")
    [first, second, *_] = sorted(folder.glob("*.pdf"))
    first.write_bytes(first.read_bytes()[: len(first.read_bytes()) // 2])  # cut short
    empty = io.BytesIO()
    pikepdf.new().save(empty)
    second.write_bytes(empty.getvalue())  # a PDF, but not this piece
    result.pdf.unlink()  # the volume is made again from its pieces
    again = pieced(config, out)
    assert again.pdf.read_bytes() == made
