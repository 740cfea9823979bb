"""The print booklet: one PDF per edition (A5, or A4) and its imposed saddle-stitch print file.

``build(config)`` exports the catalogue's chapters and essays as JSON (``data.py``), typesets them
with Typst (``handbook.typ``) and imposes the result (``impose.py``). Outputs go to
``build/booklet/<edition>/``; when an edition's site folder exists (the site is built first), the
two PDFs are copied into its ``downloads/`` folder, where the home page links them:

    build/booklet/zh-Hans/handbook-zh-Hans.pdf          → site/downloads/
    build/booklet/zh-Hans/handbook-zh-Hans-booklet.pdf  → site/downloads/
    build/booklet/zh-Hant/handbook-zh-Hant.pdf          → site/zh-Hant/downloads/ …

A build is skipped when the data, the template, the options and the Typst version are those of
the last build (a hash kept next to the outputs); the copy into the site is made every time,
because ``mkdocs build`` empties the site folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from pypdf import PdfReader

from ..files import write_atomic
from .data import NO_DATE, PAPERS, Edition, booklet_options, build_date, editions, export
from .impose import SHEETS, impose

TEMPLATE = Path(__file__).with_name("handbook.typ")
IMPOSE_SOURCE = Path(__file__).with_name("impose.py")


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


def build(config: dict[str, Any], edition: str | None = None, *, paper: str | None = None,
          force: bool = False, chapters: Iterable[Any] | None = None, out_dir: Path | None = None,
          copy_to_site: bool = True, quiet: bool = False) -> list[Result]:
    """Build one edition (``"zh-Hans"``, ``"zh-Hant"``) or, with ``edition=None``, all of them.

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
        folder = root / config["paths"]["essays"]
        files = sorted(folder.glob("*.md"))
        keys = {code: _sources_key(config, known[code], files, options) for code in codes}
        fresh = [_up_to_date(out_root / code, known[code], options, keys[code]) for code in codes] if not force else []
        if files and fresh and all(fresh):
            return [_report(config, result, root, copy_to_site, quiet) for result in fresh]
        from ..catalogue import load_catalogue

        chapters = load_catalogue(config)
    chapters = list(chapters)
    essays = [getattr(entry, "essay", entry) for chapter in chapters for entry in chapter.essays]
    if not essays:
        if not quiet:
            print("booklet: no essays yet (run `handbook clean` first); nothing built", file=sys.stderr)
        return []
    date = build_date(essays)
    results = []
    for code in codes:
        result = build_edition(config, known[code], chapters, date, options, out_root / code, force, keys.get(code))
        results.append(_report(config, result, root, copy_to_site, quiet))
    return results


def _report(config: dict[str, Any], result: Result, root: Path, copy_to_site: bool, quiet: bool) -> Result:
    """Copy the edition's PDFs into its site folder and say what was done."""
    code = result.edition
    if copy_to_site:
        result.copied = copy_into_site(result, root / str((config["editions"][code] or {}).get("site_dir", "")))
    if not quiet:
        what = (f"{result.pages} pages, {result.pdf.stat().st_size // 1024} KB, {result.seconds:.2f} s"
                if result.built else "up to date")
        where = f"; copied to {', '.join(str(p.parent.relative_to(root)) for p in result.copied[:1])}" if result.copied else ""
        print(f"booklet {code}: {result.pdf.relative_to(root) if result.pdf.is_relative_to(root) else result.pdf} ({what}){where}", file=sys.stderr)
    return result


def _up_to_date(out: Path, edition: Edition, options: dict[str, Any], sources_key: str | None) -> Result | None:
    """The edition's last build, when its sources digest is ``sources_key`` and its outputs exist."""
    pdf = out / f"handbook-{edition.code}.pdf"
    imposed = out / f"handbook-{edition.code}-booklet.pdf" if options["impose"] else None
    stamp, sources_stamp = out / ".inputs.sha256", out / ".sources.sha256"
    previous = stamp.read_text().split() if stamp.is_file() else []
    if sources_key and len(previous) == 2 and all(p.is_file() for p in (pdf, imposed) if p) \
            and sources_stamp.is_file() and sources_stamp.read_text().strip() == sources_key:
        return Result(edition.code, pdf, imposed, int(previous[1]), False, 0.0, [])
    return None


