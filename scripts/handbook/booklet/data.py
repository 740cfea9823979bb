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
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..catalogue import part_ends

# Page geometry and type per paper size. Sizes in points, margins in millimetres.
PAPERS: dict[str, dict[str, Any]] = {
    "A5": {"paper": "a5", "body_size": 10.5, "margin": {"top": 20, "bottom": 20, "inside": 19, "outside": 15}},
    "A4": {"paper": "a4", "body_size": 12.0, "margin": {"top": 27, "bottom": 27, "inside": 27, "outside": 22}},
}

# Per edition: region for Typst's `text(region: ...)`, font suffix (SC, TC, HK) and the
# OpenCC configuration (none for the Simplified edition, whose text is the essays' own).
REGIONS = {"s2tw": ("tw", "TC"), "s2twp": ("tw", "TC"), "s2t": ("tw", "TC"), "s2hk": ("hk", "HK")}

# Interface words, written in Simplified; the Traditional edition converts them with OpenCC.
LABELS = {"contents": "目录", "edition": "{label}版", "date": "{y}年{m}月{d}日", "imposed": "骑马订拼版",
          "volume": "第{n}册", "volumes": "共{n}册", "continued": "（续）"}

# Essays per volume when handbook.yml does not say (``booklet.volume_max_essays``): Typst holds a
# volume in memory (bench/results.md gives the measured cost), so two volumes of this size
# typeset side by side fit the memory of a small machine.
VOLUME_MAX_ESSAYS = 300

# Essays typeset at a time when handbook.yml does not say (``booklet.piece_essays``, booklet/pieces.py).
PIECE_ESSAYS = 20

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
    limit = options.get("volume_max_essays", VOLUME_MAX_ESSAYS)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"booklet.volume_max_essays must be a whole number of essays, at least 1, not {limit!r}")
    options["volume_max_essays"] = limit
    options.setdefault("piece_essays", PIECE_ESSAYS)
    return options


def plan_volumes(chapters: Sequence[Sequence[str]], limit: int | None) -> list[list[tuple[int, int, int]]]:
    """Split chapters (each the names of its essays' pages, in order) into volumes of at most
    ``limit`` essays each.

    A volume is a list of (chapter index, first essay, end) slices, in catalogue order. Volumes
    end at chapter boundaries: a chapter that does not fit in the current volume opens the next
    one; a chapter larger than ``limit`` is split into parts (``catalogue.part_ends``) whose ends are
    chosen by its essays' names, not counted, and its last part may be joined by the following
    chapters: so an essay added to or removed from a chapter, anywhere in it, changes the part it
    is in (and the next, when that part ended at ``limit``) and no other. ``limit`` None: one
    volume. Chapters without essays are left out.

    >>> plan_volumes([["a", "b"], ["c"], ["d"]], 3)
    [[(0, 0, 2), (1, 0, 1)], [(2, 0, 1)]]
    >>> plan_volumes([["a", "b"], [], ["c", "d"]], None)
    [[(0, 0, 2), (2, 0, 2)]]
    """
    volumes: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    count = 0
    for index, names in enumerate(chapters):
        size = len(names)
        if size <= 0:
            continue
        if limit is None or count + size <= limit:
            current.append((index, 0, size))
            count += size
            continue
        if current:
            volumes.append(current)
        bounds = [0, *part_ends(names, limit)]
        for start, end in zip(bounds[:-2], bounds[1:-1]):
            volumes.append([(index, start, end)])
        current, count = [(index, bounds[-2], size)], size - bounds[-2]
    if current:
        volumes.append(current)
    return volumes


def page_names(essays: Iterable[Any]) -> list[str]:
    """The names of the essays' pages (``catalogue.chosen`` by them), their titles when they have none."""
    return [getattr(entry, "slug", None) or getattr(entry, "essay", entry).title for entry in essays]


def volume_names(edition: str, volumes: int, stem: str = "handbook") -> list[tuple[str, str]]:
    """(typeset PDF, imposed PDF) file names of a book's volumes in an edition: ``<stem>-<edition>.pdf``
    when there is one volume, else ``<stem>-<edition>-1.pdf`` … (the site links these).

    >>> volume_names("zh-Hans", 2)
    [('handbook-zh-Hans-1.pdf', 'handbook-zh-Hans-1-booklet.pdf'), ('handbook-zh-Hans-2.pdf', 'handbook-zh-Hans-2-booklet.pdf')]
    >>> volume_names("zh-Hant", 1, "huji")
    [('huji-zh-Hant.pdf', 'huji-zh-Hant-booklet.pdf')]
    """
    stems = [f"{stem}-{edition}"] if volumes <= 1 else [f"{stem}-{edition}-{n}" for n in range(1, volumes + 1)]
    return [(f"{stem}.pdf", f"{stem}-booklet.pdf") for stem in stems]


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for volume numbers).

    >>> [chinese_number(n) for n in (1, 10, 12, 20, 34, 100, 105, 230)]
    ['一', '十', '十二', '二十', '三十四', '一百', '一百零五', '二百三十']
    """
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + digits[rest] if rest < 10 else (chinese_number(rest) if rest >= 20 else "一" + chinese_number(rest)))
        return digits[n // 100] + "百" + tail
    return str(n)


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
           paper: str = "A5", date: dt.date | None | str = "auto", volume: tuple[int, int] | None = None,
           continued: Sequence[bool] = (), layout: str = "book", known: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The data for one edition's booklet.

    ``chapters`` is the catalogue (``handbook.catalogue.load_catalogue``): objects with ``.name``
    and ``.essays``, each entry holding an ``.essay`` (an ``Essay``) or being one. ``date`` is the
    cover's date; "auto": ``build_date`` of the essays; None: no date. ``volume`` (number, count)
    names one volume of several on the cover and in the metadata; ``continued[i]`` marks chapter
    ``i`` as the continuation of a chapter begun in the previous volume (its ``name`` says so, its
    ``title`` is the chapter's own: the chapter PDFs are cut from the volumes by these). ``layout`` "handout"
    sets essays one after another, without the blank pages that start each on a right-hand page.
    ``known``: essays exported before in this edition, by the digest of the page each was read
    from (the catalogue entry's ``digest``), used as they are instead of converted again.
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
    for number, chapter in enumerate(chapters):
        items = []
        for entry in chapter.essays:
            if known and getattr(entry, "digest", "") in known:
                items.append(known[entry.digest])
                continue
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
            more = labels["continued"] if number < len(continued) and continued[number] else ""
            data_chapters.append({"name": to(str(chapter.name)) + more, "title": to(str(chapter.name)), "continued": bool(more),
                                  "essays": items})
    return {
        "title": title,
        "subtitle": subtitle,
        "edition": edition.code,
        "edition_label": labels["edition"].format(label=edition.label),
        "date": labels["date"].format(y=date.year, m=date.month, d=date.day) if date else "",
        "volume": labels["volume"].format(n=chinese_number(volume[0])) if volume else "",
        "volumes": labels["volumes"].format(n=chinese_number(volume[1])) if volume else "",
        "lang": "zh",
        "region": edition.region,
        "fonts": {"body": f"Noto Serif CJK {edition.fonts}", "heading": f"Noto Sans CJK {edition.fonts}"},
        "labels": labels,
        "layout": layout,
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
