"""Saddle-stitch imposition: the booklet's pages two-up on sheets twice as wide, in folding order.

For a booklet of n pages (padded with blanks to a multiple of 4), sheet side 2k carries pages
n-2k | 2k+1 and side 2k+1 carries 2k+2 | n-2k-1. Printed duplex (flip on the short edge), the stack
folded in the middle and stapled reads 1, 2, 3 … n. A5 pages go on A4 sheets, A4 pages on A3.
Each page becomes a form XObject drawn on its sheet: text stays text, fonts stay fonts, and every
stream keeps its compressed bytes. pikepdf (qpdf) does the PDF work: pypdf, in pure Python, took
twice as long to impose and five times as long to read the booklet back.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from ..files import write_atomic


def spreads(page_count: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices (0-based) for each sheet side; None is a blank added as padding.

    >>> spreads(8)
    [(7, 0), (1, 6), (5, 2), (3, 4)]
    >>> spreads(3)
    [(None, 0), (1, 2)]
    """
    if page_count < 1:
        raise ValueError("a booklet needs at least one page")
    padded = page_count + (-page_count) % 4
    order = []
    for k in range(padded // 4):
        order.append((padded - 2 * k, 2 * k + 1))       # front of sheet k
        order.append((2 * k + 2, padded - 2 * k - 1))   # back of sheet k
    return [tuple(p - 1 if p <= page_count else None for p in side) for side in order]  # type: ignore[misc]


# Landscape sheets for each page size, in points: two A5 pages (2 × 148 mm) fit an A4 sheet
# (297 mm) with half a millimetre to spare on each outer edge; the fold stays in the middle.
SHEETS = {"A5": (841.89, 595.276), "A4": (1190.55, 841.89)}


def impose(source: Path | bytes, output: Path, title: str | None = None, date: dt.date | None = None,
           sheet_size: tuple[float, float] | None = None) -> int:
    """Write ``output``, the imposed print file of the PDF ``source`` (a file, or its bytes);
    return the number of sheet sides.

    ``sheet_size`` (points, landscape) defaults to exactly two pages side by side. Each page sits
    against the sheet's vertical centre line, the fold.

    The sheets are made in the source's own document, its pages' content streams turned into the
    forms they draw, and its pages, outline and tagged structure dropped: nothing is copied (a
    copy of every page's objects into a new document was two thirds of the time).
    """
    pdf = Pdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    _, _, width, height = (float(v) for v in pdf.pages[0].mediabox)
    sheet_w, sheet_h = sheet_size or (2 * width, height)
    if sheet_w < 2 * width - 0.5 or sheet_h < height - 0.5:
        raise ValueError(f"two {width:.0f} × {height:.0f} pt pages do not fit a {sheet_w:.0f} × {sheet_h:.0f} pt sheet")
    sides = spreads(len(pdf.pages))
    # A sheet side draws its left page as /L and its right one as /R: the sides share their
    # content stream (one per arrangement, a blank leaving its half empty) and differ in resources.
    # The streams are made first: qpdf's first new object in a document it read costs a tenth of
    # a second, and every one after the pages were changed as much again.
    halves = (("/L", sheet_w / 2 - width), ("/R", sheet_w / 2))
    streams = {arrangement: pdf.make_stream("\n".join(
                   f"q 1 0 0 1 {x:.4f} {(sheet_h - height) / 2:.4f} cm {name} Do Q"
                   for (name, x), drawn in zip(halves, arrangement) if drawn).encode("ascii"))
               for arrangement in {(left is not None, right is not None) for left, right in sides}}
    forms = [_as_form(pdf, page) for page in pdf.pages]
    sheets = []
    for left, right in sides:
        names = Dictionary({name: forms[index] for (name, _), index in zip(halves, (left, right)) if index is not None})
        sheets.append(pdf.make_indirect(Dictionary(
            Type=Name.Page, MediaBox=Array([0, 0, sheet_w, sheet_h]), Resources=Dictionary(XObject=names),
            Contents=streams[left is not None, right is not None])))
    # A new page tree in place of the pages' (adding and removing pages one by one is a quarter of
    # the time), in the catalogue of a new document: its pages, and its language.
    tree = pdf.make_indirect(Dictionary(Type=Name.Pages, Kids=Array(sheets), Count=len(sheets)))
    for sheet in sheets:
        sheet.Parent = tree
    for key in list(pdf.Root.keys()):
        if key not in ("/Type", "/Lang"):
            del pdf.Root[key]
    pdf.Root.Pages = tree
    pdf.trailer.Info = pdf.make_indirect(Dictionary())
    pdf.docinfo[Name.Producer] = f"handbook booklet imposition (pikepdf {pikepdf.__version__})"
    if title:
        pdf.docinfo[Name.Title] = title
    if date:
        pdf.docinfo[Name.CreationDate] = pdf.docinfo[Name.ModDate] = date.strftime("D:%Y%m%d000000Z")
    write_atomic(output, saved(pdf))
    return len(sheets)


def _as_form(pdf: Pdf, page: pikepdf.Page) -> pikepdf.Object:
    """``page`` as a form XObject of its document: its content stream (or its streams joined) with
    the page's size and resources."""
    form = page.obj.get("/Contents")
    if not isinstance(form, pikepdf.Stream):  # several streams, or none: one of them all
        form = pdf.make_stream(page_content(page))
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([float(v) for v in page.mediabox])
    form.Resources = page.obj.get("/Resources") or Dictionary()
    return form


def saved(pdf: Pdf) -> bytes:
    """``pdf`` as written to a file. Streams are copied as they are compressed (no decoding), the
    small objects (the tagged structure's elements, above all) go into compressed object
    streams, which makes a volume 40 % smaller and faster to write, and the file's ID is derived
    from its contents, so the same pages give the same bytes."""
    buffer = io.BytesIO()
    pdf.save(buffer, stream_decode_level=pikepdf.StreamDecodeLevel.none, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             deterministic_id=True)
    return buffer.getvalue()


def page_forms(out: Pdf, source: Pdf) -> list[pikepdf.Object]:
    """Each page of ``source`` as a form XObject in ``out`` (``_as_form``, copied). All are copied
    in one pass, so objects shared between pages, such as fonts, are walked once (a pass per page
    took ten times as long)."""
    return list(out.copy_foreign(source.make_indirect(Array([_as_form(source, page) for page in source.pages]))))


def page_content(page: pikepdf.Page) -> bytes:
    """A page's content, its streams (if several) joined."""
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, Array) else [contents] if contents is not None else []
    return b"\n".join(stream.read_bytes() for stream in streams)
