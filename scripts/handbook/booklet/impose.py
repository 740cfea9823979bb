"""Saddle-stitch imposition: the booklet's pages two-up on sheets twice as wide, in folding order.

For a booklet of n pages (padded with blanks to a multiple of 4), sheet side 2k carries pages
n-2k | 2k+1 and side 2k+1 carries 2k+2 | n-2k-1. Printed duplex (flip on the short edge), the stack
folded in the middle and stapled reads 1, 2, 3 … n. A5 pages go on A4 sheets, A4 pages on A3.
Each page becomes a form XObject drawn on its sheet: text stays text, fonts stay fonts, and no
content stream is parsed (pypdf's ``merge_transformed_page`` parses them all, 0.1 s a page).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, EncodedStreamObject, FloatObject, NameObject, StreamObject,
                           TextStringObject)

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


def impose(source: Path | PdfReader, output: Path, title: str | None = None, date: dt.date | None = None,
           sheet_size: tuple[float, float] | None = None) -> int:
    """Write ``output``, the imposed print file of ``source``; return the number of sheet sides.

    ``sheet_size`` (points, landscape) defaults to exactly two pages side by side. Each page sits
    against the sheet's vertical centre line, the fold.
    """
    reader = source if isinstance(source, PdfReader) else PdfReader(str(source))
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    sheet_w, sheet_h = sheet_size or (2 * width, height)
    if sheet_w < 2 * width - 0.5 or sheet_h < height - 0.5:
        raise ValueError(f"two {width:.0f} × {height:.0f} pt pages do not fit a {sheet_w:.0f} × {sheet_h:.0f} pt sheet")
    writer = PdfWriter()
    forms: dict[int, Any] = {}
    sides = spreads(len(reader.pages))
    for left, right in sides:
        sheet = writer.add_blank_page(width=sheet_w, height=sheet_h)
        names, ops = DictionaryObject(), []
        for x, index in ((sheet_w / 2 - width, left), (sheet_w / 2, right)):
            if index is None:
                continue
            if index not in forms:
                forms[index] = _form(writer, reader.pages[index])
            name = f"/P{index + 1}"
            names[NameObject(name)] = forms[index]
            ops.append(f"q 1 0 0 1 {x:.4f} {(sheet_h - height) / 2:.4f} cm {name} Do Q")
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): names})
        content = StreamObject()
        content.set_data("\n".join(ops).encode("ascii"))
        sheet[NameObject("/Contents")] = writer._add_object(content)
    info = {"/Producer": "handbook booklet imposition (pypdf)"}
    if title:
        info["/Title"] = title
    if date:
        stamp = date.strftime("D:%Y%m%d000000Z")
        info["/CreationDate"] = info["/ModDate"] = stamp
    writer.add_metadata(info)
    lang = reader.trailer["/Root"].get("/Lang")
    if lang:
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    buffer = io.BytesIO()
    writer.write(buffer)
    write_atomic(output, buffer.getvalue())
    return len(sides)


def _form(writer: PdfWriter, page: Any) -> Any:
    """``page`` of the source as a form XObject in ``writer``; returns its indirect reference.

    A page of one content stream (Typst writes one) keeps its compressed bytes as they are:
    decompressing and compressing them again was a third of the imposition's time.
    """
    contents = page.get("/Contents")
    streams = [] if contents is None else contents.get_object()
    if not isinstance(streams, list):
        streams = [streams]
    streams = [stream.get_object() for stream in streams]
    if len(streams) == 1 and isinstance(streams[0], EncodedStreamObject):
        form = EncodedStreamObject()
        form._data = streams[0]._data
        for key in ("/Filter", "/DecodeParms"):
            if key in streams[0]:
                form[NameObject(key)] = streams[0][key].clone(writer)
    else:
        form = StreamObject()
        form.set_data(b"\n".join(stream.get_data() for stream in streams))
        form = form.flate_encode()
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
        NameObject("/Resources"): (page.get_inherited("/Resources", None) or DictionaryObject()).clone(writer),
    })
    return writer._add_object(form)
