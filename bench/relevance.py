"""``python -m bench.relevance [--sizes 100,1000,10000]`` (``make bench``): does search put first
the essay a query is about?

For each size a handbook of generated essays (our own sentences, ``bench.corpus``) is written
straight into a scratch project's ``docs/essays/`` and its Simplified site built (the real MkDocs
build, hook and search index; no cleaning, no booklet). For every query of ``QUERIES`` one essay,
at a random place in the catalogue, is about it: its title holds the query as typed, or (one query
in three) one of its headings does, and its body mentions it once or twice. Many other essays
mention the query's words in their bodies, from once to eight times (every one of its words, for a
query of several), some of them as typed, and some titles hold a part of the query (电话 of 电话回访).
No other title or heading holds a query.

In Chromium each query is typed into the search box of the built site, as a reader would, and the
known essay's rank among the ten results shown is read off the page: top-1 is the share of
queries where it comes first, MRR the mean of 1/rank (0 when it is not among the ten shown).
The first search's bytes and time (``bench.search.first_search``, a fresh browser each) are taken
for three of the queries. The results go into ``bench/results.md`` between the markers
``<!-- relevance -->`` (inside the hand-written notes, which ``python -m bench`` keeps), and raw
into ``<work>/relevance.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from .corpus import SECTIONS, SENTENCES, SUBHEADINGS, TOPICS

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.md"
START, END = "<!-- relevance -->", "<!-- /relevance -->"

# Each query, and whether the essay about it holds it in its title (else in a heading).
QUERIES = ["电话回访", "办事大厅", "接访", "随笔", "文明服务", "居住证", "户口迁移", "驾驶证", "违章处理", "户籍档案",
           "护照", "值班", "业务培训", "窗口形象", "自助设备", "证明材料", "锦旗", "评价器", "复盘", "廉洁",
           "应急处置", "群众路线", "岗位练兵", "调研", "信访", "一次告知", "身份证", "夜间 服务", "预约 上门",
           "证件 邮寄", "流动 警务", "社区 民警"]
FIRST_SEARCH = ["电话回访", "夜间 服务", "接访"]
KNOWN_TITLES = ["浅谈{q}", "关于{q}的几点思考", "{q}工作的实践与体会", "做好{q}的探索"]
KNOWN_HEADING = "{numeral}、{q}的做法"
OTHER_TITLES = ["{topic}工作随想 第{n}篇", "基层{topic}的调查与思考（{n}）", "{topic}经验交流之{n}"]
PART_TITLE = "{part}相关工作札记 第{n}篇"
MENTIONS = ["我们在{q}方面做了一些探索。", "{q}是群众关心的事情。", "谈到{q}，大家都有不少体会。", "今年{q}有了新的进展。",
            "有的同志认为{q}可以再改进。"]
NUMERALS = "一二三四五六七八九十"


def typed(query: str) -> str:
    """The query as it stands in a title: its words run together."""
    return query.replace(" ", "")


def essay_markdown(title: str, source: str, blocks: list[tuple[str, str]]) -> str:
    paragraphs = [text for kind, text in blocks if kind == "p"]
    meta = {"title": title, "source": source, "summary": paragraphs[0][:60], "original_script": "zh-Hans",
            "generator": "handbook"}
    body = [f"# {title}", ""] + [f"## {text}" if kind == "h" else text for kind, text in blocks]
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + "\n\n".join(body) + "\n"


def plain_blocks(rng: random.Random) -> list[tuple[str, str]]:
    """An opening and three to six sections of our sentences, under the corpus's section headings."""
    blocks = [("p", "".join(rng.sample(SENTENCES, rng.randint(3, 6))))]
    for s, section in enumerate(rng.sample(SECTIONS, rng.randint(3, 6))):
        blocks.append(("h", f"{NUMERALS[s]}、{section}"))
        for _ in range(rng.randint(1, 3)):
            blocks.append(("p", rng.choice(SUBHEADINGS).rstrip("。") + "。" + "".join(rng.sample(SENTENCES, rng.randint(2, 5)))))
    return blocks


def mention(blocks: list[tuple[str, str]], query: str, times: int, rng: random.Random, as_typed: bool) -> None:
    """Mention ``query`` ``times`` times in random paragraphs: as typed, or each word in a paragraph of its own."""
    paragraphs = [i for i, (kind, _) in enumerate(blocks) if kind == "p"]
    for _ in range(times):
        words = [typed(query)] if as_typed else query.split()
        for word in words:
            i = rng.choice(paragraphs)
            blocks[i] = ("p", blocks[i][1] + rng.choice(MENTIONS).format(q=word))


