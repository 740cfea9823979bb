"""A volume typeset in pieces: its essays a run of about ``booklet.piece_essays`` at a time, each
run typeset on its own and kept, then put after the volume's front matter:

    handbook-zh-Hans-2.pdf = front (cover, contents) + piece 1 (essays 1–17) + piece 2 (18–41) + …

Every essay starts on a right-hand page and nothing on its pages depends on the other essays but
the folios, so a piece typeset apart, on a right-hand first page and without folios, gives the
pages the whole volume would; its folios are then laid over it, typeset by the same template
(its folio layer), for the page it starts on. A piece is kept (``data-<n>.pieces/<digest>.pdf``)
under the digest of its data, the template and Typst's version, and with its folios as
``<digest with this code>-<first page>.pdf``. An edited essay typesets its piece again and the front matter,
not the volume; when the edit changes the essay's page count, the pieces after it start on
other pages and get their folios anew, without being typeset again. A piece ends after an essay
chosen by a digest of its page's name (one in ``piece_essays``), not after a count, so an essay
added or removed half-way changes the piece it is in and no other.

The front matter is typeset first with its contents' page numbers unknown (the numbers stand in a
column of fixed width, so they do not change its length), which gives the first essay's page;
then again with the pages the pieces give. Putting the pieces together keeps what Typst wrote for
a whole volume: the bookmarks (the contents, then each chapter with its essays and their
headings), the contents' links to the essays, the tagged structure, one page label per page.
A build from nothing makes the pieces the same way, so an updated volume is the same, byte for
byte, as a cold build's.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any, Callable

import pikepdf

from ..catalogue import chosen
from ..files import write_atomic
from . import BookletError
from .chapters import _siblings
from .impose import page_content, page_forms, saved

# The contents' entries link to "handbook-page:<page>#<level>"; assembling points them at that page.
PAGE_LINK = re.compile(r"handbook-page:(\d+)#(\d+)")
Compile = Callable[[dict[str, Any]], bytes]
STAMPING = hashlib.sha256(Path(__file__).read_bytes()).digest()


def split(data: dict[str, Any], size: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A volume's data (``data.export``) as its front matter's data and its pieces': a piece ends
    after an essay that ``ends_piece`` (one in ``size``), or at ``2 × size`` essays.

    >>> essays = lambda *titles: [{"title": t, "short_title": t, "date": None, "blocks": []} for t in titles]
    >>> data = {"title": "手册", "subtitle": "选编", "date": "", "volume": "", "volumes": "",
    ...         "chapters": [{"name": "甲", "title": "甲", "continued": False, "essays": essays("一", "二", "三")},
    ...                      {"name": "乙", "title": "乙", "continued": False, "essays": essays("四")}]}
    >>> front, pieces = split(data, 1)
    >>> [[e["title"] for c in front["chapters"] for e in c["essays"]], front["front"], front["folio"]]
    [['一', '二', '三', '四'], True, '1']
    >>> [[(c["name"], c["opens"], [e["title"] for e in c["essays"]]) for c in p["chapters"]] for p in pieces]
    [[('甲', True, ['一'])], [('甲', False, ['二'])], [('甲', False, ['三'])], [('乙', True, ['四'])]]
    """
    common = {key: value for key, value in data.items() if key != "chapters"}
    front = {**common, "front": True, "folio": "1",
             "chapters": [{**{k: v for k, v in chapter.items() if k != "essays"},
                           "essays": [{k: essay[k] for k in ("title", "short_title", "date")} for essay in chapter["essays"]]}
                          for chapter in data["chapters"]]}
    # What only the cover shows stays out of the pieces, so that a new date or volume count keeps them.
    blank = {**common, "piece": True, "subtitle": "", "date": "", "volume": "", "volumes": ""}
    runs: list[list[tuple[dict[str, Any], int, dict[str, Any]]]] = [[]]
    for chapter in data["chapters"]:
        for i, essay in enumerate(chapter["essays"]):
            runs[-1].append((chapter, i, essay))
            if ends_piece(essay, size) or len(runs[-1]) >= 2 * size:
                runs.append([])
    pieces = []
    for run in filter(None, runs):
        chapters: list[dict[str, Any]] = []
        for chapter, i, essay in run:
            if not chapters or chapters[-1]["name"] != chapter["name"] or i == 0:
                chapters.append({**{k: v for k, v in chapter.items() if k != "essays"}, "opens": i == 0, "essays": []})
            chapters[-1]["essays"].append(essay)
        pieces.append({**blank, "chapters": chapters})
    return front, pieces


