"""``python -m bench [--sizes 100,1000,10000] [--no-browser] [--work DIR] [--keep] [--results FILE]``
(``make bench``): generate corpora of damaged essays, run the real pipeline on each in a scratch
project, print a table and write ``bench/results.md``. ``--rewrite`` measures nothing and writes
the results file again from the last results (``<work>/results.json``).

Per corpus size, in one run:

1. ``bench.corpus`` writes N damaged essays into ``<work>/<N>/project/seeds/``; the project gets
   the repository's ``handbook.yml`` (without its named booklets, which name the repository's
   seeds; ``bench.booklets`` measures those) and hand-written ``docs/`` pages (the site build falls
   back to the repository's ``mkdocs.yml``, hook and ``overrides/``, as for any project without its own);
2. cold build, as ``handbook build`` does it (``bench.steps``): clean, then every edition's site
   (MkDocs + hook + search index) and the booklets side by side — time, CPU, peak memory per step;
3. the floor: bare ``mkdocs build`` of the same Markdown with the same theme (``bench.bare``);
   2 and 3 alternately, ``--repeat`` times (default 3 up to 1,000 essays), the fastest of each kept;
4. a second ``make`` with nothing changed (its system check and ``handbook build``);
5. site size, HTML bytes per page;
6. a first search in Chromium (``bench.search``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

import yaml

from . import corpus

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUERIES = ["窗口", "预约办理"]


def tree_rss_mb(root_pid: int) -> float:
    """The resident memory of ``root_pid`` and all its descendants together, from /proc."""
    parents, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(entry.name)] = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def run_timed(argv: list[str], cwd: Path, log: Path, ok: tuple[int, ...] | None = (0, 1)) -> dict:
    """Run ``argv``; its wall time, CPU time (with its children), the peak memory of its largest
    process and the peak of all its processes together (sampled every half second)."""
    with log.open("ab") as out:
        start = time.perf_counter()
        from .steps import limit_memory

        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit_memory)
        peak, done = [0.0], threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                peak[0] = max(peak[0], tree_rss_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if ok is not None and process.returncode not in ok:  # 1 from handbook: the cleaner refused some inputs (reported separately)
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({process.returncode}); see {log}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "tree_rss_mb": peak[0], "status": process.returncode}


class Trash:
    """Folders set aside by renaming, deleted when the measuring is over: on ext4, files created
    shortly after thousands are deleted are slower to create (the inode allocator skips recently
    deleted inodes), which would be timed as the cleaner's."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def discard(self, path: Path) -> None:
        if path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.rename(self.folder / f"{len(list(self.folder.iterdir()))}-{path.name}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def write_config(root: Path, booklets: list[dict] | None = None) -> None:
    """The repository's handbook.yml in the project ``root``, with ``booklets`` in place of its
    own named booklets (which name the repository's seeds, not the generated ones)."""
    config = yaml.safe_load((REPO / "handbook.yml").read_text(encoding="utf-8"))
    config["booklets"] = booklets or []
    (root / "handbook.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_project(root: Path, count: int, trash: Trash) -> dict:
    trash.discard(root)
    (root / "docs").mkdir(parents=True)
    write_config(root)
    for page in (REPO / "docs").iterdir():  # the hand-written pages; docs/essays/ is the cleaner's
        if page.is_file():
            shutil.copy(page, root / "docs" / page.name)
    start = time.perf_counter()
    stats = corpus.write_corpus(root / "seeds", count)
    stats["generate_s"] = time.perf_counter() - start
    return stats


def folder_bytes(folder: Path, pattern: str = "*") -> tuple[int, int]:
    files = [p for p in folder.rglob(pattern) if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def site_sizes(site: Path) -> dict:
    total, files = folder_bytes(site)
    html_pages = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] not in ("search", "pagefind")
                  and not p.relative_to(site).parts[0] == "zh-Hant"]
    essays = [p for p in html_pages if p.relative_to(site).parts[0] == "essays"]
    html_bytes = sum(p.stat().st_size for p in html_pages)
    index, _ = folder_bytes(site / "search")
    downloads, _ = folder_bytes(site / "downloads")
    return {"total_bytes": total, "files": files, "pages": len(html_pages), "html_bytes": html_bytes,
            "html_per_page": html_bytes // max(1, len(html_pages)),
            "essay_page_bytes": sum(p.stat().st_size for p in essays) // max(1, len(essays)),
            "home_bytes": (site / "index.html").stat().st_size if (site / "index.html").exists() else 0,
            "search_bytes": index, "downloads_bytes": downloads}


def scratch(folder: Path) -> Path:
    """``folder`` made if missing, with an empty ``log.txt`` for the processes run there; the log."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "log.txt"
    log.write_text("")
    return log


def bench_size(count: int, work: Path, browser: bool, repeat: int, trash: Trash) -> dict:
    base = work / str(count)
    log = scratch(base)
    project = base / "project"
    print(f"[{count}] generating corpus", file=sys.stderr, flush=True)
    result = {"essays": count, "corpus": make_project(project, count, trash)}

    # The cold build and the bare floor, alternately, `repeat` times: on a shared machine the
    # fastest of each is the least disturbed measure of its cost (as timeit takes the minimum).
    from .bare import prepare

    colds, bares = [], []
    for attempt in range(1, repeat + 1):
        print(f"[{count}] cold build (clean, site, booklet), {attempt} of {repeat}", file=sys.stderr, flush=True)
        for built in (project / "docs" / "essays", project / "build", project / "site"):
            trash.discard(built)
        steps_json = base / "steps.json"
        cold = run_timed([sys.executable, "-m", "bench.steps", str(project), str(steps_json)], REPO, log)
        colds.append(cold | json.loads(steps_json.read_text()))
        print(f"[{count}] bare mkdocs build, {attempt} of {repeat}", file=sys.stderr, flush=True)
        trash.discard(base / "bare")
        bare_config = prepare(project, base / "bare")
        bares.append(run_timed([str(BIN / "mkdocs"), "build", "-q", "-f", str(bare_config)], base / "bare", log, ok=(0,)))
    result["cold"] = min(colds, key=lambda run: run["wall"])
    result["bare"] = min(bares, key=lambda run: run["wall"])
    result["runs"] = {"cold_s": [run["wall"] for run in colds], "bare_s": [run["wall"] for run in bares],
                      "clean_s": [_step(run["steps"], "clean")["wall"] for run in colds],
                      "sites_s": [span(_sites(run["steps"])) for run in colds]}
    result["bare"]["site"] = site_sizes(base / "bare" / "site")
    report = json.loads((project / "build" / "clean-report.json").read_text())
    result["refused"] = sum(1 for entry in report if entry["error"])
    result["refused_examples"] = [f"{e['source']}: {e['error']}" for e in report if e["error"]][:3]

    print(f"[{count}] no-op build", file=sys.stderr, flush=True)
    # Twice: another engineer editing the package between the cold build and the first no-op
    # (the site's stamp covers its code) makes that one rebuild; the second is the no-op `make`.
    # What `make` runs after its up-to-date virtual environment: the system check, then the build.
    second_make = ["bash", "-c", f'"{REPO}/scripts/system-deps.sh" build && exec "{BIN / "handbook"}" build']
    noops = [run_timed(second_make, project, log, ok=None)]
    if noops[0]["wall"] > 5 and noops[0]["status"] in (0, 1):
        noops.append(run_timed(second_make, project, log, ok=None))
    result["noop"] = min(noops, key=lambda n: n["wall"]) | {"first_wall": noops[0]["wall"]}
    result["site"] = site_sizes(project / "site")
    if (project / "site" / "zh-Hant").is_dir():
        result["site_hant"] = site_sizes(project / "site" / "zh-Hant")

    if browser:
        print(f"[{count}] first search in chromium", file=sys.stderr, flush=True)
        from .search import first_search

        try:
            result["search"] = first_search(project / "site", QUERIES)
        except Exception as error:  # noqa: BLE001 - e.g. no Chromium: the other numbers still count
            result["search_error"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
            print(f"[{count}] first search failed: {result['search_error']}", file=sys.stderr, flush=True)
    trash.discard(base / "bare" / "site")
    return result


def span(steps: list[dict]) -> float:
    """The wall time from the first of ``steps`` starting to the last ending (they may overlap)."""
    return max(s["start"] + s["wall"] for s in steps) - min(s["start"] for s in steps) if steps else 0.0


def _step(steps: list[dict], name: str) -> dict:
    return next(s for s in steps if s["name"] == name)


def _sites(steps: list[dict]) -> list[dict]:
    return [s for s in steps if s["name"].startswith("site ")]


def derive(r: dict) -> dict:
    """The numbers the issue's targets are stated in."""
    steps = r["cold"]["steps"]
    clean = _step(steps, "clean")
    sites = _sites(steps)
    booklets = [s for s in steps if s["name"].startswith("booklet")]
    editions = max(len(sites), 1)
    clean_s, site_wall = clean["wall"], span(sites)
    if "clean_s" in r.get("runs", {}):  # the clean step and the sites each at their fastest over the repeated builds
        clean_s, site_wall = min(r["runs"]["clean_s"]), min(r["runs"]["sites_s"])
    total = r["cold"]["wall"]
    mb = r["corpus"]["bytes"] / 1e6
    d = {
        "clean_s": clean_s, "clean_mb_s": mb / clean_s, "clean_essays_s": r["essays"] / clean_s,
        "clean_cores": clean["cpu"] / clean["wall"],
        "site_s": site_wall, "site_editions": len(sites), "index_s": sum(s.get("search_s") or 0 for s in sites),
        "site_cpu_s": sum(s["cpu"] for s in sites),
        "booklet_s": span(booklets), "booklet_cpu_s": sum(s["cpu"] for s in booklets),
        "total_s": total, "total_cpu_s": r["cold"]["cpu"], "per_edition_s": total / editions, "bare_s": r["bare"]["wall"],
        "clean_share_of_site": clean_s / site_wall if site_wall else None,
        "site_per_edition_vs_bare": (site_wall / editions) / r["bare"]["wall"],
        "pipeline_per_edition_vs_bare": (total / editions) / r["bare"]["wall"],
        "peak_rss_mb": max(r["cold"]["rss_mb"], r["noop"]["rss_mb"]),
        "peak_tree_mb": max(r["cold"].get("tree_rss_mb", 0), r["noop"].get("tree_rss_mb", 0)),
        "noop_s": r["noop"]["wall"],
        "html_per_page": r["site"]["html_per_page"], "essay_page_bytes": r["site"]["essay_page_bytes"],
        "home_bytes": r["site"]["home_bytes"],
        "site_mb": r["site"]["total_bytes"] / 1e6, "bare_site_mb": r["bare"]["site"]["total_bytes"] / 1e6,
        "bare_essay_page_bytes": r["bare"]["site"]["essay_page_bytes"],
        "failed": ", ".join(f"{s['name']} ({s['error'].split(':')[0]})" for s in steps if s.get("error")) or "none",
        "runs": " / ".join(", ".join(f"{t:.1f}" for t in r["runs"][kind]) for kind in ("cold_s", "bare_s")) if r.get("runs") else "1 / 1",
    }
    if r.get("search"):
        first = r["search"][0]
        d |= {"search_kb": max(s["bytes"] for s in r["search"]) / 1024,
              "search_ms": max(s["latency_ms"] for s in r["search"]),
              "search_warm_ms": max(s["warm_ms"] for s in r["search"]), "search_requests": first["requests"],
              "search_driver_ms": max(s.get("driver_ms", s["latency_ms"]) for s in r["search"])}
    return d


ROWS = [  # (label, key, format)
    ("essays (input MB)", None, None),
    ("cleaner: s / MB/s / essays/s", None, None),
    ("cleaner: CPU time / wall (cores used)", "clean_cores", "{:.2f}"),
    ("sites, all editions: wall s [CPU s; search index s]", None, None),
    ("booklets, all editions: wall s [CPU s]", None, None),
    ("cold `handbook build`: wall s [CPU s]", None, None),
    ("per edition (s)", "per_edition_s", "{:.1f}"),
    ("each run, s: cold build / bare (the fastest of each is taken)", "runs", "{}"),
    ("bare `mkdocs build`, one edition (s)", "bare_s", "{:.1f}"),
    ("site per edition / bare", "site_per_edition_vs_bare", "{:.2f}x"),
    ("pipeline per edition / bare", "pipeline_per_edition_vs_bare", "{:.2f}x"),
    ("cleaning / site build", "clean_share_of_site", "{:.1%}"),
    ("no-op `make` (s)", "noop_s", "{:.1f}"),
    ("peak memory, MB: largest process [all at once]", None, None),
    ("site size (MB) [bare]", None, None),
    ("HTML bytes per page (all pages)", "html_per_page", "{:,}"),
    ("HTML bytes per essay page [bare]", None, None),
    ("home page bytes", "home_bytes", "{:,}"),
    ("first search: KB transferred", "search_kb", "{:.0f}"),
    ("first search: latency in the page, ms [warm; seen from Playwright]", None, None),
    ("steps that failed", "failed", "{}"),
]


# Rows showing several derived numbers: the label's start and the format, over derive()'s names.
COMPOSITE = {
    "cleaner: s": "{clean_s:.1f} / {clean_mb_s:.2f} / {clean_essays_s:.0f}",
    "sites,": "{site_s:.1f} [{site_cpu_s:.0f}; {index_s:.1f}]",
    "booklets,": "{booklet_s:.1f} [{booklet_cpu_s:.0f}]",
    "cold": "{total_s:.1f} [{total_cpu_s:.0f}]",
    "peak memory": "{peak_rss_mb:.0f} [{peak_tree_mb:.0f}]",
    "site size": "{site_mb:.1f} [{bare_site_mb:.1f}]",
    "HTML bytes per essay": "{essay_page_bytes:,} [{bare_essay_page_bytes:,}]",
    "first search: latency": "{search_ms:.0f} [{search_warm_ms:.0f}; {search_driver_ms:.0f}]",
}


def cell(label: str, key: str | None, fmt: str | None, r: dict, d: dict) -> str:
    if label.startswith("essays"):
        return f"{r['essays']:,} ({r['corpus']['bytes'] / 1e6:.1f})"
    for start, composite in COMPOSITE.items():
        if label.startswith(start):
            try:
                return composite.format(**d)
            except KeyError:  # not measured in this run (the search without --no-browser)
                return "–"
    value = d.get(key)
    return "–" if value is None else fmt.format(value)


def table(results: list[dict]) -> str:
    derived = [derive(r) for r in results]
    lines = ["| | " + " | ".join(f"{r['essays']:,}" for r in results) + " |",
             "|---|" + "---:|" * len(results)]
    for label, key, fmt in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(label, key, fmt, r, d) for r, d in zip(results, derived)) + " |")
    return "\n".join(lines)


