"""``python -m bench.pathological [--mb 1]`` (run by ``make bench``): the cleaner on hostile inputs
of about ``--mb`` megabytes each, beside ordinary essays, in seconds per megabyte. Every stage of
the cleaner must be linear in its input, so one such scrape never stalls a batch; the results go
to ``bench/pathological.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from handbook.clean import clean_text
from handbook.config import load

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_9b93f4d6943d791b.txt"


def _body() -> str:
    return "".join(SEED.read_text(encoding="utf-8").split("\n")[1:20])


# Each: what it is, and the text of about ``size`` characters (after a title line).
INPUTS = {
    "ordinary essays, one after another": lambda size: "\n".join(_repeat(_body() + "\n", size).split("\n")),
    "one long line of essay text": lambda size: _repeat(_body(), size),
    "spaced characters (窗 口 窗 口 …)": lambda size: _repeat("窗 口 ", size),
    "nested parentheses": lambda size: "(" * (size // 4) + "窗口" + ")" * (size // 4),
    "numbered points, one a sentence (一是。一是。…)": lambda size: _repeat("一是。", size),
    "entities (&nbsp; &bsp; &ampnbsp; …)": lambda size: _repeat("窗口&nbsp;&bsp;&ampnbsp;&quot;", size),
    "tags (<span> <br/> …)": lambda size: _repeat("窗口<span>服务</span><br/>", size),
}


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def scrape(kind: str, size: int) -> bytes:
    """The raw bytes of one hostile input of about ``size`` characters."""
    return ("标题\n" + INPUTS[kind](size)).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pathological", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each input in megabytes of UTF-8 (default: 1)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "pathological.md")
    args = parser.parse_args(argv)
    config = load(REPO / "handbook.yml")
    config = {**config, "cleaner": {**config["cleaner"], "max_input_bytes": None}}
    rows = []
    for kind in INPUTS:
        data = scrape(kind, int(args.mb * 1e6 / 3))  # three bytes a Han character
        started = time.perf_counter()
        result = clean_text(data, "bench.txt", config)
        seconds = time.perf_counter() - started
        megabytes = len(data) / 1e6
        outcome = "cleaned" if result.error is None else f"refused: {result.error}"
        rows.append(f"| {kind} | {megabytes:.2f} | {seconds:.2f} | {seconds / megabytes:.2f} | {outcome} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        "# The cleaner on pathological inputs",
        "",
        f"`python -m bench.pathological --mb {args.mb:g}` (run by `make bench`), {dt.datetime.now():%Y-%m-%d %H:%M}, one core.",
        "Target: at most 5 s for a 1 MB essay on one line, every row linear (seconds per MB alike at every size).",
        "",
        "| input | MB | seconds | s per MB | outcome |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
    ])
    args.results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
