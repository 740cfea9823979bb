"""The booklet's data: the handbook's chapters and essays as one JSON-ready dict per edition.

The Typst template (``handbook.typ``) reads this dict from ``sys.inputs`` and places every string
as text. Scraped text is never turned into Typst markup, so nothing in an essay can be read as
Typst code (``#``, ``*``, ``=``, ``$`` and ``[`` show as themselves).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

# Page geometry and type per paper size. Sizes in points, margins in millimetres.
PAPERS: dict[str, dict[str, Any]] = {
    "A5": {"paper": "a5", "body_size": 10.5, "margin": {"top": 20, "bottom": 20, "inside": 19, "outside": 15}},
    "A4": {"paper": "a4", "body_size": 12.0, "margin": {"top": 27, "bottom": 27, "inside": 27, "outside": 22}},
}

# Per edition: region for Typst's `text(region: ...)`, font suffix (SC, TC, HK) and the
# OpenCC configuration (none for the Simplified edition, whose text is the essays' own).
REGIONS = {"s2tw": ("tw", "TC"), "s2twp": ("tw", "TC"), "s2t": ("tw", "TC"), "s2hk": ("hk", "HK")}

# Interface words, written in Simplified; the Traditional edition converts them with OpenCC.
LABELS = {"contents": "目录", "edition": "{label}版", "date": "{y}年{m}月{d}日", "imposed": "骑马订拼版"}

# Running heads longer than this (in characters) are cut and end in an ellipsis.
SHORT_TITLE_CHARS = 24


@dataclass(frozen=True)
class Edition:
    code: str          # "zh-Hans" or "zh-Hant"
    label: str         # "简体", "繁體"
    opencc: str | None  # None: the text is used as written
    region: str        # "cn", "tw", "hk"
    fonts: str         # "SC", "TC", "HK"


def editions(config: dict[str, Any]) -> dict[str, Edition]:
    """The editions named in handbook.yml, in order.

    >>> sorted(editions({"editions": {"zh-Hans": {"label": "简体"}, "zh-Hant": {"label": "繁體", "opencc": "s2tw"}}}).items())[1][1].fonts
    'TC'
    """
    found = {}
    for code, spec in (config.get("editions") or {}).items():
        spec = spec or {}
        opencc = spec.get("opencc")
        region, fonts = REGIONS.get(opencc, ("tw", "TC")) if opencc else ("cn", "SC")
        found[code] = Edition(code, spec.get("label", code), opencc, region, fonts)
    return found


def booklet_options(config: dict[str, Any]) -> dict[str, Any]:
    """handbook.yml's ``booklet:`` section with defaults filled in."""
    options = dict(config.get("booklet") or {})
    paper = str(options.get("paper", "A5")).upper()
    if paper not in PAPERS:
        raise ValueError(f"booklet.paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    options["paper"] = paper
    options.setdefault("output", "build/booklet")
    options.setdefault("impose", True)
    return options


def short(title: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """A running head: the title, cut at ``limit`` characters with an ellipsis.

    >>> short("树立五种意识，践行科学发展观")
    '树立五种意识，践行科学发展观'
    >>> short("一二三四五六七八九十", 6)
    '一二三四五…'
    """
    return title if len(title) <= limit else title[: limit - 1].rstrip("，、；：,;: ") + "…"


DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


# The PDF's creation date when no essay has a date (none is printed on the cover then).
NO_DATE = dt.date(2000, 1, 1)


def build_date(essays: Iterable[Any], environ: dict[str, str] | None = None) -> dt.date | None:
    """The date printed on the cover and stored as the PDF's creation date.

    Reproducible: ``SOURCE_DATE_EPOCH`` when set, else the newest essay date, else None (no date
    on the cover; ``NO_DATE`` in the metadata): the same bytes from the same inputs, whatever day
    the build runs.

    >>> build_date([], {"SOURCE_DATE_EPOCH": "1409356800"})
    datetime.date(2014, 8, 30)
    >>> from types import SimpleNamespace as E
    >>> build_date([E(meta={"date": "2013-05-02"}), E(meta={"date": "2014-08-30 16:50"}), E(meta={})], {})
    datetime.date(2014, 8, 30)
    """
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    dates = []
    for essay in essays:
        match = DATE.match(str((getattr(essay, "meta", None) or {}).get("date") or ""))
        if match:
            try:
                dates.append(dt.date(*map(int, match.groups())))
            except ValueError:
                continue
    return max(dates, default=None)


def export(chapters: Iterable[Any], config: dict[str, Any], edition: Edition,
           paper: str = "A5", date: dt.date | None | str = "auto") -> dict[str, Any]:
    """The data for one edition's booklet.

    ``chapters`` is the catalogue (``handbook.catalogue.load_catalogue``): objects with ``.name``
    and ``.essays``, each entry holding an ``.essay`` (an ``Essay``) or being one. ``date`` is the
    cover's date; "auto": ``build_date`` of the essays; None: no date.
    """
    chapters = list(chapters)
    essays = [getattr(entry, "essay", entry) for chapter in chapters for entry in chapter.essays]
    if date == "auto":
        date = build_date(essays)
    to = _converter(edition.opencc)
    geometry = PAPERS[paper]
    labels = {key: to(value) for key, value in LABELS.items()}
    title = to(str(config.get("title", "")))
    subtitle = to(str(config.get("subtitle") or ""))
    data_chapters = []
    for chapter in chapters:
        items = []
        for entry in chapter.essays:
            essay = getattr(entry, "essay", entry)
            essay_title = to(essay.title)
            items.append({
                "slug": getattr(entry, "slug", None),
                "title": essay_title,
                "short_title": short(essay_title),
                "date": _date_text((essay.meta or {}).get("date")),
                "blocks": [
                    {"kind": block.kind, "level": int(block.level or 0), "text": to(block.text)}
                    for block in essay.blocks if block.text.strip()
                ],
            })
        if items:
            data_chapters.append({"name": to(str(chapter.name)), "essays": items})
    return {
        "title": title,
        "subtitle": subtitle,
        "edition": edition.code,
        "edition_label": labels["edition"].format(label=edition.label),
        "date": labels["date"].format(y=date.year, m=date.month, d=date.day) if date else "",
        "lang": "zh",
        "region": edition.region,
        "fonts": {"body": f"Noto Serif CJK {edition.fonts}", "heading": f"Noto Sans CJK {edition.fonts}"},
        "labels": labels,
        **geometry,
        "chapters": data_chapters,
    }


def _date_text(value: Any) -> str | None:
    match = DATE.match(str(value or ""))
    return "-".join(match.groups()) if match else None


def _converter(opencc: str | None) -> Callable[[str], str]:
    if not opencc:
        return lambda text: text
    from ..script import convert

    return lambda text: convert(text, opencc)
