"""``python -m bench.pathological [--mb 1]`` (run by ``make bench``): the cleaner on hostile inputs
of about ``--mb`` megabytes each, beside ordinary essays, in CPU seconds per megabyte, each also at
a quarter of that size: every stage of the cleaner must be linear in its input, so one such scrape
never stalls a batch. The results go to ``bench/pathological.md``.
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


# Each: what it is, and the unit repeated to the size asked for (after a title line).
INPUTS = {
    "ordinary essays, one after another": lambda: "\n".join(_body() + "\n" for _ in range(3)),
    "one long line of essay text": _body,
    "spaced characters (窗 口 窗 口 …)": lambda: "窗 口 ",
    "nested parentheses": lambda: "(",
    "entities (&nbsp; &bsp; &ampnbsp; &quot;, 4 per 32 bytes)": lambda: "窗口&nbsp;&bsp;&ampnbsp;&quot;",
    "tags (<span> </span> <br/>, 3 per 24 bytes)": lambda: "窗<span>口</span><br/>",
    "numbered points, one a sentence (一是。一是。…)": lambda: "一是。",
    "numbered points glued on one line (一是…。二是…。)": lambda: "一是窗口。二是服务。",
    "short numbered lines (一、窗口)": lambda: "一、窗口\n",
    "straight double quotes (推进\"网上办\"，)": lambda: '推进"网上办"，',
    "URLs in Chinese text (见 http://…)": lambda: "见 http://a.cn/?q=1,2 ",
    "related-article lists glued on one line (甲文 相关文章 …)": lambda: "甲文 相关文章 ",
}


def scrape(kind: str, size: int) -> bytes:
    """The raw bytes of one hostile input of about ``size`` bytes of UTF-8."""
    unit = INPUTS[kind]()
    if kind == "nested parentheses":  # opened, then closed around one word
        depth = size // 2
        return ("标题\n" + "(" * depth + "窗口" + ")" * depth).encode("utf-8")
    count = max(1, size // len(unit.encode("utf-8")))
    return ("标题\n" + unit * count).encode("utf-8")


def measure(kind: str, size: int, config: dict) -> tuple[float, float, str]:
    """The input's size in MB, the CPU seconds cleaning it took, and what became of it."""
    data = scrape(kind, size)
    started = time.process_time()
    result = clean_text(data, "bench.txt", config)
    seconds = time.process_time() - started
    return len(data) / 1e6, seconds, "cleaned" if result.error is None else f"refused: {result.error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pathological", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of each input in megabytes of UTF-8 (default: 1)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "pathological.md")
    args = parser.parse_args(argv)
    config = load(REPO / "handbook.yml")
    config = {**config, "cleaner": {**config["cleaner"], "max_input_bytes": None}}
    rows = []
    for kind in INPUTS:
        small_mb, small_s, _ = measure(kind, int(args.mb * 1e6 / 4), config)
        megabytes, seconds, outcome = measure(kind, int(args.mb * 1e6), config)
        growth = (seconds / megabytes) / max(small_s / small_mb, 1e-9)
        rows.append(f"| {kind} | {megabytes:.2f} | {seconds:.2f} | {seconds / megabytes:.2f} | {small_s / small_mb:.2f} | {growth:.2f} | {outcome} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        "# The cleaner on pathological inputs",
        "",
        f"`python -m bench.pathological --mb {args.mb:g}` (run by `make bench`), {dt.datetime.now():%Y-%m-%d %H:%M}, one process, CPU seconds.",
        "Target: at most 5 s for a 1 MB essay on one line; every row linear: the seconds per MB at the full size",
        "and at a quarter of it alike (growth near 1; a quadratic stage would show 4).",
        "",
        "| input | MB | CPU s | s per MB | s per MB at ¼ size | growth | outcome |",
        "|---|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
    ])
    tmp = args.results.with_name(args.results.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
