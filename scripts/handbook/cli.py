"""The ``handbook`` command: clean the seeds, build the site and the booklets."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from . import config as configuration
from .files import one_at_a_time, write_atomic


USAGE_ERROR = 2
INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h


def main(argv: list[str] | None = None) -> int:
    """The command; a user's mistake is one or two lines and exit status 2, a bug of ours a
    traceback marked "internal error"."""
    try:
        return _run(argv)
    except configuration.ConfigError as error:
        print(f"handbook: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - anything else is our bug: say so, with what a report needs
        print("handbook: internal error (a bug, please report it with what follows):", file=sys.stderr)
        traceback.print_exc()
        return INTERNAL_ERROR


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="handbook",
        description="Turn scraped Chinese essays into a clean, searchable handbook site and a print booklet.",
    )
    parser.add_argument("--config", type=Path, help="the project's handbook.yml (default: found from the working folder up)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    clean = commands.add_parser(
        "clean",
        help="clean raw essays into Markdown",
        description="Clean raw scraped essays into Markdown pages, one per accepted essay. "
        "Exit status: 0 when every input was accepted, 1 when some were refused (all others are "
        "still written), 2 for a usage error.",
    )
    clean.add_argument("sources", nargs="*", metavar="SOURCE", help="files or folders of raw essays (default: the seeds folder of handbook.yml)")
    clean.add_argument("--out", type=Path, metavar="DIR", help="where the Markdown goes (default: paths.essays of handbook.yml, where the site reads essays)")
    clean.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write a JSON report: one object per input with source, output, error, title, date, "
        "encoding, original_script, repairs (named repair -> lines changed) and removed (footer lines taken off)",
    )
    clean.add_argument("--jobs", "-j", type=int, metavar="N", help="worker processes (default: one per core)")
    clean.add_argument("--quiet", "-q", action="store_true", help="no summary on standard error")

    commands.add_parser("build", help="clean the seeds, build the site and the booklets (what `make` runs)",
                        description="Clean the seeds, then build every edition's site and the booklets, side by side "
                        "when there are cores for it; what is up to date is skipped. Exit status: 0, or 1 when the "
                        "cleaner refused some inputs (all others are built), or 3 when a site or booklet failed.")
    serve = commands.add_parser("serve", help="preview the site, re-cleaning a seed when it changes")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT", help="where to serve (default: 127.0.0.1:8000)")
    # prefix_chars="+": the booklet's own options (--edition, --paper, --help) reach booklet.main
    # in order instead of being taken for this parser's unknown options.
    booklet = commands.add_parser("booklet", help="typeset the print booklets (see `handbook booklet --help`)", add_help=False,
                                  prefix_chars="+")
    booklet.add_argument("options", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    config = configuration.load(args.config)
    if args.command == "serve":
        from . import site

        return site.serve(config, dev_addr=args.dev_addr) or 0
    with one_at_a_time(Path(config["root"]) / "build" / ".lock"):
        return _command(args, config)


def _command(args: argparse.Namespace, config: dict) -> int:
    if args.command == "clean":
        return run_clean(config, args.sources, args.out, args.report, args.jobs, args.quiet)
    if args.command == "build":
        return run_build(config)
    if args.command == "booklet":
        from . import booklet

        return booklet.main(args.options, config)
    raise AssertionError(args.command)


def run_clean(config: dict, sources: list[str], out: Path | None, report: Path | None, jobs: int | None, quiet: bool = False) -> int:
    root = Path(config["root"])
    if not sources:
        _check_seeds(config)
    sources = sources or [os.path.relpath(root / config["paths"]["seeds"])]
    out = out or Path(os.path.relpath(root / config["paths"]["essays"]))
    # Imported here: only the commands that clean need the cleaner (a quarter of a second).
    from . import batch

    outcome = batch.run(config, sources, out, jobs=jobs, progress=not quiet)
    if report:
        # One input per line: as easy to read and diff as an indented list, and written by json's C
        # encoder (an indent makes json use its Python one: a second of every `make` at 10,000 essays).
        write_atomic(report, "[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in outcome.entries) + "\n]\n")
    if not quiet:
        print(batch.summary(outcome, out), file=sys.stderr)
    return 1 if outcome.refused else 0


def run_build(config: dict) -> int:
    """Everything ``make`` builds, each step skipping what has not changed (``handbook.pipeline``)."""
    from . import pipeline

    _check_seeds(config)
    status, _ = pipeline.build(config, lambda: run_clean(config, [], None, Path(config["root"]) / "build" / "clean-report.json", None))
    return status


def _check_seeds(config: dict) -> None:
    """The seeds that handbook.yml names exist (a correction for a missing seed is a mistake)."""
    seeds = Path(config["root"]) / config["paths"]["seeds"]
    configuration.check_seeds(config, {p.name for p in seeds.iterdir()} if seeds.is_dir() else set())
