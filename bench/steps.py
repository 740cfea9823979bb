"""What ``handbook build`` does, measured: ``python -m bench.steps ROOT OUT.json``.

This runs ``handbook.pipeline.build`` — clean, then the editions' sites and the booklets side by
side — in the project in ROOT, and writes each step as the pipeline measured it (start, wall
time, CPU time of its processes, peak memory of its largest process, a site's search-indexing
part) to OUT.json, so the sum is the cold ``make`` of that project.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import sys
from pathlib import Path


def main(root: Path, out: Path) -> None:
    os.chdir(root)  # the CLI works relative to the project, as `make` does
    from handbook import cli, config as configuration, pipeline
    from handbook.site.build import editions

    config = configuration.load(root / "handbook.yml")
    status, steps = pipeline.build(config, lambda: cli.run_clean(config, [], None, root / "build" / "clean-report.json", None, quiet=True))
    out.write_text(json.dumps({"status": status, "steps": [dataclasses.asdict(s) for s in steps],
                               "site_editions": editions(config)}, indent=1))


def limit_memory() -> None:
    """Cap this process's address space (BENCH_MEMORY_LIMIT_GB, default 8: the issue's target): on a shared machine a
    step that would need more fails (and is reported) instead of calling the OOM killer on others."""
    gb = float(os.environ.get("BENCH_MEMORY_LIMIT_GB", "8"))
    if gb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (int(gb * 2**30), int(gb * 2**30)))


if __name__ == "__main__":
    limit_memory()
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
