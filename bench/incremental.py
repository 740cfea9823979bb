"""``python -m bench.incremental [--sizes 1000,10000] [--work DIR] [--results FILE]`` (run by ``make
bench``): what an editor waits for after one change, against the cold build of the same run.

Per size, in a scratch project of N generated essays (the benchmark's corpus, ``bench/corpus.py``):
the cold build (``bench.steps``: exactly what ``handbook build`` runs), then one change after
another, each followed by a build timed the same way: nothing changed (what ``make`` runs: the
system check, then ``handbook build``), one essay's body edited, an essay added at the end (a new
scrape, whose seed name sorts last) and removed again, and an essay added half-way through and
removed again (every later essay of its chapter moves one place). The cold build's gigabytes are
flushed to disk (``os.sync``) before the changes are timed: otherwise the first change is timed
against the disk's writeback of the cold build, not its own work. Each row gives the whole build's wall time, the sites' (both editions side by side),
when both were live (published) counted from the build's start, and what each site step says it
rendered. At 1,000 essays also ``handbook serve``: the time from
saving a seed to the served page holding the change (``--serve``). The results go to
``bench/incremental.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .__main__ import BIN, REPO, Trash, make_project, run_timed, scratch, span

MARK = "基准测试加在这里的一句话。"


def build(project: Path, log: Path) -> dict:
    out = project.parent / "steps.json"
    run = run_timed([sys.executable, "-m", "bench.steps", str(project), str(out)], REPO, log)
    done = json.loads(out.read_text())
    if done["status"] not in (0, 1):
        raise RuntimeError(f"the build failed (status {done['status']}); see {log}")
    steps = done["steps"]
    sites = [s for s in steps if s["name"].startswith("site ")]
    published = [s["start"] + s["wall"] for s in steps if s["name"] == "publish"]
    return {"wall": run["wall"], "sites": span(sites), "live": max(published, default=0.0),
            "booklet": max((s["wall"] for s in steps if s["name"] == "booklet"), default=0.0),
            "rendered": {s["name"][len("site "):]: s.get("pages", "") for s in sites}}


def noop(project: Path, log: Path) -> dict:
    make = ["bash", "-c", f'"{REPO}/scripts/system-deps.sh" build && exec "{BIN / "handbook"}" build']
    run = run_timed(make, project, log, ok=None)
    return {"wall": run["wall"], "sites": 0.0, "live": 0.0, "booklet": 0.0, "rendered": {}}


def utf8_seed(project: Path, fraction: float) -> Path:
    seeds = sorted((project / "seeds").iterdir())
    for seed in seeds[int(len(seeds) * fraction):]:
        raw = seed.read_bytes()
        if b"\r" not in raw:
            try:
                raw.decode("utf-8")
                return seed
            except UnicodeDecodeError:
                continue
    raise RuntimeError("no UTF-8 seed")


def edit(seed: Path, mark: str = MARK) -> None:
    text = seed.read_text(encoding="utf-8")
    cut = text.index("。", len(text) // 2) + 1
    seed.write_text(text[:cut] + mark + text[cut:], encoding="utf-8")


def new_seed(project: Path, name: str) -> Path:
    path = project / "seeds" / name
    path.write_text("户籍窗口新来的同志谈体会（基准）\n\n窗口民警要把群众的事当作自己的事。预约办理让群众少跑一趟。\n",
                    encoding="utf-8")
    return path


def serve_latency(project: Path, log: Path, repeat: int = 3) -> list[float]:
    """Seconds from saving a seed to ``handbook serve`` serving its page with the change."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with log.open("a") as out:
        server = subprocess.Popen([str(BIN / "handbook"), "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=project,
                                  stdout=out, stderr=out)
    try:
        base = f"http://127.0.0.1:{port}/"
        _wait(lambda: _get(base) is not None, 600)
        times = []
        for attempt in range(repeat):
            seed = utf8_seed(project, 0.3 + 0.1 * attempt)
            page = _page_of(project, seed.name)
            time.sleep(1.5)  # the server's watcher settles
            mark = f"预览第{attempt + 1}次加在这里的一句话。"  # not the body edit's mark, which a seed may hold already
            edit(seed, mark)
            saved = time.perf_counter()
            _wait(lambda: mark in (_get(base + page) or ""), 120)
            times.append(time.perf_counter() - saved)
        return times
    finally:
        server.terminate()
        server.wait(30)


def _page_of(project: Path, seed: str) -> str:
    for page in (project / "docs" / "essays").glob("*.md"):
        if f"source: {seed}\n" in page.read_text(encoding="utf-8"):
            return f"essays/{urllib.request.quote(page.stem)}/"
    raise RuntimeError(f"no page of {seed}")


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except Exception:  # noqa: BLE001 - not served (yet)
        return None


def _wait(done, timeout: float) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the served page did not change")
        time.sleep(0.05)


def bench_size(count: int, work: Path, trash: Trash, serve: bool) -> dict:
    base = work / f"incremental-{count}"
    log = scratch(base)
    project = base / "project"
    print(f"[{count}] generating corpus", file=sys.stderr, flush=True)
    make_project(project, count, trash)
    rows = {}
    print(f"[{count}] cold build", file=sys.stderr, flush=True)
    rows["cold build"] = build(project, log)
    os.sync()
    rows["nothing changed (`make`)"] = noop(project, log)
    steps = [("one essay's body edited", lambda: edit(utf8_seed(project, 0.5))),
             ("an essay added at the end", lambda: new_seed(project, "99999_new.txt")),
             ("that essay removed", lambda: (project / "seeds" / "99999_new.txt").unlink()),
             ("an essay added half-way", lambda: new_seed(project, f"{count // 2:05d}a_new.txt")),
             ("that essay removed ", lambda: (project / "seeds" / f"{count // 2:05d}a_new.txt").unlink())]
    for name, change in steps:
        print(f"[{count}] {name.strip()}", file=sys.stderr, flush=True)
        change()
        rows[name] = build(project, log)
    result = {"essays": count, "rows": rows}
    if serve:
        print(f"[{count}] handbook serve", file=sys.stderr, flush=True)
        result["serve_s"] = serve_latency(project, log)
    trash.discard(project)
    return result


def table(results: list[dict]) -> str:
    sizes = " | ".join(f"{r['essays']:,} essays" for r in results)
    lines = [f"| | {sizes} |", "|---|" + "---:|" * len(results)]
    for name in results[0]["rows"]:
        cells = []
        for r in results:
            row = r["rows"][name]
            said = "; ".join(f"{e}: {what}" for e, what in row["rendered"].items() if what)
            live = f", live at {row['live']:.1f} s" if row.get("live") else ""
            cells.append(f"{row['wall']:.1f} s [sites {row['sites']:.1f} s{live}, booklets {row['booklet']:.1f} s]"
                         + (f" ({said})" if said else ""))
        lines.append(f"| {name.strip()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(path: Path, results: list[dict]) -> None:
    from .__main__ import machine

    info = machine()
    serve = next((r for r in results if "serve_s" in r), None)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    text = [
        "# Incremental builds (`python -m bench.incremental`)",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC at commit {info.get('commit', '?')}, "
        f"load average {load} at the end. How it is measured: `bench/incremental.py`'s docstring.",
        "Each cell: the whole build's wall time [the sites' span, both editions side by side; when they were live, "
        "from the build's start (the cleaner and the checks before the sites included); the booklet step], "
        "and what each site step rendered.",
        "",
        table(results),
        "",
    ]
    if serve:
        text += [f"`handbook serve` at {serve['essays']:,} essays, a seed saved → its served page changed: "
                 + ", ".join(f"{s:.2f} s" for s in serve["serve_s"]) + " (target 2 s).", ""]
    path.write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "corpus")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "incremental.md")
    parser.add_argument("--serve", default="1000", help="the sizes at which `handbook serve` is timed too")
    args = parser.parse_args(argv)
    trash = Trash(args.work / ".trash")
    serve = {int(n) for n in re.split(r"[, ]+", args.serve) if n}
    results = [bench_size(int(n), args.work, trash, int(n) in serve) for n in re.split(r"[, ]+", args.sizes) if n]
    trash.empty()
    write_results(args.results, results)
    print(args.results.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
