"""A PDF per chapter (issue 15), cut from the handbook's typeset volumes instead of typeset again.

A chapter's pages in its edition's volume are already the chapter as a book prints it: every
essay starts on a right-hand page, and nothing on a page depends on the chapters before it but
its number. So a chapter PDF is a small typeset front matter (a cover naming the chapter and the
handbook, and the chapter's contents, with folios in roman numerals) followed by the volume's
pages of the chapter as they are:

    chapter-<n>-<edition>.pdf = cover, contents (i, ii, …) + handbook-<edition>[-<v>].pdf pages p…q

The contents list the page numbers printed on those pages, which are the volume's (a reader of
the chapter finds the same essay on the same page number as a reader of the handbook); the PDF's
page labels read the same, and its bookmarks lead to the chapter and each essay. A chapter the
volumes split (more than ``booklet.volume_max_essays`` essays) gives a PDF per part, numbered as
the volumes are (``chapter-<n>-<edition>-1.pdf`` …). The volumes' fonts come with their pages.

Each chapter PDF is cached on the digest of what it is made of: its front matter's data, the
volume's PDF and where its pages stand in it, the template and this code. A changed essay makes
its volume again and so the chapter PDFs cut from that volume (a few pages typeset each), in the
process that typeset the volume (``cut_from``); a chapter whose pages did not change comes out
the same, byte for byte, and its file is left as it was. Each is the same as a cold build's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pikepdf

from . import IMPOSE_SOURCE, TEMPLATE, BookletError, Result, _Volume, contents_file, imposed_title, typst_version
from .data import Edition, build_date, chinese_number, editions, volume_names
from .impose import saved


def chapter_stem(number: int) -> str:
    """The file name stem of the ``number``-th chapter's PDF (1-based, catalogue order)."""
    return f"chapter-{number}"


@dataclass
class Part:
    """One chapter's essays in one volume, and where their pages stand in it."""
    volume: Result
    data: dict[str, Any]      # the volume's data (data.py's ``export``)
    chapter: dict[str, Any]   # the chapter's entry in ``data["chapters"]``
    starts: list[int]         # each essay's first page, as an index into the volume's pages
    digest: str               # the volume's PDF's
    end: int = 0              # the index after the part's last page (a blank page before the next chapter included)


def plan(config: dict[str, Any], options: dict[str, Any], out_root: Path, handbook: list[Result]) -> list[tuple[str, _Volume]]:
    """Every chapter PDF of every edition, as (stem, volume to make), from the handbook's volumes
    ``handbook`` as built (their PDFs and data files)."""
    planned = []
    for code, edition in editions(config).items():
        volumes = sorted((r for r in handbook if r.edition == code), key=lambda r: r.volume)
        parts = [part for volume in volumes for part in parts_of(volume)]
        for number, pieces in enumerate(by_chapter(parts), start=1):
            planned += [(chapter_stem(number), volume) for volume in plan_chapter(number, pieces, edition, options, out_root / code)]
    return planned


def parts_of(volume: Result) -> list[Part]:
    """The chapters' parts in a volume, in order, with their pages."""
    data = read_contents(volume.data)
    if volume.starts is not None and volume.key:  # as its build left them: the PDF is not read
        starts, digest = volume.starts, pdf_digest(volume.key, volume.pdf)
    else:
        pdf = volume.pdf.read_bytes()
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            starts, digest = essay_starts(opened), hashlib.sha256(pdf).hexdigest()
    return split(volume, data, starts, digest)


def read_contents(data_file: Path) -> dict[str, Any]:
    """A volume's data, without its essays' text when its contents file is there."""
    brief = contents_file(data_file)
    data = json.loads((brief if brief.is_file() else data_file).read_text(encoding="utf-8"))
    data.pop("exported", None)  # what the data was made of, not part of it
    return data


def pdf_digest(key: str, pdf: Path) -> str:
    """What a chapter's part knows its volume's PDF by: the digest the volume was typeset from,
    and the file's size and modification time (a PDF replaced since is another)."""
    found = pdf.stat()
    return f"{key} {found.st_size} {found.st_mtime_ns}"


