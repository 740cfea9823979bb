"""``python -m bench.booklets [--sizes 1000,10000]`` (run by ``make bench``): what booklets for a
class cost beside the whole handbook. Per corpus size, in a scratch project of generated essays
(cleaned first): a one-off booklet of 10 essays (``handbook booklet --essays …``, a process,
both editions); three named booklets of handbook.yml typeset cold, then again with nothing
changed, then after one essay held by one of them is edited; the chapters' PDFs cold (up to 1,000
essays). Results go to ``bench/booklets.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import corpus

REPO = Path(__file__).resolve().parents[1]
HANDBOOK = str(Path(sys.executable).with_name("handbook"))
NAMED = """
booklets:
  - {title: 户籍窗口回访专题, file: huji-huifang, words: [回访], chapters: [], since: 2014-01-01}
  - {title: 交警窗口服务, file: jiaojing, words: [驾驶人服务规范化建设]}
  - {title: 十篇选读, file: ten, essays: [%s]}
"""


def project(root: Path, count: int) -> tuple[Path, list[str]]:
    shutil.rmtree(root, ignore_errors=True)
    (root / "docs").mkdir(parents=True)
    shutil.copy(REPO / "docs" / "index.md", root / "docs" / "index.md")
    corpus.write_corpus(root / "seeds", count)
    seeds = sorted(p.name for p in (root / "seeds").iterdir())
    ten = seeds[:: max(1, len(seeds) // 10)][:10]
    config = (REPO / "handbook.yml").read_text(encoding="utf-8").replace("chapter_pdfs: true", "chapter_pdfs: false")
    (root / "handbook.yml").write_text(config + NAMED % ", ".join(ten), encoding="utf-8")
    subprocess.run([HANDBOOK, "clean", "-q"], cwd=root, check=False)
    return root, ten


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure(count: int, work: Path) -> dict:
    from handbook.booklet import books
    from handbook.config import load

    root, ten = project(work / str(count), count)
    config = load.__wrapped__(root / "handbook.yml")
    row: dict = {"essays": count}
    args = [HANDBOOK, "booklet", "--essays", *ten, "--title", "下周课程", "--file", "next-week"]
    row["one_off_s"] = timed(lambda: subprocess.run(args, cwd=root, check=True, capture_output=True))
    named: list = []
    row["named_cold_s"] = timed(lambda: named.extend(books.build_books(config, "named", quiet=True)))
    row["named_essays"] = {r.book: r.essays for r in named if r.edition == "zh-Hans"}
    row["named_pages"] = {r.book: r.pages for r in named if r.edition == "zh-Hans"}
    row["named_noop_s"] = timed(lambda: books.build_books(config, "named", quiet=True))
    # An edited essay, as the cleaner would write it: one more paragraph in its page.
    page = next(p for p in (root / "docs" / "essays").glob("*.md") if f"source: {ten[0]}\n" in p.read_text(encoding="utf-8"))
    page.write_text(page.read_text(encoding="utf-8") + "\n窗口民警补充的一句话。\n", encoding="utf-8")
    edited: list = []
    row["named_edit_s"] = timed(lambda: edited.extend(books.build_books(config, "named", quiet=True)))
    row["named_edit_typeset"] = sorted({r.pdf.name for r in edited if r.built})
    if count <= 1000:
        chapters = {**config, "booklet": {**config["booklet"], "chapter_pdfs": True}}
        row["chapters_cold_s"] = timed(lambda: books.build_books(chapters, "chapters", quiet=True))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.booklets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "corpus" / "booklets")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "booklets.md")
    args = parser.parse_args(argv)
    rows = []
    for count in (int(n) for n in args.sizes.split(",")):
        row = measure(count, args.work)
        rows.append(row)
        print(row, flush=True)
    lines = ["# Booklets for a class: their cost", "",
             f"`python -m bench.booklets --sizes {args.sizes}` (run by `make bench`), {dt.datetime.now():%Y-%m-%d %H:%M}, "
             f"{os.cpu_count()} cores. Both editions each time. Target: a one-off booklet of 10 essays in at most 10 s at 10,000.", "",
             "| essays | one-off, 10 essays (process) | 3 named, cold | named, nothing changed | named, one essay edited | chapter PDFs, cold |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        chapters = f"{r['chapters_cold_s']:.1f} s" if "chapters_cold_s" in r else "not run"
        lines.append(f"| {r['essays']:,} | {r['one_off_s']:.1f} s | {r['named_cold_s']:.1f} s | {r['named_noop_s']:.2f} s | "
                     f"{r['named_edit_s']:.1f} s | {chapters} |")
    lines += ["", "Named booklets (zh-Hans): essays and pages; after the edit, the PDFs typeset again:", ""]
    for r in rows:
        lines.append(f"- {r['essays']:,} essays: " + ", ".join(f"{b} {r['named_essays'][b]} essays / {r['named_pages'][b]} pages" for b in r["named_essays"])
                     + f"; edited: {', '.join(r['named_edit_typeset']) or 'none'}")
    args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