def ends_piece(essay: dict[str, Any], size: int) -> bool:
    """Whether a piece ends after ``essay``: one essay in ``size`` does, chosen by a digest of its
    page's name (``slug``; its title when it has none), so an essay added or removed moves no
    other piece's ends.

    >>> sum(ends_piece({"slug": f"{n:05d}", "title": ""}, 20) for n in range(1000))  # about 1,000 / 20
    56
    """
    return chosen(essay.get("slug") or essay["title"], size)


def typeset(compile: Compile, data: dict[str, Any], size: int, folder: Path, salt: bytes) -> bytes:
    """The volume of ``data``, typeset a piece at a time by ``compile`` (data → PDF bytes), its
    pieces kept in ``folder`` (under a digest of their data and ``salt``: the template and Typst's
    version) and those it no longer uses removed."""
    front_data, pieces = split(data, size)
    folder.mkdir(parents=True, exist_ok=True)
    # The front matter's length, kept under the digest of its data without page numbers.
    known = folder / (_digest(front_data, salt) + ".pages")
    try:
        length = int(known.read_text())
    except (OSError, ValueError):
        length = len(pikepdf.open(io.BytesIO(compile(front_data))).pages)
    for _ in range(3):  # the same length unless a page number made the contents longer
        first, made, used = length + length % 2 + 1, [], {known.name}
        for piece in pieces:
            pdf, names, starts = _piece(compile, piece, first, folder, salt)
            made.append((first, pdf, piece, starts))
            used.update(names)
            first += len(pdf.pages) + len(pdf.pages) % 2
        essays = iter(first + start for first, _, _, starts in made for start in starts)
        for chapter in front_data["chapters"]:
            for essay in chapter["essays"]:
                essay["page"] = next(essays)
        name = _digest(front_data, salt) + ".front.pdf"
        front, _ = _kept(folder / name, lambda: compile(front_data))
        used.add(name)
        if len(front.pages) == length:
            break
        length = len(front.pages)
    else:
        raise BookletError("the volume's contents change length with their page numbers")
    write_atomic(known, f"{length}\n".encode())
    for stale in folder.iterdir():
        if stale.name not in used:
            stale.unlink()
    return assemble(front, [(pdf, piece) for _, pdf, piece, _ in made])


def _digest(data: dict[str, Any], salt: bytes) -> str:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(hashlib.sha256(payload).digest() + salt).hexdigest()


def _piece(compile: Compile, piece: dict[str, Any], first: int, folder: Path, salt: bytes
           ) -> tuple[pikepdf.Pdf, tuple[str, str], list[int]]:
    """A piece's PDF with its folios from page ``first`` on, kept or made and kept; the names of
    its files (as typeset, and with those folios); where its essays start. The piece as typeset
    is kept too, so that when it comes to start on another page its folios are laid over it
    again, and it is not typeset again."""
    # With its folios, a piece is also what this code makes of it.
    typeset, stamped = _digest(piece, salt) + ".pdf", f"{_digest(piece, salt + STAMPING)}-{first}.pdf"

    def read(pdf: pikepdf.Pdf) -> list[int]:
        return _starts(pdf, piece)

    def with_folios() -> bytes:
        pdf, _ = _kept(folder / typeset, lambda: compile(piece), read)
        return _with_folios(compile, piece, pdf, first)

    pdf, starts = _kept(folder / stamped, with_folios, read)
    return pdf, (typeset, stamped), starts