def split(volume: Any, data: dict[str, Any], starts: list[int], digest: str) -> list[Part]:
    """The chapters' parts of ``volume`` (a ``Result``, or anything with its ``pdf`` and ``pages``),
    typeset from ``data``, its essays starting on the pages ``starts``."""
    if len(starts) != sum(len(chapter["essays"]) for chapter in data["chapters"]):
        raise BookletError(f"{volume.pdf.name} has {len(starts)} essays' bookmarks and its data "
                           f"{sum(len(c['essays']) for c in data['chapters'])} essays: run `handbook booklet --force`")
    parts, seen = [], 0
    for chapter in data["chapters"]:
        parts.append(Part(volume, data, chapter, starts[seen:seen + len(chapter["essays"])], digest))
        seen += len(chapter["essays"])
    for part, following in zip(parts, parts[1:]):
        part.end = following.starts[0]
    parts[-1].end = volume.pages
    return parts


def cuts(volumes: list[_Volume], typeset: set[_Volume]) -> None:
    """Before the ``typeset`` volumes of an edition's handbook (``volumes``, in order) are typeset:
    tell each which chapter PDFs to cut from it as soon as it is (``cut_from``), with what those
    need to know of the other volumes: the chapter's number, its part's, how many parts, its date.
    The process typesetting the volume has its pages and Typst at hand; a phase of its own would
    read the volume again and start Typst anew."""
    parts = [Part(volume, data, chapter, [], "") for volume in volumes
             for data in [volume.data or read_contents(volume.data_file)] for chapter in data["chapters"]]
    for number, pieces in enumerate(by_chapter(parts), start=1):
        date = chapter_date(pieces)
        for count, part in enumerate(pieces, start=1):
            if part.volume in typeset:
                position = next(i for i, chapter in enumerate(part.data["chapters"]) if chapter is part.chapter)
                part.volume.cuts.append({"number": number, "count": count, "parts": len(pieces), "date": date, "chapter": position})


def cut_from(volume: pikepdf.Pdf, task: dict[str, Any], starts: list[int], make: Callable[[_Volume, pikepdf.Pdf], None]) -> None:
    """Make the chapter PDFs ``task["cuts"]`` names from ``volume``, just typeset from ``task``'s
    data: each part planned as ``plan`` will plan it (so that it is found up to date), and made
    by ``make`` unless it is up to date already."""
    from . import _fresh

    data = task["data"] or json.loads(task["payload"])
    pdf = Path(task["pdf"])
    parts = split(SimpleNamespace(pdf=pdf, pages=len(volume.pages)), data, starts, pdf_digest(task["key"], pdf))
    for cut in task["cuts"]:
        chapter = plan_part(cut["number"], parts[cut["chapter"]], cut["count"], cut["parts"], cut["date"], task["edition"],
                            task["options"], pdf.parent)
        if not _fresh(chapter):
            make(chapter, volume)


def essay_starts(pdf: pikepdf.Pdf) -> list[int]:
    """Each essay's first page in a volume, as page indices: the destinations of the PDF's
    bookmarks of essays, which stand under those of chapters (the template's headings of levels
    1 and 2; the contents' bookmark has none under it)."""
    index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    return [index[item.Dest[0].objgen] for top in _siblings(pdf.Root.get("/Outlines")) for item in _siblings(top)]


def _siblings(parent: pikepdf.Object | None) -> list[pikepdf.Object]:
    """The outline items under ``parent``, read from the PDF's dictionaries (pikepdf's
    ``open_outline`` reads the whole tree, essays' headings and all: ten times slower)."""
    items, item = [], parent.get("/First") if parent is not None else None
    while item is not None:
        items.append(item)
        item = item.get("/Next")
    return items


def by_chapter(parts: list[Part]) -> list[list[Part]]:
    """The parts grouped by chapter: a part the data marks ``continued`` belongs to the one before."""
    chapters: list[list[Part]] = []
    for part in parts:
        if part.chapter.get("continued") and chapters:
            chapters[-1].append(part)
        else:
            chapters.append([part])
    return chapters


def plan_chapter(number: int, pieces: list[Part], edition: Edition, options: dict[str, Any], out: Path) -> list[_Volume]:
    """The PDFs of one chapter (one per part) in one edition, with their front matters and digests."""
    date = chapter_date(pieces)
    return [plan_part(number, part, count, len(pieces), date, edition, options, out) for count, part in enumerate(pieces, start=1)]


def chapter_date(pieces: list[Part]) -> dt.date | None:
    """The date on a chapter's covers: its latest essay's."""
    return build_date(SimpleNamespace(meta={"date": essay["date"]}) for part in pieces for essay in part.chapter["essays"])


