"""``python -m bench.booklets [--sizes 1000,10000] [--work DIR] [--results FILE]`` (run by ``make
bench``): the cost of booklets for a class on a corpus of N damaged essays, both editions.

Per size, in a scratch project whose handbook.yml names three booklets (``BOOKLETS``: a few seeds,
the essays holding a rare word, a window of dates), after ``handbook clean``:

1. ``handbook booklet --essays`` of 10 seeds spread over the corpus (a booklet asked for once;
   target: at most 10 s at 10,000 essays), then the same again (cached);
2. the named booklets as ``make`` builds them (``books.build_books(config, "named")``): cold, again
   with nothing changed, and after one essay of one booklet changed (only that booklet typeset);
3. the PDF of each chapter (``books.build_books(config, "chapters")``), cold: the handbook's
   volumes typeset and each chapter cut from them.

Each is a process of its own, timed with its children (Typst runs in forked processes). The
results go to ``bench/booklets.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from . import corpus
from .__main__ import BIN, REPO, Trash, run_timed, scratch, write_config

SEEDS_ASKED = 10
WORD = "满意度"  # in the titles of about 3 % of the generated essays

# ``books.build_books(config, KIND)``, writing what it made as JSON to OUT: python -c BUILD_BOOKS KIND OUT
BUILD_BOOKS = ("import json, sys; from handbook.booklet import books; from handbook.config import load; "
               "results = books.build_books(load(), sys.argv[1], quiet=True); "
               "open(sys.argv[2], 'w').write(json.dumps({'typeset': sum(r.built for r in results), 'volumes': len(results), "
               "'pages': sum(r.pages for r in results), 'essays': sum(r.essays for r in results)}))")


def booklets(seeds: list[str], days: list[str]) -> list[dict]:
    """The named booklets of the bench's handbook.yml."""
    return [
        {"title": "本周课程", "file": "week", "essays": seeds[:6], "layout": "handout"},
        {"title": "群众满意度专题", "file": "callback", "words": [WORD]},
        {"title": "年度选编", "file": "year", "since": days[0], "until": days[1]},
    ]