def _kept(kept: Path, make: Callable[[], bytes], read: Callable[[pikepdf.Pdf], Any] = lambda pdf: len(pdf.pages)
          ) -> tuple[pikepdf.Pdf, Any]:
    """The PDF kept in ``kept``, or made by ``make`` and kept; what ``read`` reads from it. A kept
    file that ``read`` finds damaged (it raises) is made again."""
    if kept.is_file():
        try:
            pdf = pikepdf.open(kept)
            return pdf, read(pdf)
        except (pikepdf.PdfError, IndexError, KeyError, AttributeError):
            pass  # damaged (for a piece: its bookmarks are not its essays'); made again
    pdf_bytes = make()
    write_atomic(kept, pdf_bytes)
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    return pdf, read(pdf)


def _with_folios(compile: Compile, piece: dict[str, Any], pdf: pikepdf.Pdf, first: int) -> bytes:
    """``pdf``, a piece as typeset, with the folios of its pages from page ``first`` on: its folio
    layer (the template's ``folios``: a page per page, bearing its number) typeset and each of its
    pages laid over the piece's, as a form XObject drawn after the page's own content. A page
    without text (a blank before an essay's right-hand page) has no folio, as in a volume
    typeset whole."""
    contents = [page_content(page) for page in pdf.pages]
    blank = [b"BT" not in content for content in contents]
    layer = {**{key: value for key, value in piece.items() if key != "chapters"}, "chapters": [],
             "folios": [None if empty else first + number for number, empty in enumerate(blank)]}
    forms = page_forms(pdf, pikepdf.open(io.BytesIO(compile(layer))))
    for page, content, form, empty in zip(pdf.pages, contents, forms, blank):
        if empty:
            continue
        resources = page.obj.get("/Resources") or pikepdf.Dictionary()
        xobjects = resources.get("/XObject") or pikepdf.Dictionary()
        page.obj.Resources = pikepdf.Dictionary({**{key: resources[key] for key in resources.keys()},
                                                 "/XObject": pikepdf.Dictionary({**{key: xobjects[key] for key in xobjects.keys()},
                                                                                 "/HbFolio": form})})
        # One stream, as Typst writes (imposing copies it compressed as it is); the page's own
        # content in a saved graphics state, so nothing it leaves set moves the folio.
        page.obj.Contents = pdf.make_stream(b"q\n" + content + b"\nQ q /HbFolio Do Q\n")
    return saved(pdf)


def _starts(pdf: pikepdf.Pdf, piece: dict[str, Any]) -> list[int]:
    """The page index in ``pdf`` where each essay of ``piece`` starts: its bookmark's page. An
    essay of a chapter opened in an earlier piece has its bookmark at the top, the others under
    their chapter's."""
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    items = _siblings(pdf.Root.get("/Outlines"))
    marks = []
    for chapter in piece["chapters"]:
        if chapter["opens"]:
            marks += _siblings(items.pop(0))
        else:
            marks += [items.pop(0) for _ in chapter["essays"]]
    return [index[mark.Dest[0].objgen] for mark in marks]