def write_corpus(essays: Path, count: int, seed: int = 0) -> dict[str, str]:
    """Write ``count`` essays into ``essays``; returns each query's known essay (its page name)."""
    rng = random.Random(seed)
    known = dict(zip(rng.sample(range(count), len(QUERIES)), QUERIES))
    rates = {q: rng.uniform(0.1, 0.4) for q in QUERIES}
    topics = [t for t, _ in TOPICS]
    answers = {}
    essays.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        blocks = plain_blocks(rng)
        query = known.get(n)
        if query is not None:
            if QUERIES.index(query) % 3 == 2:
                title = rng.choice(OTHER_TITLES).format(topic=rng.choice(topics), n=n + 1)
                at = rng.randrange(1, len(blocks))
                blocks[at:at] = [("h", KNOWN_HEADING.format(numeral=NUMERALS[rng.randrange(10)], q=typed(query))),
                                 ("p", "".join(rng.sample(SENTENCES, 3)))]
            else:
                title = rng.choice(KNOWN_TITLES).format(q=typed(query))
            mention(blocks, query, rng.randint(1, 2), rng, as_typed=True)
            answers[query] = f"e{n:05d}"
        elif rng.random() < 0.2:
            part = typed(rng.choice(QUERIES))
            title = PART_TITLE.format(part=part[: max(1, len(part) // 2)], n=n + 1)
        else:
            title = rng.choice(OTHER_TITLES).format(topic=rng.choice(topics), n=n + 1)
        if query is None and any(typed(q) in title for q in QUERIES):
            raise AssertionError(f"{title}: a title not about a query holds one")
        for q in QUERIES:
            if q != query and rng.random() < rates[q]:
                times = rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 8])
                mention(blocks, q, times, rng, as_typed=" " not in q or rng.random() < 0.3)
        (essays / f"e{n:05d}.md").write_text(essay_markdown(title, f"{n:05d}.txt", blocks), encoding="utf-8")
    return answers


def build(project: Path, count: int) -> tuple[dict[str, str], float]:
    """A scratch project of ``count`` essays, its Simplified site built; the answers and the build's time."""
    from handbook import config as configuration
    from handbook import site

    if project.exists():
        shutil.rmtree(project)
    (project / "docs").mkdir(parents=True)
    shutil.copy(REPO / "handbook.yml", project / "handbook.yml")
    shutil.copy(REPO / "docs" / "index.md", project / "docs" / "index.md")
    answers = write_corpus(project / "docs" / "essays", count)
    config = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    start = time.perf_counter()
    site.build(config, "zh-Hans")
    return answers, time.perf_counter() - start


def ranks(site: Path, answers: dict[str, str]) -> dict[str, int | None]:
    """Each query typed into the site's search box in Chromium: the known essay's rank among the results shown."""
    from playwright.sync_api import sync_playwright

    from .search import CHROMIUM, CHROMIUM_ARGS, serve

    found = {}
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60000)
        page.goto(url)
        page.click("[data-hb-search-input]")
        for query, stem in answers.items():
            page.fill("[data-hb-search-input]", query)
            page.wait_for_function("() => /找到|没有/.test(document.querySelector('[data-hb-search-meta]').textContent)")
            shown = page.eval_on_selector_all("[data-hb-search-list] li a", "els => els.map(a => new URL(a.href).pathname)")
            at = [i for i, path in enumerate(shown, 1) if path.rstrip("/").endswith("/" + stem)]
            found[query] = at[0] if at else None
        browser.close()
    return found


def measure(count: int, work: Path) -> dict:
    print(f"[relevance {count}] corpus and site", file=sys.stderr, flush=True)
    project = work / str(count)
    answers, build_s = build(project, count)
    print(f"[relevance {count}] {len(answers)} queries in chromium", file=sys.stderr, flush=True)
    found = ranks(project / "site", answers)
    from .search import first_search

    first = first_search(project / "site", FIRST_SEARCH)
    index_bytes = sum(p.stat().st_size for p in (project / "site" / "search").rglob("*") if p.is_file())
    top1 = sum(1 for r in found.values() if r == 1) / len(found)
    mrr = sum(1 / r for r in found.values() if r) / len(found)
    return {"essays": count, "build_s": build_s, "ranks": found, "top1": top1, "mrr": mrr, "index_bytes": index_bytes,
            "first_search": [{k: s[k] for k in ("query", "bytes", "latency_ms", "warm_ms", "meta", "by_kind")} for s in first]}


def table(results: list[dict], when: str, commit: str) -> str:
    sizes = [r["essays"] for r in results]
    head = "| | " + " | ".join(f"{n:,}" for n in sizes) + " |\n|---|" + "---:|" * len(sizes) + "\n"
    rows = [
        ("queries (one essay about each)", lambda r: str(len(r["ranks"]))),
        ("top-1 (target ≥ 95 %)", lambda r: f"{100 * r['top1']:.0f} %"),
        ("MRR over the ten shown (target ≥ 0.97)", lambda r: f"{r['mrr']:.3f}"),
        ("queries whose essay is not first: rank", lambda r: ", ".join(
            f"{q} {rank or '>10'}" for q, rank in r["ranks"].items() if rank != 1) or "none"),
        ("first search, worst of " + "/".join(FIRST_SEARCH) + ": KB [ms]", lambda r: "{:.0f} [{:.0f}]".format(
            max(s["bytes"] for s in r["first_search"]) / 1024, max(s["latency_ms"] for s in r["first_search"]))),
        ("first search, each: KB / ms / count shown", lambda r: "; ".join(
            f"{s['query']} {s['bytes'] / 1024:.0f} / {s['latency_ms']:.0f} / {s['meta']}" for s in r["first_search"])),
        ("search index on disk (MB)", lambda r: f"{r['index_bytes'] / 2**20:.1f}"),
        ("site build, one edition (s)", lambda r: f"{r['build_s']:.0f}"),
    ]
    body = "".join(f"| {name} | " + " | ".join(f(r) for r in results) + " |\n" for name, f in rows)
    return (f"{START}\n## Relevance (`python -m bench.relevance`)\n\nRun {when} at commit {commit}. "
            "How it is measured: `bench/relevance.py`'s docstring.\n\n" + head + body + END)


def record(path: Path, section: str) -> None:
    """Put ``section`` into ``path`` in place of the previous one, else at the start of the notes."""
    text = path.read_text(encoding="utf-8")
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.replace("<!-- notes -->\n", "<!-- notes -->\n" + section + "\n\n", 1)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "relevance")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = []
    for count in (int(s) for s in args.sizes.split(",")):
        results.append(measure(count, args.work))
        (args.work / "relevance.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        record(args.results, table(results, dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), commit))
        r = results[-1]
        print(f"[relevance {count}] top-1 {r['top1']:.2%}, MRR {r['mrr']:.3f}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
