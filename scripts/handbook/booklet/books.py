"""Books beside the whole handbook: a PDF per chapter, and booklets for a class, named in
handbook.yml (``booklets:``) or asked for once (``handbook booklet --essays … --title …``).

Each is the same kind of book as the handbook (cover, contents, running heads, volumes when it
is large, the imposed print file). A booklet is typeset from the essays it selects, in catalogue
order; a chapter's PDF is cut from the handbook's volumes (``chapters.py``):

    build/booklet/<edition>/chapter-<n>-<edition>.pdf     one per chapter, linked from its page
    build/booklet/<edition>/<file>-<edition>.pdf          a named booklet, listed on the home page

A selection holds the essays of its ``chapters``, its ``essays`` (seed file names) and those whose
title or text holds one of its ``words``; ``since``/``until`` then keep the essays of those dates
(with dates alone, every essay of those dates). Each volume is cached on its own inputs (its
essays' text, its cover, the template): a changed essay retypesets only the books that hold it.
A record per kind (``build/booklet/.chapters.json``, ``.named.json``) says what was built from
which inputs, so that an unchanged handbook is recognised without loading the catalogue; the
site reads the named booklets' page counts from it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from ..files import remove_leftovers, write_atomic
from . import (MAIN_BOOK, Book, BookletError, Result, _fresh, _jobs, _typeset_all, _Volume, copy_into_site, plan_book, publish,
               remove_data, restamp)
from .chapters import chapter_stem
from .data import booklet_options, build_date, editions, plan_volumes, volume_names

KINDS = ("chapters", "named")


def chapter_files(edition: str, number: int, essays: list[str], limit: int | None) -> list[tuple[str, str]]:
    """(PDF, imposed PDF) names of a chapter of the essays of pages ``essays``: the chapter page links these.

    >>> chapter_files("zh-Hans", 2, ["a", "b"], 300)
    [('chapter-2-zh-Hans.pdf', 'chapter-2-zh-Hans-booklet.pdf')]
    """
    return volume_names(edition, len(plan_volumes([essays], limit)) or 1, chapter_stem(number))


def select(chapters: list[Any], spec: dict[str, Any], name: str) -> list[SimpleNamespace]:
    """The chapters (in catalogue order) with the essays ``spec`` selects; a ``BookletError``
    naming ``name`` when it names a chapter or seed that does not exist, or selects nothing.

    >>> from handbook.essay import Block, Essay
    >>> def essay(seed, title, text, date=""):
    ...     return SimpleNamespace(essay=Essay(seed, title, blocks=[Block("paragraph", text)], meta={"source": seed, "date": date}))
    >>> cat = [SimpleNamespace(name="甲", essays=[essay("1.txt", "户籍", "电话回访", "2014-05-01")]),
    ...        SimpleNamespace(name="乙", essays=[essay("2.txt", "交警", "窗口"), essay("3.txt", "服务", "窗口", "2013-01-01")])]
    >>> [(c.name, [e.essay.source for e in c.essays]) for c in select(cat, {"chapters": ["乙"], "words": ["回访"]}, "x")]
    [('甲', ['1.txt']), ('乙', ['2.txt', '3.txt'])]
    >>> [e.essay.source for c in select(cat, {"since": dt.date(2014, 1, 1)}, "x") for e in c.essays]
    ['1.txt']
    >>> select(cat, {"essays": ["9.txt"]}, "x")
    Traceback (most recent call last):
    ...
    handbook.booklet.BookletError: booklet x: no essay from the seed 9.txt (is it in seeds/, and was it cleaned?)
    """
    from ..script import convert

    names = {chapter.name for chapter in chapters}
    seeds = {_seed(entry) for chapter in chapters for entry in chapter.essays}
    for chapter in spec.get("chapters") or []:
        if chapter not in names:
            raise BookletError(f"booklet {name}: no chapter named {chapter} (the chapters: {', '.join(sorted(names))})")
    for seed in spec.get("essays") or []:
        if seed not in seeds:
            raise BookletError(f"booklet {name}: no essay from the seed {seed} (is it in seeds/, and was it cleaned?)")
    chosen_chapters, chosen_seeds = set(spec.get("chapters") or []), set(spec.get("essays") or [])
    words = {form for word in spec.get("words") or [] for form in (word, convert(word, "t2s"))}
    named = bool(chosen_chapters or chosen_seeds or words)
    since, until = spec.get("since"), spec.get("until")
    selected = []
    for chapter in chapters:
        essays = [entry for entry in chapter.essays
                  if (not named or chapter.name in chosen_chapters or _seed(entry) in chosen_seeds or _holds(entry, words))
                  and _dated(entry, since, until)]
        if essays:
            selected.append(SimpleNamespace(name=chapter.name, essays=essays))
    if not selected:
        raise BookletError(f"booklet {name}: its selection holds no essay")
    return selected


def may_hold(spec: dict[str, Any]) -> Callable[[str], bool] | None:
    """A quick test on an essay's Markdown page that passes every essay ``spec`` can select (and
    maybe others, which ``select`` then leaves out): the page names one of its seeds or holds one of
    its words. None when any essay may be selected (a chapter, or dates alone), or when a word holds
    characters the page may write escaped.

    >>> test = may_hold({"essays": ["a.txt"], "words": ["回訪"]})
    >>> test("source: a.txt"), test("电话回访"), test("窗口")
    (True, True, False)
    >>> may_hold({"chapters": ["户籍窗口"], "essays": ["a.txt"]}) is None, may_hold({"words": ["A*B"]}) is None
    (True, True)
    """
    from ..script import convert

    words = [form for word in spec.get("words") or [] for form in (word, convert(word, "t2s"))]
    if spec.get("chapters") or not (spec.get("essays") or words) or any(re.search(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]", w) for w in words):
        return None
    needles = [*(spec.get("essays") or []), *words]
    return lambda text: any(needle in text for needle in needles)


def _seed(entry: Any) -> str:
    essay = getattr(entry, "essay", entry)
    return str(essay.meta.get("source") or essay.source)


def _holds(entry: Any, words: set[str]) -> bool:
    essay = getattr(entry, "essay", entry)
    return any(word in essay.title or any(word in block.text for block in essay.blocks) for word in words)


def _dated(entry: Any, since: dt.date | None, until: dt.date | None) -> bool:
    if not (since or until):
        return True
    text = str(getattr(entry, "essay", entry).meta.get("date") or "")
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return False  # an essay without a date is in no range of dates
    return (not since or day >= since) and (not until or day <= until)


def named_books(config: dict[str, Any], chapters: list[Any]) -> list[tuple[Book, list[Any]]]:
    """The named booklets of handbook.yml and the chapters each holds."""
    return [(Book(spec["file"], spec["title"], spec.get("subtitle") or "", spec.get("layout") or "book"),
             select(chapters, spec, spec["file"])) for spec in config.get("booklets") or []]


def check_named(config: dict[str, Any]) -> list[Any] | None:
    """Every named booklet selects essays that exist (a ``BookletError`` naming the first that does
    not); the catalogue read to know it, for ``build_books``."""
    if not config.get("booklets"):
        return None
    from ..catalogue import load_catalogue

    catalogue = load_catalogue(config)
    named_books(config, catalogue)
    return catalogue


def current(config: dict[str, Any], kind: str) -> list[Result] | None:
    """The books of ``kind`` as last built, when nothing they are made from has changed; else None."""
    options = booklet_options(config)
    record = _read_record(Path(config.get("root", ".")) / options["output"] / f".{kind}.json")
    if record.get("key") != _key(config, kind, options):
        return None
    results = [_result(item) for item in record.get("results", [])]
    return results if all(r.pdf.is_file() and (r.imposed is None or r.imposed.is_file()) for r in results) else None


def _key(config: dict[str, Any], kind: str, options: dict[str, Any]) -> str:
    """A digest of what the books of ``kind`` are made from; empty when there are none to make."""
    from . import _essays_digest, _sources_key

    wanted = options.get("chapter_pdfs", True) if kind == "chapters" else bool(config.get("booklets"))
    if not wanted:
        return ""
    known = editions(config)
    essays = _essays_digest(config)
    return "".join(_sources_key(config, known[code], essays, options) for code in known)


def build_books(config: dict[str, Any], kind: str, *, force: bool = False, quiet: bool = False,
                catalogue: list[Any] | None = None) -> list[Result]:
    """Make the books of ``kind`` that changed, in every edition; every book's results. The
    chapters are cut from the handbook's volumes, built here when they are not up to date.
    ``catalogue``: the essays' catalogue when already read (else read here, if anything changed)."""
    fresh = None if force else current(config, kind)
    if fresh is not None:
        return fresh
    options = booklet_options(config)
    out_root = Path(config.get("root", ".")) / options["output"]
    key = _key(config, kind, options)
    results: list[Result] = []
    if key and kind == "chapters":
        from . import build
        from .chapters import plan

        handbook = build(config, copy_to_site=False, quiet=True)
        results = make(plan(config, options, out_root, handbook), options, force=force, quiet=quiet)
    elif key:
        from ..catalogue import load_catalogue

        chapters = catalogue if catalogue is not None else load_catalogue(config)
        results = typeset(config, named_books(config, chapters), list(editions(config)), options, out_root, force=force, quiet=quiet)
    record_file = out_root / f".{kind}.json"
    _remove_gone(_read_record(record_file), results, out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    write_atomic(record_file, json.dumps({"key": key, "results": [_item(r) for r in results]}, ensure_ascii=False, indent=1) + "\n")
    return results


def typeset(config: dict[str, Any], books: list[tuple[Book, list[Any]]], codes: list[str], options: dict[str, Any],
            out_root: Path, *, force: bool = False, quiet: bool = False) -> list[Result]:
    """Typeset ``books`` in the editions ``codes`` (the volumes whose inputs changed); their results.
    A book's cover is dated by its own essays (``build_date``), so an essay dated later than the
    rest changes only the books that hold it."""
    known = editions(config)
    dates = [build_date(getattr(e, "essay", e) for chapter in chapters for e in chapter.essays) for _, chapters in books]
    volumes = [(book.stem, volume) for code in codes for (book, chapters), date in zip(books, dates)
               for volume in plan_book(book, chapters, config, known[code], options, out_root / code,
                                       out_root / code / ".books" / book.stem, date)]
    return make(volumes, options, force=force, quiet=quiet)


def make(volumes: list[tuple[str, _Volume]], options: dict[str, Any], *, force: bool = False, quiet: bool = False) -> list[Result]:
    """Typeset the planned ``volumes`` (each with its book's stem) whose inputs changed; all their results."""
    todo = [volume for _, volume in volumes if force or not _fresh(volume)]
    restamp(volume for _, volume in volumes if volume not in todo)
    done = _typeset_all(todo, options, _jobs(options, len(todo)))
    results = []
    for stem, volume in volumes:
        pages, seconds = done.get(volume) or (int(volume.previous[1]), 0.0)
        results.append(Result(volume.edition.code, volume.pdf, volume.imposed, pages, volume in done, seconds, [],
                              volume.number, volume.count, volume.data_file, stem, volume.essays))
    if not quiet and todo:
        shown = sorted({r.pdf.name for r in results if r.built})
        print(f"booklet: {len(shown)} PDF{'s' if len(shown) > 1 else ''} typeset ({', '.join(shown[:4])}{' …' if len(shown) > 4 else ''})",
              file=sys.stderr)
    return results


def one_off(config: dict[str, Any], spec: dict[str, Any], codes: list[str], *, quiet: bool = False) -> list[Result]:
    """A booklet asked for once (``handbook booklet --essays … --title … --file …``): typeset in
    ``codes`` into the booklets' folder, not published."""
    from ..catalogue import load_catalogue

    options = booklet_options(config)
    chapters = load_catalogue(config, keep=may_hold(spec))
    selection = select(chapters, spec, spec["file"])
    book = Book(spec["file"], spec["title"], spec.get("subtitle") or "", spec.get("layout") or "book")
    return typeset(config, [(book, selection)], codes, options, Path(config.get("root", ".")) / options["output"], quiet=quiet)


def named_listing(config: dict[str, Any], edition: str) -> list[dict[str, Any]]:
    """The named booklets of ``edition`` as last built, in handbook.yml's order: title, essays,
    pages and files (the home page lists them)."""
    out_root = Path(config.get("root", ".")) / booklet_options(config)["output"]
    results = [_result(item) for item in _read_record(out_root / ".named.json").get("results", [])]
    listing = []
    for spec in config.get("booklets") or []:
        mine = [r for r in results if r.book == spec["file"] and r.edition == edition]
        if mine:
            listing.append({"title": spec["title"], "subtitle": spec.get("subtitle") or "", "essays": sum(r.essays for r in mine),
                            "pages": sum(r.pages for r in mine), "files": [(r.pdf.name, r.imposed.name if r.imposed else None) for r in mine]})
    return listing


def publish_all(config: dict[str, Any], results: list[Result], *, quiet: bool = False) -> None:
    """Copy every book's PDFs into the sites' ``downloads/`` and remove those of books gone."""
    publish(config, [r for r in results if r.book == MAIN_BOOK.stem], quiet=quiet)
    root = Path(config.get("root", "."))
    for code in editions(config):
        site_dir = root / str((config["editions"][code] or {}).get("site_dir", ""))
        for result in results:
            if result.book != MAIN_BOOK.stem and result.edition == code:
                result.copied = copy_into_site(result, site_dir)
        downloads = site_dir / "downloads"
        remove_leftovers(downloads)
        ours = {p.name for r in results if r.edition == code for p in (r.pdf, r.imposed) if p}
        if downloads.is_dir():
            for path in downloads.glob(f"*-{code}*.pdf"):
                if path.name not in ours:
                    path.unlink()


def _remove_gone(record: dict[str, Any], results: list[Result], out_root: Path) -> None:
    """The files of books built before and not now (a booklet taken out of handbook.yml, a chapter gone)."""
    now = {str(p) for r in results for p in (r.pdf, r.imposed, r.data) if p}
    for item in record.get("results", []):
        old = _result(item)
        for path in (old.pdf, old.imposed):
            if path and str(path) not in now:
                path.unlink(missing_ok=True)
        if old.data and str(old.data) not in now:
            remove_data(old.data)
        stems = {r.book for r in results if r.edition == old.edition}
        if old.book not in stems:
            shutil.rmtree(out_root / old.edition / ".books" / old.book, ignore_errors=True)


def _item(result: Result) -> dict[str, Any]:
    return {"edition": result.edition, "book": result.book, "pdf": str(result.pdf), "imposed": str(result.imposed) if result.imposed else None,
            "pages": result.pages, "volume": result.volume, "volumes": result.volumes, "data": str(result.data) if result.data else None,
            "essays": result.essays}


def _result(item: dict[str, Any]) -> Result:
    return Result(item["edition"], Path(item["pdf"]), Path(item["imposed"]) if item.get("imposed") else None, int(item["pages"]),
                  False, 0.0, [], int(item["volume"]), int(item["volumes"]), Path(item["data"]) if item.get("data") else None,
                  item["book"], int(item.get("essays") or 0))


def _read_record(path: Path) -> dict[str, Any]:
    """A record as written, or nothing (a missing or damaged record means: build again)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return record if isinstance(record, dict) and isinstance(record.get("results"), list) else {}
    except (OSError, ValueError):
        return {}