def assemble(front: pikepdf.Pdf, pieces: list[tuple[pikepdf.Pdf, dict[str, Any]]]) -> bytes:
    """The volume: ``front`` (cover and contents), then each piece's pages, a blank page after
    any that ends on a right-hand page; the pieces' bookmarks under their chapters, their tagged
    structure under the front's, the contents' links pointed at the essays' headings."""
    pdf = front
    outline = pdf.Root.Outlines
    for piece, data in pieces:
        _pad(pdf)
        base = len(pdf.pages)
        pdf.pages.extend(piece.pages)
        _graft_structure(pdf, piece, base)
        # Copied after the pages, the bookmarks lead to the copies of the pages (qpdf maps them).
        items = _siblings(pdf.copy_foreign(piece.Root.Outlines))
        for chapter in data["chapters"]:
            if chapter["opens"]:
                _append(outline, items.pop(0))
            else:
                for _ in chapter["essays"]:
                    _append(outline.Last, items.pop(0))
    outline.Count = len(_siblings(outline))
    for chapter in _siblings(outline):  # closed: minus the items it holds
        if "/First" in chapter:
            chapter.Count = -len(_siblings(chapter))
    # the bookmark of each chapter and essay, by its page number and level
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    targets = {(pages[item.Dest[0].objgen], level): item
               for chapter in _siblings(outline) for level, item in [(1, chapter), *((2, essay) for essay in _siblings(chapter))]}
    _point_links(pdf, targets)
    pdf.Root.PageLabels = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.D)])))
    if "/Metadata" in pdf.Root:  # Typst's XMP counts the front matter's pages
        xmp = pdf.Root.Metadata.read_bytes()
        pdf.Root.Metadata.write(re.sub(rb"<xmpTPg:NPages>\d+<", f"<xmpTPg:NPages>{len(pdf.pages)}<".encode(), xmp))
    return saved(pdf)


def _append(parent: pikepdf.Object, item: pikepdf.Object) -> None:
    """Make the outline item ``item`` the last under ``parent``."""
    item.Parent = parent
    if "/Next" in item:
        del item["/Next"]
    last = parent.get("/Last")
    if last is None:
        parent.First = item
        if "/Prev" in item:
            del item["/Prev"]
    else:
        last.Next, item.Prev = item, last
    parent.Last = item


def _pad(pdf: pikepdf.Pdf) -> None:
    """A blank page after a right-hand one, so that the next essay starts on a right-hand page."""
    if len(pdf.pages) % 2:
        pdf.add_blank_page(page_size=(float(pdf.pages[0].mediabox[2]), float(pdf.pages[0].mediabox[3])))


def _graft_structure(pdf: pikepdf.Pdf, piece: pikepdf.Pdf, base: int) -> None:
    """Put the tagged structure of ``piece`` (whose pages are now ``pdf``'s from ``base`` on)
    after ``pdf``'s: its elements under ``pdf``'s document, its pages' and annotations' keys into
    the parent tree moved past ``pdf``'s own."""
    ours, theirs = pdf.Root.get("/StructTreeRoot"), piece.Root.get("/StructTreeRoot")
    pages = pdf.pages[base:base + len(piece.pages)]
    if ours is None or theirs is None:
        for page in pages:
            if "/StructParents" in page.obj:
                del page.obj["/StructParents"]
        return
    shift = int(ours.ParentTreeNextKey)
    for page in pages:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + shift
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + shift
    copied = pdf.copy_foreign(theirs)  # what it references of the piece's pages: those just added
    document = ours.K[0]
    for element in copied.K[0].K:
        element.P = document
        document.K.append(element)
    numbers = _numbers(copied.ParentTree)
    for at in range(0, len(numbers), 2):
        ours.ParentTree.Nums.extend([int(numbers[at]) + shift, numbers[at + 1]])
    ours.ParentTreeNextKey = shift + int(theirs.ParentTreeNextKey)


def _numbers(tree: pikepdf.Object) -> list[pikepdf.Object]:
    """A number tree's keys and values, in order."""
    return list(tree.get("/Nums", [])) + [entry for kid in tree.get("/Kids", []) for entry in _numbers(kid)]


def _point_links(pdf: pikepdf.Pdf, targets: dict[tuple[int, int], pikepdf.Object]) -> None:
    """Point the front matter's links to "handbook-page:<page>#<level>" where the bookmark
    ``targets[page, level]`` leads, its title their alternative text."""
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            found = PAGE_LINK.fullmatch(str(action.get("/URI", ""))) if action is not None else None
            if found:
                target = targets[int(found[1]), int(found[2])]
                annotation.Dest = pikepdf.Array(list(target.Dest))
                annotation.Contents = target.Title
                del annotation["/A"]