def build_edition(config: dict[str, Any], edition: Edition, chapters: list[Any], date: dt.date | None,
                  options: dict[str, Any], out: Path, force: bool = False, sources_key: str | None = None) -> Result:
    """Typeset and impose one edition into ``out``, unless its inputs are unchanged.

    ``sources_key`` (from ``build``, when the chapters come from the essays' files) is recorded so
    the next build can tell the booklet is up to date without loading or exporting anything."""
    import typst

    pdf = out / f"handbook-{edition.code}.pdf"
    imposed = out / f"handbook-{edition.code}-booklet.pdf" if options["impose"] else None
    stamp = out / ".inputs.sha256"
    quick_stamp = out / ".sources.sha256"
    outputs = [p for p in (pdf, imposed) if p]
    previous = stamp.read_text().split() if stamp.is_file() else []
    quick = sources_key
    if not force and (done := _up_to_date(out, edition, options, quick)):
        return done

    data = export(chapters, config, edition, paper=options["paper"], date=date)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    digest = hashlib.sha256()
    for part in (payload.encode(), TEMPLATE.read_bytes(), IMPOSE_SOURCE.read_bytes(),
                 repr((options["paper"], options["impose"], getattr(typst, "__version__", ""))).encode()):
        digest.update(hashlib.sha256(part).digest())
    key = digest.hexdigest()
    if not force and previous[:1] == [key] and len(previous) == 2 and all(p.is_file() for p in outputs):
        if quick:
            quick_stamp.write_text(quick + "\n")
        return Result(edition.code, pdf, imposed, int(previous[1]), False, 0.0, [])
    quick_stamp.unlink(missing_ok=True)

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / "data.json").write_text(payload + "\n", encoding="utf-8")
    day = date or NO_DATE
    timestamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    try:
        compiler = typst.Compiler(str(TEMPLATE))
        pdf_bytes, warnings = compiler.compile_with_warnings(
            format="pdf", sys_inputs={"data": payload}, timestamp=timestamp)
    except typst.TypstError as error:  # a template bug, not a data problem: say where
        raise BookletError(f"Typst failed on {TEMPLATE.name}: {getattr(error, 'diagnostic', error)}") from error
    fonts = [w for w in warnings if "font" in str(getattr(w, "message", w)).lower()]
    if fonts:
        raise BookletError(
            f"{getattr(fonts[0], 'message', fonts[0])}: the booklet needs Noto Serif CJK and Noto Sans CJK "
            "(Debian: fonts-noto-cjk; `scripts/system-deps.sh build` installs it)")
    for warning in warnings:
        print(f"booklet {edition.code}: typst warning: {getattr(warning, 'message', warning)}", file=sys.stderr)
    write_atomic(pdf, pdf_bytes)
    reader = PdfReader(io.BytesIO(pdf_bytes))
    others = sorted(name for name in fonts_used(reader) if not name.startswith(("NotoSerifCJK", "NotoSansCJK")))
    if others:
        print(f"booklet {edition.code}: Noto CJK lacks some characters; Typst fell back to {', '.join(others)}",
              file=sys.stderr)
    if imposed:
        impose(reader, imposed, title=f"{data['title']}（{data['edition_label']}，{data['labels']['imposed']}）", date=day,
               sheet_size=SHEETS.get(options["paper"]))
    stamp.write_text(f"{key} {len(reader.pages)}\n")  # the inputs' digest and the page count
    if quick:
        quick_stamp.write_text(quick + "\n")
    return Result(edition.code, pdf, imposed, len(reader.pages), True, time.perf_counter() - started, [])


def _sources_key(config: dict[str, Any], edition: Edition, files: list[Path], options: dict[str, Any]) -> str:
    """A digest of what the catalogue, ``export`` and the typesetting read: the essays' files,
    the configuration, the package's code and template, the options, SOURCE_DATE_EPOCH and the
    versions. Cheap next to loading the catalogue and exporting it (which converts and serialises
    every essay: ~85 % of a no-op ``make`` at 1,000 essays), so an unchanged booklet is recognised
    without either."""
    import os
    from importlib.metadata import version

    import typst

    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in config.items() if k != "root"}, sort_keys=True, default=str,
                             ensure_ascii=False).encode())
    digest.update(repr((edition, sorted(options.items()), os.environ.get("SOURCE_DATE_EPOCH"),
                        getattr(typst, "__version__", ""), version("OpenCC"))).encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
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
        write_atomic(target, source.read_bytes())
        copied.append(target)
    return copied


def main(argv: Sequence[str] | None = None, config: dict[str, Any] | None = None) -> int:
    """``handbook booklet [--edition zh-Hans|zh-Hant] [--paper A5|A4] [--force]``; ``config``
    defaults to the handbook.yml found from the working folder up."""
    from ..config import load

    parser = argparse.ArgumentParser(prog="handbook booklet", description="Build the print booklet (PDF and imposed print file).")
    parser.add_argument("--edition", help="build only this edition (default: all in handbook.yml)")
    parser.add_argument("--paper", type=str.upper, choices=sorted(PAPERS), help="page size (default: booklet.paper in handbook.yml, else A5)")
    parser.add_argument("--force", action="store_true", help="typeset even when nothing changed")
    args = parser.parse_args(argv)
    try:
        build(config or load(), args.edition, paper=args.paper, force=args.force)
    except (BookletError, ValueError) as error:
        print(f"booklet: {error}", file=sys.stderr)
        return 1
    return 0


def fonts_used(reader: PdfReader) -> set[str]:
    """The fonts a PDF's pages use, without their subset prefix (``NotoSerifCJKsc-Regular``)."""
    names = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object().get("/BaseFont", "")).lstrip("/").split("+", 1)[-1])
    return names


__all__ = ["BookletError", "Result", "build", "main"]
