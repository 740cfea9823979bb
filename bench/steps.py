"""What ``handbook build`` does (clean → site per edition → booklet per edition), step by step, in
one process, timing each step: ``python -m bench.steps ROOT OUT.json``.

This is ``handbook.cli.run_build`` with a stopwatch around each call (and around the search
indexing inside the site build), so the sum is the cold ``make`` of the project in ROOT. For each
step: wall time, CPU time of this process and of its children (the cleaner's workers), and the
peak resident memory so far of this process and of its largest child.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def _usage() -> dict:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_self": me.ru_utime + me.ru_stime, "cpu_children": kids.ru_utime + kids.ru_stime,
            "rss_self_mb": me.ru_maxrss / 1024, "rss_children_mb": kids.ru_maxrss / 1024}


def main(root: Path, out: Path) -> None:
    os.chdir(root)  # the CLI works relative to the project, as `make` does
    from handbook import cli, config as configuration
    import importlib

    from handbook.site import search

    site_build = importlib.import_module("handbook.site.build")  # the module (the package exports its build())

    steps: list[dict] = []

    def measure(name: str, call):
        before, start, error = _usage(), time.perf_counter(), None
        try:
            call()
        except (Exception, MemoryError) as failure:  # recorded; the other steps still run
            error = f"{type(failure).__name__}: {failure}"[:500]
        wall, after = time.perf_counter() - start, _usage()
        steps.append({"step": name, "wall": wall, "cpu": after["cpu_self"] - before["cpu_self"] + after["cpu_children"] - before["cpu_children"],
                      "rss_self_mb": after["rss_self_mb"], "rss_children_mb": after["rss_children_mb"], "error": error})

    index_times: list[float] = []
    original = search.index_site

    def timed_index(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            index_times.append(time.perf_counter() - start)

    search.index_site = timed_index
    config = configuration.load(root / "handbook.yml")
    measure("clean", lambda: cli.run_clean(config, [], None, root / "build" / "clean-report.json", None, quiet=True))
    editions = site_build.editions(config)
    out.write_text(json.dumps({"steps": steps, "site_editions": editions}, indent=1))
    for edition in editions:
        measure(f"site {edition}", lambda: site_build.build(config, edition))
        steps[-1]["index"] = index_times[-1] if index_times else None
        out.write_text(json.dumps({"steps": steps, "site_editions": editions}, indent=1))
    from handbook.booklet.data import editions as booklet_editions

    for edition in booklet_editions(config):
        steps.append(booklet_step(root, edition))
        out.write_text(json.dumps({"steps": steps, "site_editions": editions}, indent=1))
    out.write_text(json.dumps({"steps": steps, "site_editions": editions}, indent=1))


BOOKLET = """import sys
from pathlib import Path
from handbook import booklet, config
booklet.build(config.load(Path("handbook.yml").resolve()), sys.argv[1], quiet=True)
"""


def booklet_step(root: Path, edition: str) -> dict:
    """One edition's booklet in a process of its own: Typst aborts the process (it does not raise)
    when the memory cap is reached, and each edition's peak memory is its own."""
    import subprocess

    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", BOOKLET, edition], cwd=root, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace").strip()
    error = None if code == 0 else f"exit {code}: {stderr.splitlines()[-1] if stderr else 'killed'}"[:500]
    return {"step": f"booklet {edition}", "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_self_mb": usage.ru_maxrss / 1024, "rss_children_mb": 0, "error": error}


def limit_memory() -> None:
    """Cap this process's address space (BENCH_MEMORY_LIMIT_GB, default 8: the issue's target): on a shared machine a
    step that would need more fails (and is reported) instead of calling the OOM killer on others."""
    gb = float(os.environ.get("BENCH_MEMORY_LIMIT_GB", "8"))
    if gb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (int(gb * 2**30), int(gb * 2**30)))


if __name__ == "__main__":
    limit_memory()
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