def machine() -> dict:
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    versions = {}
    for package in ("mkdocs", "mkdocs-material", "typst", "OpenCC", "playwright"):
        try:
            versions[package] = version(package)
        except Exception:
            versions[package] = "?"
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        chromium = "?"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": mem / 1024 / 1024, "python": platform.python_version(),
            "versions": versions, "chromium": chromium, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": commit}


def targets(results: list[dict]) -> list[tuple[str, str, str]]:
    """(target, measured, met?) for the issue's targets: at every size measured when the issue
    names none, else on the largest corpus measured."""
    derived = {r["essays"]: derive(r) for r in results}
    big = max(derived)
    small = min(derived)
    d = derived[big]
    r_big = next(r for r in results if r["essays"] == big)
    ok = lambda b: "met" if b else "**missed**"  # noqa: E731
    sizes = " / ".join(f"{n:,}" for n in derived)

    def every_size(key: str, form: str, good) -> tuple[str, str]:
        """A target the issue sets for any size: measured at each, met only if met at each."""
        values = [derived[n][key] for n in derived]
        passed = [n for n in derived if good(derived[n][key])]
        verdict = ok(len(passed) == len(derived))
        if passed and len(passed) < len(derived):
            verdict += f" (met at {', '.join(f'{n:,}' for n in passed)} only)"
        return " / ".join(form.format(v) for v in values) + f" at {sizes}", verdict

    rows = [
        ("cleaning ≤ 10% of the site's build time", *every_size("clean_share_of_site", "{:.1%}", lambda v: v <= 0.10)),
        ("full pipeline per edition ≤ 1.2x bare `mkdocs build`", *every_size("pipeline_per_edition_vs_bare", "{:.2f}x", lambda v: v <= 1.2)),
        ("HTML bytes per page flat, 100 → 10,000", f"{derived[small]['html_per_page']:,} → {d['html_per_page']:,} B ({small:,} → {big:,})",
         ok(d["html_per_page"] <= 1.1 * derived[small]["html_per_page"])),
    ]
    at_10000 = ok if big >= 10000 else lambda b: f"not measured at 10,000 (largest: {big:,})"  # noqa: E731
    if "search_kb" in d:
        rows.append(("first search ≤ 300 KB and ≤ 200 ms at 10,000", f"{d['search_kb']:.0f} KB, {d['search_ms']:.0f} ms at {big:,}",
                     at_10000(d["search_kb"] <= 300 and d["search_ms"] <= 200)))
    rows += [
        ("10,000 essays, both editions, ≤ 30 min and ≤ 8 GB", f"{d['total_s'] / 60:.1f} min, {d['peak_tree_mb'] / 1024:.2f} GB (all processes at once) at {big:,}"
         + ("" if d["site_editions"] >= 2 else f" ({d['site_editions']} site edition built)")
         + ("" if d["failed"] == "none" else f"; failed: {d['failed']}"),
         at_10000(d["total_s"] <= 1800 and d["peak_tree_mb"] <= 8192 and d["site_editions"] >= 2 and d["failed"] == "none")),
        ("second `make` with nothing changed ≤ 5 s", *every_size("noop_s", "{:.1f} s", lambda v: v <= 5))
        if r_big["noop"]["status"] in (0, 1) else
        ("second `make` with nothing changed ≤ 5 s", f"{d['noop_s']:.1f} s at {big:,} (not a no-op: it retried the booklet that had failed)", ok(False)),
        ("the cleaner uses every core", *every_size("clean_cores", "{:.2f}", lambda v: v >= 0.75 * (os.cpu_count() or 1))),
    ]
    return rows


