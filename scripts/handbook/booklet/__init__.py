"""The print booklet: one PDF per edition (A5, or A4) and its imposed saddle-stitch print file;
an edition of more than ``booklet.volume_max_essays`` essays is printed in several volumes.

``build(config)`` exports the catalogue's chapters and essays as JSON (``data.py``), typesets them
with Typst (``handbook.typ``) and imposes the result (``impose.py``). Outputs go to
``build/booklet/<edition>/``; when an edition's site folder exists (the site is built first), the
PDFs are copied into its ``downloads/`` folder, where the home page links them:

    build/booklet/zh-Hans/handbook-zh-Hans.pdf          → site/downloads/
    build/booklet/zh-Hans/handbook-zh-Hans-booklet.pdf  → site/downloads/
    build/booklet/zh-Hant/handbook-zh-Hant.pdf          → site/zh-Hant/downloads/ …

Volumes: Typst holds a whole document in memory (~2 MB per essay), so an edition of more essays
than ``volume_max_essays`` (default 300) is split into volumes at chapter boundaries
(``data.plan_volumes``), each a complete book typeset by its own Typst run, written as
``handbook-<edition>-1.pdf``, ``-1-booklet.pdf``, ``-2.pdf`` … Volumes are typeset side by side in
``booklet.jobs`` worker processes (default: 2, or fewer cores), each process ending after its
volume so its memory goes back to the system. Files of volumes that no longer exist are removed.

A volume is skipped when its data, the template, the options and the Typst version are those of
its last build (a hash kept next to the outputs), and the whole edition without loading anything
when the essays' files, the configuration and the code are unchanged; the copy into the site is
made every time, because ``mkdocs build`` empties the site folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Iterator, Sequence

import pikepdf

from ..files import copy_atomic, write_atomic
from ..forked import ProcessDied, each_forked
from .data import NO_DATE, PAPERS, Edition, booklet_options, build_date, editions, export, page_names, plan_volumes, volume_names
from .impose import SHEETS, impose

TEMPLATE = Path(__file__).with_name("handbook.typ")
IMPOSE_SOURCE = Path(__file__).with_name("impose.py")
PIECES_SOURCE = Path(__file__).with_name("pieces.py")
# What a volume's data is made by (``export`` and the OpenCC conversion it calls).
EXPORT_CODE = (Path(__file__).with_name("data.py"), Path(__file__).parents[1] / "script.py")
SOURCES_STAMP = ".sources.sha256"


class BookletError(RuntimeError):
    """The booklet cannot be built; the message says why and what to do."""


@dataclass
class Result:
    edition: str
    pdf: Path
    imposed: Path | None
    pages: int
    built: bool          # False: up to date, nothing typeset
    seconds: float
    copied: list[Path]
    volume: int = 1      # this volume's number, 1 … volumes
    volumes: int = 1
    data: Path | None = None  # the JSON the volume was typeset from (data.json, data-2.json …)
    book: str = "handbook"    # the book's file name stem
    essays: int = 0           # essays in this volume
    key: str = ""             # the digest of what the volume is typeset from (``_Volume.key``)
    starts: list[int] | None = None  # each essay's first page, as an index into the PDF's pages, when known


@dataclass(eq=False)
class _Volume:
    """One volume to typeset: its paths, its data and the digest of everything that shapes it."""
    edition: Edition
    number: int
    count: int
    out: Path
    pdf: Path
    imposed: Path | None
    stamp: Path
    data_file: Path
    payload: str = ""
    key: str = ""
    title: str = ""
    essays: int = 0
    date: dt.date | None = None  # the cover's date and the PDF's creation date
    previous: list[str] = field(default_factory=list)
    inputs: str = ""   # the digest of what its data is exported from (``_inputs``)
    cut: dict[str, Any] | None = None  # a chapter PDF: the volume's pages put after the typeset front (chapters.assemble)
    data: dict[str, Any] | None = None  # the data ``payload`` is made of, when it was made in this process
    exported: dict[str, Any] | None = None  # how ``data`` was made and of which pages (``_exported_before``)
    cuts: list[dict[str, Any]] = field(default_factory=list)  # chapter PDFs to cut from it once typeset (``chapters.cuts``)

    @property
    def starts(self) -> list[int] | None:
        return _stamped_starts(self.previous)


def _stamped_starts(stamp: list[str]) -> list[int] | None:
    """Each essay's first page as a volume's stamp keeps them (its fourth field), when it does."""
    kept = stamp[3:4]
    return [int(n) for n in kept[0].split(",") if n] if kept and kept[0] != "-" else None


def build(config: dict[str, Any], edition: str | None = None, *, paper: str | None = None,
          force: bool = False, chapters: Iterable[Any] | None = None, out_dir: Path | None = None,
          copy_to_site: bool = True, quiet: bool = False) -> list[Result]:
    """Build one edition (``"zh-Hans"``, ``"zh-Hant"``) or, with ``edition=None``, all of them.
    Returns one result per volume, edition by edition.

    ``chapters`` defaults to ``handbook.catalogue.load_catalogue(config)``, the site's order.
    """
    options = booklet_options({**config, "booklet": {**(config.get("booklet") or {}), **({"paper": paper} if paper else {})}})
    root = Path(config.get("root", "."))
    known = editions(config)
    codes = list(known) if edition is None else [edition]
    for code in codes:
        if code not in known:
            raise BookletError(f"no edition {code!r} in handbook.yml (known: {', '.join(known)})")
    out_root = Path(out_dir) if out_dir else root / options["output"]
    keys: dict[str, str] = {}
    if chapters is None:  # the catalogue is made from the essays' files: a digest of them says if anything changed
        keys, fresh = _current(config, codes, options, out_root)
        if fresh is not None and not force:
            return publish(config, fresh, copy_to_site=copy_to_site, quiet=quiet)
        from ..catalogue import load_catalogue

        chapters = load_catalogue(config)
    chapters = list(chapters)
    essays = [getattr(entry, "essay", entry) for chapter in chapters for entry in chapter.essays]
    if not essays:
        if not quiet:
            print("booklet: no essays yet (run `handbook clean` first); nothing built", file=sys.stderr)
        return []
    date = build_date(essays)
    volumes: dict[str, list[_Volume]] = {}
    for code in codes:
        out = out_root / code
        volumes[code] = plan_book(MAIN_BOOK, chapters, config, known[code], options, out, out, date)
        (out / SOURCES_STAMP).unlink(missing_ok=True)

    todo = [v for vs in volumes.values() for v in vs if force or not _fresh(v)]
    restamp(v for vs in volumes.values() for v in vs if v not in todo)
    if out_dir is None and options.get("chapter_pdfs", True) and not force:
        from .chapters import cuts

        for code in codes:
            cuts(volumes[code], set(todo))
    done = _typeset_all(todo, options, _jobs(options, len(todo)))
    results = []
    for code in codes:
        edition_results = []
        for volume in volumes[code]:
            pages, seconds = done.get(volume) or (int(volume.previous[1]), 0.0)
            edition_results.append(Result(code, volume.pdf, volume.imposed, pages, volume in done, seconds, [],
                                          volume.number, volume.count, volume.data_file, key=volume.key, starts=volume.starts))
        out = out_root / code
        _remove_stale(out, code, edition_results, extra=True)
        if keys.get(code):
            manifest = [keys[code]] + [f"{r.pdf.name} {r.pages}" for r in edition_results]
            (out / SOURCES_STAMP).write_text("\n".join(manifest) + "\n")
        results.extend(_publish(config, edition_results, root, copy_to_site, quiet))
    return results


@dataclass(frozen=True)
class Book:
    """What makes one printed book besides its essays: its file name stem, cover and layout."""
    stem: str
    title: str | None = None     # None: handbook.yml's title and subtitle
    subtitle: str | None = None
    layout: str = "book"         # or "handout": essays one after another, no blank pages


MAIN_BOOK = Book("handbook")


def plan_book(book: Book, chapters: list[Any], config: dict[str, Any], edition: Edition, options: dict[str, Any],
              out: Path, records: Path, date: dt.date | None) -> list[_Volume]:
    """The volumes of ``book`` (the essays of ``chapters``) in one edition, with the digest of
    everything that shapes each; PDFs go to ``out``, data and stamps to ``records``."""
    plan = plan_volumes([page_names(chapter.essays) for chapter in chapters], options["volume_max_essays"])
    found = []
    converted_by, typeset_by = _converted_by(edition), _typeset_by(options)
    cover = {**config, "title": book.title if book.title is not None else config.get("title", ""),
             "subtitle": book.subtitle if book.title is not None else config.get("subtitle", "")}
    for number, (parts, names) in enumerate(zip(plan, volume_names(edition.code, len(plan), book.stem)), start=1):
        single = len(plan) == 1
        volume = _Volume(edition, number, len(plan), out, out / names[0],
                         out / names[1] if options["impose"] else None,
                         records / (".inputs.sha256" if single else f".inputs-{number}.sha256"),
                         records / ("data.json" if single else f"data-{number}.json"))
        selection = [SimpleNamespace(name=chapters[index].name, essays=list(chapters[index].essays[first:end]))
                     for index, first, end in parts]
        volume.essays = sum(len(part.essays) for part in selection)
        volume.date = date
        volume.previous = volume.stamp.read_text().split() if volume.stamp.is_file() else []
        volume.inputs = _inputs(selection, cover, options, date, (number, len(plan)), parts, book, converted_by + typeset_by)
        if volume.previous[2:3] == [volume.inputs] and _made(volume):  # its data would be the same: not exported
            volume.key = volume.previous[0]
            found.append(volume)
            continue
        data = export(selection, cover, edition, paper=options["paper"], date=date,
                      volume=None if single else (number, len(plan)),
                      continued=[first > 0 for _, first, _ in parts], layout=book.layout,
                      known=_exported_before(volume.data_file, converted_by))
        volume.data = data
        volume.payload = json.dumps(data, ensure_ascii=False, sort_keys=True)  # no indent: the C encoder, ten times faster
        volume.exported = {"by": converted_by, "data": hashlib.sha256(volume.payload.encode()).hexdigest(),
                           "essays": [getattr(entry, "digest", "") for part in selection for entry in part.essays]}
        volume.title = imposed_title(data)
        volume.key = hashlib.sha256(hashlib.sha256(volume.payload.encode()).digest() + typeset_by.encode()).hexdigest()
        found.append(volume)
    return found


def _inputs(selection: list[Any], cover: dict[str, Any], options: dict[str, Any], date: dt.date | None,
            numbering: tuple[int, int], parts: list[tuple[int, int, int]], book: Book, made_by: str) -> str:
    """A digest of what a volume is made from: its essays (the digests their pages were read by),
    the configuration, the options, the date, its place among the volumes, and ``made_by``: what
    exports its data (``_converted_by``) and what typesets it (``_typeset_by``). Equal digests,
    equal volume: the export (Traditional conversion included) is skipped for every volume but
    the changed ones, and the volume is up to date."""
    essays = [getattr(entry, "digest", "") or repr(getattr(entry, "essay", entry)) for part in selection for entry in part.essays]
    return hashlib.sha256(json.dumps(
        [essays, [part.name for part in selection], {k: v for k, v in cover.items() if k != "root"},
         options, str(date), numbering, [first > 0 for _, first, _ in parts], repr(book), made_by],
        ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _converted_by(edition: Edition) -> str:
    """A digest of what turns an essay into its entry in a volume's data: the edition (its
    OpenCC conversion), OpenCC's version and the exporting code."""
    from importlib.metadata import version

    digest = hashlib.sha256(repr((edition, version("OpenCC"))).encode())
    for module in EXPORT_CODE:
        digest.update(module.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def typst_version() -> str:
    """The installed Typst's version, read from its package's metadata: importing Typst loads
    its 80 MB library, which a build that typesets nothing does not need."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("typst")
    except PackageNotFoundError:
        return ""


def _typeset_by(options: dict[str, Any]) -> str:
    """A digest of what makes a volume's PDFs of its data: the template, the code that puts its
    pieces together and imposes it, the options they read and Typst's version."""
    digest = hashlib.sha256()
    for part in (TEMPLATE.read_bytes(), IMPOSE_SOURCE.read_bytes(), PIECES_SOURCE.read_bytes(),
                 repr((options["paper"], options["impose"], options["piece_essays"], typst_version())).encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _exported_before(data_file: Path, converted_by: str) -> dict[str, dict[str, Any]]:
    """The essays of the volume's data in ``data_file``, by the digests of their pages, when that
    data is as its contents file says and was made the same way (``converted_by``): an essay
    whose page did not change is not converted and exported again (the Traditional conversion
    of a 300-essay volume takes half a second). Else nothing: every essay is exported."""
    try:
        exported = json.loads(contents_file(data_file).read_text(encoding="utf-8"))["exported"]
        payload = data_file.read_text(encoding="utf-8").strip()
        if exported["by"] != converted_by or hashlib.sha256(payload.encode()).hexdigest() != exported["data"]:
            return {}
        essays = [essay for chapter in json.loads(payload)["chapters"] for essay in chapter["essays"]]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {digest: essay for digest, essay in zip(exported["essays"], essays) if digest} if len(essays) == len(exported["essays"]) else {}


def imposed_title(data: dict[str, Any]) -> str:
    """The title of a book's imposed print file: 书名（简体版，第一册，骑马订拼版）."""
    return f"{data['title']}（{data['edition_label']}，{(data['volume'] + '，') if data['volume'] else ''}{data['labels']['imposed']}）"


def current(config: dict[str, Any]) -> list[Result] | None:
    """Every edition's volumes as last built, when nothing they are made from has changed since
    (known without loading the catalogue); else None: ``build`` has work to do."""
    options = booklet_options(config)
    return _current(config, list(editions(config)), options, Path(config.get("root", ".")) / options["output"])[1]


def _current(config: dict[str, Any], codes: list[str], options: dict[str, Any], out_root: Path
             ) -> tuple[dict[str, str], list[Result] | None]:
    """The sources digest per edition, and the editions' up-to-date results (None if any is not)."""
    known = editions(config)
    essays = _essays_digest(config)  # once for every edition, not once per edition
    keys = {code: _sources_key(config, known[code], essays, options) for code in codes}
    fresh = [_up_to_date(out_root / code, known[code], options, keys[code]) for code in codes]
    if essays == _NO_ESSAYS or not all(fresh):
        return keys, None
    return keys, [result for results in fresh for result in results]


_NO_ESSAYS = hashlib.sha256().digest()


def _essays_digest(config: dict[str, Any]) -> bytes:
    """A digest of the essays' files, names and contents (``catalogue.essay_digests``: a no-op
    ``make`` reads none of them)."""
    from ..catalogue import essay_digests

    essays = hashlib.sha256()
    for name, digest in essay_digests(config):
        essays.update(name.encode() + b"\0" + bytes.fromhex(digest))
    return essays.digest()


def publish(config: dict[str, Any], results: list[Result], *, copy_to_site: bool = True, quiet: bool = False) -> list[Result]:
    """Copy the PDFs of ``results`` (any editions) into their sites' ``downloads/`` and say what was done."""
    root = Path(config.get("root", "."))
    by_edition: dict[str, list[Result]] = {}
    for result in results:
        by_edition.setdefault(result.edition, []).append(result)
    return [r for group in by_edition.values() for r in _publish(config, group, root, copy_to_site, quiet)]


def _fresh(volume: _Volume) -> bool:
    return volume.previous[:1] == [volume.key] and len(volume.previous) >= 2 and _made(volume)


def restamp(volumes: Iterable[_Volume]) -> None:
    """Record the new inputs of the ``volumes`` that are up to date but were exported again, their
    inputs having changed (the exporting code, say) and their data not: else every later build
    exports them again, hundreds of essays converted to Traditional for each."""
    for volume in volumes:
        if volume.data is not None and volume.previous[2:3] != [volume.inputs] and _fresh(volume):
            starts = volume.starts
            _write_data(volume)
            _record(volume, int(volume.previous[1]), starts)


def _made(volume: _Volume) -> bool:
    return all(p.is_file() for p in (volume.pdf, volume.imposed, volume.data_file) if p)


def _jobs(options: dict[str, Any], volumes: int) -> int:
    """How many Typst runs at once: ``booklet.jobs``, else 2 (each holds one volume in memory),
    never more than the cores or the volumes to typeset."""
    wanted = options.get("jobs") or 2
    return max(1, min(int(wanted), os.cpu_count() or 1, volumes))


def _typeset_all(todo: list[_Volume], options: dict[str, Any], jobs: int) -> dict[_Volume, tuple[int, float]]:
    """Typeset and impose the volumes, ``jobs`` at a time; (pages, seconds) per volume."""
    done: dict[_Volume, tuple[int, float]] = {}
    tasks = []
    for volume in todo:
        volume.out.mkdir(parents=True, exist_ok=True)
        if not volume.payload:  # not exported again, its data being the same (``plan_book``), but typeset again (``--force``)
            volume.payload = volume.data_file.read_text(encoding="utf-8").strip()
        _write_data(volume)
        tasks.append(dict(payload=volume.payload, pdf=str(volume.pdf), imposed=str(volume.imposed) if volume.imposed else None,
                          title=volume.title, date=volume.date or NO_DATE, paper=options["paper"],
                          threads=max(1, (os.cpu_count() or 1) // jobs), cut=volume.cut, data=volume.data,
                          pieces=options["piece_essays"], kept=str(pieces_folder(volume.data_file)),
                          cuts=volume.cuts, key=volume.key, edition=volume.edition, options=options))
    outcomes = each_forked(_typeset, tasks, jobs)  # Typst never runs in this process: see handbook.forked
    for volume, outcome in zip(todo, outcomes):
        if isinstance(outcome, ProcessDied):
            raise BookletError(f"the process typesetting {volume.pdf.name} {outcome}")
        label = volume.edition.code + (f" {volume.number}/{volume.count}" if volume.count > 1 else "")
        for message in outcome["warnings"]:
            print(f"booklet {label}: typst warning: {message}", file=sys.stderr)
        if outcome["fallbacks"]:
            print(f"booklet {label}: Noto CJK lacks some characters; Typst fell back to {', '.join(outcome['fallbacks'])}",
                  file=sys.stderr)
        _record(volume, outcome["pages"], outcome["starts"])
        done[volume] = (outcome["pages"], outcome["seconds"])
    return done


def _write_data(volume: _Volume) -> None:
    """Write the data a volume is typeset from (and its contents file, when the data was made
    here), its stamp removed until it is typeset."""
    volume.stamp.parent.mkdir(parents=True, exist_ok=True)
    volume.stamp.unlink(missing_ok=True)
    write_atomic(volume.data_file, volume.payload + "\n")
    if volume.data:
        contents = [{**chapter, "essays": [{k: v for k, v in essay.items() if k != "blocks"} for essay in chapter["essays"]]}
                    for chapter in volume.data["chapters"]]
        write_atomic(contents_file(volume.data_file), json.dumps({**volume.data, "chapters": contents, "exported": volume.exported},
                                                                 ensure_ascii=False))


def _record(volume: _Volume, pages: int, starts: list[int] | None) -> None:
    """Stamp a typeset volume: the data's digest, the page count, the data's inputs' digest, each
    essay's first page."""
    volume.previous = [volume.key, str(pages), volume.inputs or "-", ",".join(map(str, starts)) if starts is not None else "-"]
    volume.stamp.write_text(" ".join(volume.previous) + "\n")


def _typeset(task: dict[str, Any]) -> dict[str, Any]:
    """Typeset one volume (or a chapter's front matter, followed by the volume's pages it names)
    and impose it, in a process forked for it (see ``_typeset_all``); then the chapter PDFs cut
    from it that ``task["cuts"]`` names (``chapters.cut_from``)."""
    # Typst lays out on a thread per core; with ``jobs`` runs side by side, more threads than the
    # cores each is given only add CPU time. Read when its first compile starts its threads.
    os.environ.setdefault("RAYON_NUM_THREADS", str(task["threads"]))
    import typst

    started = time.perf_counter()
    day = task["date"]
    compiler = typst.Compiler(str(TEMPLATE))
    messages: list[str] = []

    def compile(data: str | dict[str, Any], day: dt.date = day) -> bytes:
        payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True)
        timestamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        try:
            pdf_bytes, warnings = compiler.compile_with_warnings(format="pdf", sys_inputs={"data": payload}, timestamp=timestamp)
        except typst.TypstError as error:  # a template bug, not a data problem: say where
            raise BookletError(f"Typst failed on {TEMPLATE.name}: {getattr(error, 'diagnostic', error)}") from error
        messages.extend(str(getattr(w, "message", w)) for w in warnings if str(getattr(w, "message", w)) not in messages)
        return pdf_bytes

    data = task["data"] or json.loads(task["payload"])
    if task["pieces"] and not data.get("front") and data.get("layout", "book") == "book":
        from . import pieces

        salt = hashlib.sha256(TEMPLATE.read_bytes() + typst_version().encode()).digest()
        pdf_bytes = pieces.typeset(compile, data, task["pieces"], Path(task["kept"]), salt)
    else:
        pdf_bytes = compile(task["payload"])
    fonts = [m for m in messages if "font" in m.lower()]
    if fonts:
        raise BookletError(
            f"{fonts[0]}: the booklet needs Noto Serif CJK and Noto Sans CJK "
            "(Debian: fonts-noto-cjk; `scripts/system-deps.sh build` installs it)")
    from .chapters import assemble, cut_from, essay_starts

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    if task["cut"]:
        pdf_bytes = assemble(pdf, task["cut"])
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    fallbacks = _write_pdf(pdf, pdf_bytes, task["pdf"], task["imposed"], task["title"], day, task["paper"])
    starts = essay_starts(pdf)
    if task.get("cuts"):
        def make(chapter: _Volume, volume: pikepdf.Pdf) -> None:
            _write_data(chapter)
            made = assemble(pikepdf.open(io.BytesIO(compile(chapter.payload, chapter.date or NO_DATE))), chapter.cut, volume)
            cut = pikepdf.open(io.BytesIO(made))
            fallbacks.update(_write_pdf(cut, made, chapter.pdf, chapter.imposed, chapter.title, chapter.date or NO_DATE, task["paper"]))
            _record(chapter, len(cut.pages), essay_starts(cut))

        cut_from(pdf, task, starts, make)
    return {"pages": len(pdf.pages), "warnings": messages, "fallbacks": sorted(fallbacks), "starts": starts,
            "seconds": time.perf_counter() - started}


def _write_pdf(pdf: pikepdf.Pdf, pdf_bytes: bytes, path: str | Path, imposed: str | Path | None, title: str, day: dt.date,
               paper: str) -> set[str]:
    """Write a typeset PDF (``pdf``, read from ``pdf_bytes``) and its imposed print file; the
    fonts it uses other than Noto CJK."""
    write_atomic(Path(path), pdf_bytes)
    if imposed:
        impose(pdf_bytes, Path(imposed), title=title, date=day, sheet_size=SHEETS.get(paper))
    return {name for name in fonts_used(pdf) if not name.startswith(("NotoSerifCJK", "NotoSansCJK"))}


def pieces_folder(data_file: Path) -> Path:
    """Where the pieces of the volume typeset from ``data_file`` are kept (``pieces.py``)."""
    return data_file.with_name(f".{data_file.stem}.pieces")


def contents_file(data_file: Path) -> Path:
    """``data_file`` without the essays' text: what the chapter PDFs are planned from, a
    hundredth of the size to read."""
    return data_file.with_name(f".{data_file.stem}.contents.json")


def remove_data(data_file: Path) -> None:
    """Remove a volume's data, its contents and its pieces."""
    data_file.unlink(missing_ok=True)
    contents_file(data_file).unlink(missing_ok=True)
    shutil.rmtree(pieces_folder(data_file), ignore_errors=True)


def _remove_stale(folder: Path, code: str, results: list[Result], extra: bool = False) -> None:
    """Remove the edition's PDFs in ``folder`` that are not among ``results`` (volumes of an
    earlier, larger build, or the single-volume files once there are volumes); with ``extra``,
    their data and stamps too."""
    if not folder.is_dir():
        return
    keep = {p.name for r in results for p in (r.pdf, r.imposed, r.data) if p}
    keep |= {f".inputs-{r.volume}.sha256" for r in results if r.volumes > 1}
    pattern = re.compile(rf"handbook-{re.escape(code)}(-\d+)?(-booklet)?\.pdf")
    stale = [p for p in folder.iterdir() if p.name not in keep and pattern.fullmatch(p.name)]
    if extra:
        stale += [p for p in folder.iterdir() if p.name not in keep and re.fullmatch(r"data-\d+\.json|\.inputs-\d+\.sha256", p.name)]
        if len(results) > 1:
            stale += [p for p in (folder / "data.json", folder / ".inputs.sha256") if p.exists()]
    for path in stale:
        if path.suffix == ".json":
            remove_data(path)
        else:
            path.unlink(missing_ok=True)


def _publish(config: dict[str, Any], results: list[Result], root: Path, copy_to_site: bool, quiet: bool) -> list[Result]:
    """Copy an edition's PDFs into its site folder (removing other volumes' files there) and say
    what was done."""
    if not results:
        return results
    code = results[0].edition
    if copy_to_site:
        site_dir = root / str((config["editions"][code] or {}).get("site_dir", ""))
        for result in results:
            result.copied = copy_into_site(result, site_dir)
        if results[0].copied:
            _remove_stale(site_dir / "downloads", code, results)
    if not quiet:
        built = [r for r in results if r.built]
        if len(results) == 1:
            what = f"{built[0].pages} pages, {built[0].pdf.stat().st_size // 1024} KB, {built[0].seconds:.2f} s" if built else "up to date"
            name = _shown(results[0].pdf, root)
        else:
            what = (f"{len(built)} typeset ({sum(r.pages for r in built)} pages, {max(r.seconds for r in built):.1f} s the longest), "
                    f"{len(results) - len(built)} up to date") if built else "up to date"
            name = f"{_shown(results[0].pdf, root)} … {results[-1].pdf.name}, {len(results)} volumes"
        copied = results[0].copied
        where = f"; copied to {copied[0].parent.relative_to(root) if copied[0].is_relative_to(root) else copied[0].parent}" if copied else ""
        print(f"booklet {code}: {name} ({what}){where}", file=sys.stderr)
    return results


def _shown(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def _up_to_date(out: Path, edition: Edition, options: dict[str, Any], sources_key: str | None) -> list[Result] | None:
    """The edition's volumes from its last build, when their sources digest is ``sources_key`` and
    their outputs exist; else None."""
    stamp = out / SOURCES_STAMP
    lines = stamp.read_text().splitlines() if stamp.is_file() else []
    if not sources_key or len(lines) < 2 or lines[0].strip() != sources_key:
        return None
    results = []
    for number, line in enumerate(lines[1:], start=1):
        name, _, pages = line.rpartition(" ")
        pdf = out / name
        imposed = pdf.with_name(pdf.stem + "-booklet.pdf") if options["impose"] else None
        single = len(lines) == 2
        data = out / ("data.json" if single else f"data-{number}.json")
        if not all(p.is_file() for p in (pdf, imposed, data) if p) or not pages.isdigit():
            return None
        volume = out / (".inputs.sha256" if single else f".inputs-{number}.sha256")
        fields = volume.read_text().split() if volume.is_file() else []
        results.append(Result(edition.code, pdf, imposed, int(pages), False, 0.0, [], number, len(lines) - 1, data,
                              key=fields[0] if fields else "", starts=_stamped_starts(fields)))
    return results


def _sources_key(config: dict[str, Any], edition: Edition, essays: bytes, options: dict[str, Any]) -> str:
    """A digest of what the catalogue, ``export`` and the typesetting read: the essays' files
    (``essays``, a digest of their names and contents),
    the configuration, the package's code and template, the options, SOURCE_DATE_EPOCH and the
    versions. Cheap next to loading the catalogue and exporting it (which converts and serialises
    every essay: ~85 % of a no-op ``make`` at 1,000 essays), so an unchanged booklet is recognised
    without either."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in config.items() if k != "root"}, sort_keys=True, default=str,
                             ensure_ascii=False).encode())
    digest.update(repr((edition, sorted(options.items()), os.environ.get("SOURCE_DATE_EPOCH"),
                        typst_version(), version("OpenCC"))).encode())
    digest.update(essays)
    package = Path(__file__).resolve().parents[1]
    for source in [*sorted(package.rglob("*.py")), TEMPLATE]:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def copy_into_site(result: Result, site_dir: Path) -> list[Path]:
    """Copy the edition's PDFs into ``<site_dir>/downloads/`` when the site has been built."""
    if not site_dir.is_dir() or not (site_dir / "index.html").is_file():
        return []
    copied = []
    for source in (result.pdf, result.imposed):
        if source is None:
            continue
        target = site_dir / "downloads" / source.name
        copy_atomic(source, target)  # skipped when unchanged: at 10,000 essays the PDFs are 1.4 GB
        copied.append(target)
    return copied


def _option_problem(problem: dict[str, Any]) -> str:
    """One validation problem of a booklet asked for on the command line, in the options' words.

    >>> _option_problem({"loc": ("title",), "type": "missing", "msg": "Field required"})
    '--title is required'
    >>> _option_problem({"loc": (), "type": "value_error", "msg": "Value error, a booklet needs at least one of chapters, essays"})
    'a booklet needs at least one of --chapters, --essays'
    """
    if problem["type"] == "missing":
        return f"--{problem['loc'][0]} is required"
    message = problem["msg"].removeprefix("Value error, ")
    if not problem["loc"]:  # the selection as a whole
        return re.sub(r"\b(chapters|essays|words|since|until)\b", r"--\1", message)
    return f"--{problem['loc'][0]}: {message}"


def main(argv: Sequence[str] | None = None, config: dict[str, Any] | None = None) -> int:
    """``handbook booklet [--edition E] [--paper A5|A4] [--force]`` builds every book (the
    handbook, the chapters, the named booklets); with a selection (``--essays``, ``--chapters``,
    ``--words``, ``--since``, ``--until``) and ``--title`` and ``--file``, one booklet for a class
    and nothing else. ``config`` defaults to the handbook.yml found from the working folder up."""
    from pydantic import ValidationError

    from ..config import NamedBooklet, load
    from . import books

    parser = argparse.ArgumentParser(prog="handbook booklet", description="Build the print booklets (PDF and imposed print file): "
                                     "the handbook, one per chapter and the booklets of handbook.yml; or, given a selection, "
                                     "one booklet of the essays it selects.")
    parser.add_argument("--edition", help="build only this edition (default: all in handbook.yml)")
    parser.add_argument("--paper", type=str.upper, choices=sorted(PAPERS), help="page size (default: booklet.paper in handbook.yml, else A5)")
    parser.add_argument("--force", action="store_true", help="typeset even when nothing changed")
    one = parser.add_argument_group("one booklet for a class (written to build/booklet/<edition>/<FILE>-<edition>.pdf)")
    one.add_argument("--essays", nargs="+", default=[], metavar="SEED", help="seed file names of essays it holds")
    one.add_argument("--chapters", nargs="+", default=[], metavar="NAME", help="chapters whose essays it holds")
    one.add_argument("--words", nargs="+", default=[], metavar="WORD", help="it holds the essays whose title or text holds one of these")
    one.add_argument("--since", metavar="YYYY-MM-DD", help="only essays dated on or after this day")
    one.add_argument("--until", metavar="YYYY-MM-DD", help="only essays dated on or before this day")
    one.add_argument("--title", help="the cover's title")
    one.add_argument("--subtitle", default="", help="the cover's second line")
    one.add_argument("--file", metavar="STEM", help="file name stem (ASCII letters, digits, - and _)")
    one.add_argument("--layout", choices=("book", "handout"), default="book", help="book (default) or handout: no blank pages")
    args = parser.parse_args(argv)
    config = config or load()
    if args.paper:
        config = {**config, "booklet": {**config["booklet"], "paper": args.paper}}
    codes = [args.edition] if args.edition else list(editions(config))
    if args.edition and args.edition not in editions(config):
        print(f"booklet: no edition {args.edition!r} in handbook.yml (known: {', '.join(editions(config))})", file=sys.stderr)
        return 2
    spec = {key: getattr(args, key) for key in ("title", "subtitle", "file", "chapters", "essays", "words", "since", "until", "layout")}
    if any(spec[key] for key in ("chapters", "essays", "words", "since", "until", "title", "file")):
        try:
            spec = NamedBooklet.model_validate({k: v for k, v in spec.items() if v not in (None, "", [])}).model_dump()
            results = books.one_off(config, spec, codes)
        except ValidationError as error:
            print(f"booklet: {_option_problem(error.errors()[0])}", file=sys.stderr)
            return 2
        except BookletError as error:
            print(f"booklet: {error}", file=sys.stderr)
            return 2
        for result in results:
            print(f"booklet {spec['file']} {result.edition}: {result.pdf} ({result.essays} essays, {result.pages} pages)", file=sys.stderr)
        return 0
    try:
        results = build(config, args.edition, force=args.force, copy_to_site=False)
        for kind in books.KINDS:
            results += books.build_books(config, kind, force=args.force)
        books.publish_all(config, results)
    except (BookletError, ValueError) as error:
        print(f"booklet: {error}", file=sys.stderr)
        return 1
    return 0


def fonts_used(pdf: pikepdf.Pdf) -> set[str]:
    """The fonts a PDF's pages use, without their subset prefix (``NotoSerifCJKsc-Regular``)."""
    names = set()
    for page in pdf.pages:
        for font in page.resources.get("/Font", {}).values():
            names.add(str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1])
    return names


__all__ = ["BookletError", "Result", "build", "main"]
