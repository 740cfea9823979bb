"""The benchmark runs end to end on a tiny corpus (no timing is asserted: benchmarks are not tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import corpus  # noqa: E402


def test_corpus_essays_differ_and_mix_encodings(tmp_path):
    stats = corpus.write_corpus(tmp_path, 60)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 60 and len({f.read_bytes() for f in files}) == 60
    assert {"utf-8", "gbk", "gb18030", "utf-16", "big5"} <= set(stats["encodings"])
    assert stats["traditional"] > 0
    assert any(b"\r\n" in f.read_bytes() for f in files)
    assert corpus.generate_one(7).data == corpus.generate_one(7).data  # reproducible


def test_bench_runs_end_to_end(tmp_path):
    results = tmp_path / "results.md"
    results.write_text("# old results naming the <!-- notes --> marker in prose\n\n<!-- notes -->\n## Findings\n\n"
                       "1. kept by hand\n<!-- /notes -->\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bench", "--sizes", "4", "--repeat", "2", "--no-browser", "--work", str(tmp_path / "work"),
                    "--results", str(results)], cwd=REPO, check=True, capture_output=True, timeout=300)
    text = results.read_text(encoding="utf-8")
    assert "cleaner: s / MB/s / essays/s" in text and "## Targets" in text
    assert text.count("1. kept by hand") == 1 and text.count("## Findings") == 1  # the notes carried over once,
    assert text.count("<!-- notes -->") == 1 and "marker in prose" not in text  # and nothing else of the old file
    assert text.index("## Targets") < text.index("1. kept by hand")
    run = json.loads((tmp_path / "work" / "results.json").read_text())[0]
    assert run["essays"] == 4 and run["refused"] == 0
    assert [s["name"] for s in run["cold"]["steps"]][0] == "clean" and run["cold"]["tree_rss_mb"] > 0
    assert run["site"]["pages"] >= 4 and run["bare"]["site"]["pages"] >= 4
    assert len(run["runs"]["cold_s"]) == len(run["runs"]["bare_s"]) == 2  # alternately, the fastest of each kept
    assert (run["cold"]["wall"], run["bare"]["wall"]) == (min(run["runs"]["cold_s"]), min(run["runs"]["bare_s"]))
    assert "not measured at 10,000 (largest: 4)" in text
    assert not (tmp_path / "work" / ".trash").exists()  # the earlier runs' output, set aside while measuring, is gone
    assert run["run"]["commit"] and len(run["load"]) == 2

    # --rewrite measures nothing: the same tables again, with the notes as edited since
    results.write_text(text.replace("1. kept by hand", "1. edited by hand"), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bench", "--rewrite", "--work", str(tmp_path / "work"), "--results", str(results)],
                   cwd=REPO, check=True, capture_output=True, timeout=60)
    again = results.read_text(encoding="utf-8")
    assert "1. edited by hand" in again and "1. kept by hand" not in again
    assert again.split("<!-- notes -->")[0] == text.split("<!-- notes -->")[0]


def test_relevance_corpus_has_one_essay_about_each_query_among_many_mentioning_it(tmp_path):
    import yaml

    from bench import relevance

    answers = relevance.write_corpus(tmp_path, 200)
    assert set(answers) == set(relevance.QUERIES)
    pages = {}
    for path in tmp_path.glob("*.md"):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        pages[path.stem] = (yaml.safe_load(front)["title"], [line for line in body.splitlines() if line.startswith("## ")], body)
    for query, stem in answers.items():
        word = relevance.typed(query)
        about = {s for s, (title, headings, _) in pages.items() if word in title or any(word in h for h in headings)}
        assert about == {stem}, query
        mentioning = [s for s, (*_, body) in pages.items() if all(w in body for w in query.split())]
        assert len(mentioning) >= 15, query


def test_relevance_results_replace_their_section_and_keep_the_notes(tmp_path):
    from bench import relevance

    results = tmp_path / "results.md"
    results.write_text("# Benchmarks\n\n<!-- notes -->\n## Findings\n\n1. kept\n<!-- /notes -->\n", encoding="utf-8")
    relevance.record(results, f"{relevance.START}\nfirst\n{relevance.END}")
    relevance.record(results, f"{relevance.START}\nsecond\n{relevance.END}")
    text = results.read_text(encoding="utf-8")
    assert "second" in text and "first" not in text and text.count(relevance.START) == 1
    assert text.index("<!-- notes -->") < text.index("second") < text.index("1. kept") < text.index("<!-- /notes -->")


def test_the_incremental_bench_runs_end_to_end(tmp_path):
    results = tmp_path / "incremental.md"
    subprocess.run([sys.executable, "-m", "bench.incremental", "--sizes", "12", "--serve", "12", "--work", str(tmp_path / "work"),
                    "--results", str(results)], cwd=REPO, check=True, capture_output=True, timeout=600)
    text = results.read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "every page rendered: no earlier build" in rows["cold build"]
    import re

    rendered = [int(n) for n in re.findall(r"(\d+) of [\d,]+ pages rendered", rows["one essay's body edited"])]
    assert len(rendered) == 2 and max(rendered) <= 5  # both editions: the essay, its listings, the home page
    assert re.search(r"live at [\d.]+ s", rows["one essay's body edited"])  # when the sites were published
    assert {"an essay added at the end", "that essay removed", "an essay added half-way"} <= set(rows)
    assert "`handbook serve` at 12 essays" in text