def runs(results: list[dict], info: dict) -> str:
    """When and at which commit each size was measured, and how busy the machine was meanwhile."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        run = r.get("run") or {"date": "(date not recorded)", "commit": "?"}
        groups.setdefault((run["date"], run["commit"]), []).append(r)
    parts = []
    for (date, commit), members in groups.items():
        sizes = ", ".join(f"{r['essays']:,}" for r in members)
        which = "" if len(groups) == 1 else f" ({sizes} essays)"
        parts.append(f"run {date} at commit {commit}{which}")
    loads = [f"{r['essays']:,}: {r['load'][0]:.1f} → {r['load'][1]:.1f}" for r in results if r.get("load")]
    busy = (f" Load average (1 min) before each size and (5 min) after it — 2 means both cores busy, the build's own "
            f"processes included: {'; '.join(loads)}." if loads else "")
    when = "; ".join(parts)
    return (when[:1].upper() + when[1:] + "." + busy
            + " Other work on the machine makes timings upper bounds; ratios are taken within one run.")


def write_results(path: Path, results: list[dict], info: dict, notes: str = "") -> None:
    v = info["versions"]
    text = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench`); the analysis below the tables is written by hand "
        "(kept from the previous `bench/results.md`: everything between the notes markers below).",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gb']:.1f} GB memory; Python {info['python']}; "
        f"MkDocs {v['mkdocs']}, Material {v['mkdocs-material']}, "
        f"typst-py {v['typst']}, OpenCC {v['OpenCC']}, Playwright {v['playwright']}, {info['chromium']}. "
        f"{runs(results, info)}",
        "",
        table(results),
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in targets(results)],
        "",
        "## How it is measured",
        "",
        "Per corpus size, in one run: the corpus is generated (`bench/corpus.py`: our own sentences, "
        "`tests/damage.py`'s damage — ASCII punctuation, mangled entities, glued lines, footers — and the seeds' "
        "encodings and line ends), then the cold build runs exactly what `handbook build` runs (`handbook.pipeline`: "
        "clean, then every edition's site and the booklets side by side, `bench/steps.py`), each step timed by the "
        "pipeline; a row over several steps that overlap gives the wall time from the first start to the last end, "
        "and cleaning / site build compares the clean step's wall time with that of the sites; the cold build and the bare "
        "build run alternately three times up to 1,000 essays (`--repeat`; once at 10,000), and the fastest of each is taken "
        "(runs before 2026-12-01 ran each once), and so are the clean step's and the sites' wall times; the installed caches (Jinja's compiled templates and OpenCC's forms of the "
        "configuration's words, in the virtual environment) are as any earlier build on the machine left them, like Python's "
        "compiled modules; the floor is a bare `mkdocs build` "
        "of the same Markdown with the same theme, overrides, extensions and navigation but no hook and no search index, "
        "and Material's own `partials/nav-item.html` (ours renders each repeated navigation item once, through the hook; "
        "runs before 2026-11-23 18:30 had no such override) (`bench/bare.py`); then a second `make` with nothing changed (`scripts/system-deps.sh build` and `handbook build`, "
        "what `make` runs once its virtual environment is up to date); then a first search in Chromium on the "
        "site served from 127.0.0.1 without compression (`bench/search.py`: all bytes fetched from focusing the search "
        f"box until the result count shows, fresh browser context, the home page loaded (network idle); latency "
        "measured in the page, from the input event reaching the search box to the result count showing, the search "
        "box's debounce (search.js) included, the driver waiting on a promise the page settles rather than polling "
        f"the page; queries {', '.join(QUERIES)}, the worse one reported; [warm] = the same query again; the time seen "
        "from Python, which adds Playwright's round trips to the browser, in brackets; runs before 2026-11-23 15:00 "
        "timed from Python, and runs before 16:00 let Playwright poll the page's main thread during the timed "
        "window). Peak memory: the largest "
        "process's maximum resident set (`wait4` rusage) and, in brackets, the peak of all the build's processes "
        "together (their resident sets summed from /proc every half second). Cores used = CPU time of the clean step (with its worker "
        "processes) / its wall time.",
        "",
        "<!-- notes -->",
        notes.strip(),
        "<!-- /notes -->",
        "",
    ]
    path.write_text("\n".join(text), encoding="utf-8")


NOTES_START, NOTES_END = "\n<!-- notes -->\n", "\n<!-- /notes -->"


def kept_notes(path: Path) -> str:
    """The hand-written findings of ``path``: the text between the markers, each on a line of its own."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    if NOTES_START in text and NOTES_END in text:
        return text.split(NOTES_START, 1)[1].rsplit(NOTES_END, 1)[0]
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="corpus sizes, comma-separated (default: 100,1000,10000)")
    parser.add_argument("--no-browser", action="store_true", help="skip the search measurement in Chromium")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "corpus", help="scratch folder (default: bench/corpus, git-ignored)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="cold builds and bare builds per size, alternately, the fastest of each taken (default: 3 up to 1,000 essays, else 1)")
    parser.add_argument("--keep", action="store_true", help="keep the other sizes' results of the last run (results.json in --work)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.md", help="where the results go (default: bench/results.md)")
    parser.add_argument("--rewrite", action="store_true",
                        help="measure nothing: write the results file again from results.json (after editing the notes or this script)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    previous = args.work / "results.json"
    if args.keep and previous.exists():
        results = [r for r in json.loads(previous.read_text())  # sizes not re-run, measured the same way
                   if r["essays"] not in sizes and all("name" in s for s in r["cold"]["steps"])]
    info, notes = machine(), kept_notes(args.results)
    if args.rewrite:
        write_results(args.results, json.loads(previous.read_text()), info, notes)
        print(f"written: {args.results}", file=sys.stderr)
        return 0
    trash = Trash(args.work.resolve() / ".trash")
    trash.empty()  # left by an interrupted run
    for size in sizes:
        load = os.getloadavg()[0]
        repeat = args.repeat or (3 if size <= 1000 else 1)
        results.append(bench_size(size, args.work.resolve(), browser=not args.no_browser, repeat=repeat, trash=trash)
                       | {"run": {"date": info["date"], "commit": info["commit"]}, "load": [load, os.getloadavg()[1]]})
        results.sort(key=lambda r: r["essays"])
        (args.work / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        print(table(results), file=sys.stderr, flush=True)
        write_results(args.results, results, info, notes)  # after each size: a long run leaves partial results
    trash.empty()
    print(table(results))
    print()
    for row in targets(results):
        print(" | ".join(row))
    print(f"\nwritten: {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