def plan_part(number: int, part: Part, count: int, parts: int, date: dt.date | None, edition: Edition,
              options: dict[str, Any], out: Path) -> _Volume:
    """The PDF of the ``count``-th of the ``parts`` parts of chapter ``number``, with its front
    matter and its digest."""
    stem = chapter_stem(number)
    records = out / ".books" / stem
    single = parts == 1
    names = volume_names(edition.code, parts, stem)[count - 1]
    volume = _Volume(edition, count, parts, out, out / names[0], out / names[1] if options["impose"] else None,
                     records / (".inputs.sha256" if single else f".inputs-{count}.sha256"),
                     records / ("data.json" if single else f"data-{count}.json"))
    front = front_matter(part, None if single else (count, parts), date)
    volume.payload = json.dumps(front, ensure_ascii=False, sort_keys=True)
    volume.title = imposed_title(front)
    volume.essays = len(part.chapter["essays"])
    volume.date = date
    volume.cut = {"source": str(part.volume.pdf), "first": part.starts[0], "end": part.end, "starts": part.starts,
                  "chapter": part.chapter["name"], "titles": [essay["title"] for essay in part.chapter["essays"]]}
    digest = hashlib.sha256()
    for piece in (volume.payload.encode(), part.digest.encode(),
                  repr((part.starts[0], part.end, options["paper"], options["impose"], typst_version())).encode(),
                  TEMPLATE.read_bytes(), IMPOSE_SOURCE.read_bytes(), Path(__file__).read_bytes()):
        digest.update(hashlib.sha256(piece).digest())
    volume.key = digest.hexdigest()
    volume.previous = volume.stamp.read_text().split() if volume.stamp.is_file() else []
    return volume


def front_matter(part: Part, volume: tuple[int, int] | None, date: dt.date | None) -> dict[str, Any]:
    """The data of a chapter PDF's cover and contents (the template's ``front``): the chapter's
    name as the title, the handbook's as the subtitle, the part's number when the chapter has
    several, and each essay's page number in the volume."""
    data, labels = part.data, part.data["labels"]
    essays = [{"title": essay["title"], "short_title": essay["short_title"], "date": essay["date"], "page": start + 1}
              for essay, start in zip(part.chapter["essays"], part.starts)]
    return {**{key: value for key, value in data.items() if key != "chapters"}, "front": True, "folio": "i",
            "title": part.chapter["title"], "subtitle": data["title"],
            "volume": labels["volume"].format(n=chinese_number(volume[0])) if volume else "",
            "volumes": labels["volumes"].format(n=chinese_number(volume[1])) if volume else "",
            "date": labels["date"].format(y=date.year, m=date.month, d=date.day) if date else "",
            "chapters": [{"name": part.chapter["name"], "title": part.chapter["title"],
                          "continued": part.chapter.get("continued", False), "essays": essays}]}


def assemble(front: pikepdf.Pdf, cut: dict[str, Any], source: pikepdf.Pdf | None = None) -> bytes:
    """The chapter PDF: ``front`` (its cover, its blank back and the contents, typeset), a blank
    page when the front ends on a right-hand page (so each page keeps its side), then the volume's pages ``cut``
    names (read from ``source`` when it is open already), with page labels that read as the folios
    printed on the pages and bookmarks to the chapter and its essays."""
    if len(front.pages) % 2:
        front.pages.append(front.pages[1])  # a copy of the cover's blank back
    offset = len(front.pages) - cut["first"]  # a volume's page index + offset = its index here
    # open until saved: qpdf copies the pages' streams when writing
    with contextlib.nullcontext(source) if source is not None else pikepdf.open(cut["source"]) as volume:
        front.pages.extend(volume.pages[cut["first"]:cut["end"]])
        for page in front.pages[offset + cut["first"]:]:
            if "/StructParents" in page.obj:  # the volume's structure tree stays behind
                del page.obj["/StructParents"]
        front.Root.PageLabels = front.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array([
            0, pikepdf.Dictionary(S=pikepdf.Name.r),
            offset + cut["first"], pikepdf.Dictionary(S=pikepdf.Name.D, St=cut["first"] + 1)])))
        with front.open_outline() as outline:
            chapter = pikepdf.OutlineItem(cut["chapter"], offset + cut["starts"][0])
            chapter.children.extend(pikepdf.OutlineItem(title, offset + start) for title, start in zip(cut["titles"], cut["starts"]))
            outline.root.append(chapter)
        return saved(front)