def project(root: Path, count: int, trash: Trash, log: Path) -> dict:
    """A cleaned project of ``count`` essays with the bench's booklets; what the cleaner made."""
    trash.discard(root)
    (root / "docs").mkdir(parents=True)
    for page in (REPO / "docs").iterdir():
        if page.is_file():
            shutil.copy(page, root / "docs" / page.name)
    corpus.write_corpus(root / "seeds", count)
    write_config(root)
    clean = run_timed([str(BIN / "handbook"), "clean", "--quiet"], root, log)
    seeds = sorted(p.name for p in (root / "seeds").iterdir())
    days = sorted({line.split("'")[1] for page in (root / "docs" / "essays").glob("*.md")
                   for line in page.read_text(encoding="utf-8").splitlines()[:4] if line.startswith("date: '")})
    write_config(root, booklets(seeds[:: max(1, len(seeds) // SEEDS_ASKED)][:SEEDS_ASKED], [days[len(days) // 3], days[len(days) // 2]]))
    return {"clean_s": clean["wall"], "asked": seeds[:: max(1, len(seeds) // SEEDS_ASKED)][:SEEDS_ASKED]}


def measure(count: int, work: Path, trash: Trash, chapters: bool = True) -> dict:
    base = work / str(count)
    log = scratch(base)
    root = base / "project"
    print(f"[{count}] corpus and clean", file=sys.stderr, flush=True)
    made = project(root, count, trash, log)
    result: dict = {"essays": count, "clean_s": made["clean_s"], "load": [os.getloadavg()[0]]}
    asked = [str(BIN / "handbook"), "booklet", "--essays", *made["asked"], "--title", "一次性培训", "--file", "once"]
    print(f"[{count}] one booklet asked for once", file=sys.stderr, flush=True)
    result["once"] = run_timed(asked, root, log, ok=(0,))
    result["once_again"] = run_timed(asked, root, log, ok=(0,))
    for label, kind in (("named", "named"), ("named_again", "named")):
        print(f"[{count}] named booklets ({label})", file=sys.stderr, flush=True)
        result[label] = books_step(root, kind, log)
    # One essay of the first booklet changed: only that booklet is typeset again.
    seed = made["asked"][0]
    page = next(p for p in (root / "docs" / "essays").glob("*.md") if f"source: {seed}\n" in p.read_text(encoding="utf-8"))
    page.write_text(page.read_text(encoding="utf-8") + "\n本段为基准测试所加。\n", encoding="utf-8")
    print(f"[{count}] named booklets, one essay changed", file=sys.stderr, flush=True)
    result["named_changed"] = books_step(root, "named", log)
    if chapters:
        print(f"[{count}] chapter PDFs", file=sys.stderr, flush=True)
        result["chapters"] = books_step(root, "chapters", log)
    result["load"].append(os.getloadavg()[1])
    trash.discard(root)
    return result


def books_step(root: Path, kind: str, log: Path) -> dict:
    """``books.build_books(config, kind)`` in a process of its own: its time and what it made."""
    out = root.parent / f"{kind}.json"
    timed = run_timed([sys.executable, "-c", BUILD_BOOKS, kind, str(out)], root, log, ok=(0,))
    return timed | json.loads(out.read_text())


def table(results: list[dict]) -> str:
    rows = [
        ("`handbook booklet --essays` (10 seeds), both editions: wall s [CPU s]", lambda r: f"{r['once']['wall']:.1f} [{r['once']['cpu']:.1f}]"),
        ("… the same again (cached): wall s", lambda r: f"{r['once_again']['wall']:.1f}"),
        ("named booklets (3), both editions, cold: wall s [CPU s]", lambda r: f"{r['named']['wall']:.1f} [{r['named']['cpu']:.1f}]"),
        ("… essays / volumes / pages (all editions)", lambda r: f"{r['named']['essays']:,} / {r['named']['volumes']} / {r['named']['pages']:,}"),
        ("… again, nothing changed: wall s (volumes typeset)", lambda r: f"{r['named_again']['wall']:.1f} ({r['named_again']['typeset']})"),
        ("… one essay changed: wall s (volumes typeset)", lambda r: f"{r['named_changed']['wall']:.1f} ({r['named_changed']['typeset']})"),
        ("PDF per chapter with the handbook it is cut from, both editions, cold: wall s [CPU s]", lambda r: f"{r['chapters']['wall']:.1f} [{r['chapters']['cpu']:.0f}]"),
        ("… volumes / pages (all editions)", lambda r: f"{r['chapters']['volumes']} / {r['chapters']['pages']:,}"),
        ("peak memory of these steps, MB", lambda r: f"{max(r[k]['rss_mb'] for k in ('once', 'named', 'named_changed', 'chapters') if k in r):.0f}"),
        ("load average before (1 min) → after (5 min); 2 = both cores busy", lambda r: " → ".join(f"{v:.1f}" for v in r.get("load", []))),
    ]
    lines = ["| | " + " | ".join(f"{r['essays']:,} essays" for r in results) + " |", "|---|" + "---:|" * len(results)]
    lines += [f"| {label} | " + " | ".join(_cell(cell, r) for r in results) + " |" for label, cell in rows]
    return "\n".join(lines)


def _cell(cell, result: dict) -> str:
    try:
        return cell(result)
    except KeyError:  # not measured in this run (--no-chapters)
        return "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.booklets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default: 1000,10000)")
    parser.add_argument("--no-chapters", action="store_true", help="leave out the chapter PDFs (and the whole handbook they are cut from)")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "corpus" / "booklets")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "booklets.md")
    args = parser.parse_args(argv)
    trash = Trash(args.work / ".trash")
    results = []
    for count in (int(size) for size in args.sizes.split(",")):
        results.append(measure(count, args.work, trash, chapters=not args.no_chapters))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    trash.empty()
    (args.work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    once = [r for r in results if r["essays"] >= 10000]
    verdict = (f"{once[-1]['once']['wall']:.1f} s at {once[-1]['essays']:,} essays: {'met' if once[-1]['once']['wall'] <= 10 else '**missed**'}"
               if once else "not measured at 10,000")
    text = "\n".join([
        "# Booklets for a class",
        "",
        f"`python -m bench.booklets --sizes {args.sizes}` (run by `make bench`), {dt.datetime.now():%Y-%m-%d %H:%M},"
        " on the bench's generated essays (`bench/corpus.py`). Other work on the machine makes wall times upper bounds;"
        " CPU times (with Typst's processes) are the steadier measure.",
        f"Target: a booklet of 10 essays asked for once in at most 10 s at 10,000 essays — {verdict}.",
        "",
        table(results),
        "",
    ])
    args.results.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
