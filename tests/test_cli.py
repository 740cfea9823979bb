"""The ``handbook clean`` command as users and other tools run it: a process, files in, files out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from damage import damage
from handbook.render import parse

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = [str(Path(sys.executable).with_name("handbook"))]  # the installed console entry point


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*HANDBOOK, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's configuration with an empty seeds folder of its own."""
    shutil.copy(ROOT / "handbook.yml", tmp_path / "handbook.yml")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "docs" / "essays").mkdir(parents=True)
    return tmp_path


def essays(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


# --- the two seeds, end to end --------------------------------------------------------------

def test_both_seeds_clean_to_their_outline_and_date(tmp_path):
    report = tmp_path / "report.json"
    done = run("clean", "seeds", "--out", str(tmp_path / "out"), "--report", str(report))
    assert done.returncode == 0, done.stderr
    entries = {Path(e["source"]).name: e for e in json.loads(report.read_text())}

    first = entries["000_9b93f4d6943d791b.txt"]
    assert first["title"] == "树立五种意识 践行科学发展观" and first["date"] == "2014-08-30"
    assert first["removed"] == [
        "浏览次数: 更新时间:2014-08-30 16:50:22",
        "上一篇:浅议公安机关如何扎实做好电话回访工作",
        "下一篇:公安机关如何完善联系和服务群众工作机制",
        "网友评论《树立五种意识 践行科学发展观》",
        "评论功能已关闭",
    ]
    essay = parse(Path(first["output"]).read_text(encoding="utf-8"))
    assert [(b.level, b.text) for b in essay.blocks if b.kind == "heading"] == [
        (2, "一是要增强服务意识。"), (2, "二是增强政策、法律意识。"), (2, "三是增强时限意识。"), (2, "四是增强沟通意识。"), (2, "五是增强宣传意识。"),
    ]
    assert essay.blocks[0].text.endswith("增强“五种意识”：")

    second = entries["002_980270de91fa7613.txt"]
    assert second["date"] is None and second["removed"] == ["相关文章"]
    essay = parse(Path(second["output"]).read_text(encoding="utf-8"))
    headings = [(b.level, b.text) for b in essay.blocks if b.kind == "heading"]
    assert headings == [
        (2, "提升窗口服务的必要性和重要性"),
        (3, "（一）是社会经济发展的需要。"),
        (3, "（二）是交警自身发展的需要。"),
        (3, "（三）是服务群众的需要。"),
        (2, "公安交警部门如何提高窗口服务水平的几点思考"),
        (3, "（一）转变思路，开展服务型创建活动，是做好公安交通管理窗口服务工作的前提。"),
        (3, "（二）提高能力，强化业务服务工作，是做好公安交通管理窗口服务工作的保障。"),
        (3, "（三）换位思考，树立爱心为民理念，是做好公安交通管理窗口服务工作的保证。"),
        (3, "（四）敬岗爱业，不求索取的工作态度，是做好公安交通管理窗口服务工作的基础。"),
        (3, "（五）加强督查，提升窗口规范化管理水平。"),
        (4, "一是加强领导，明确责任。"),
        (4, "二是落实制度，规范行为。"),
        (4, "三是分工明确，互相配合。"),
        (2, "小小窗口，百姓帮手"),
    ]
    assert max(len(b.text) for b in essay.blocks) < 1000, "the glued 2,232-character line is split"


def test_committed_essays_are_what_the_cleaner_makes_of_the_seeds(tmp_path):
    assert run("clean", "seeds", "--out", str(tmp_path)).returncode == 0
    assert essays(tmp_path) == essays(ROOT / "docs" / "essays")


def test_seeds_are_the_shared_raw_essays_byte_for_byte():
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("no ../shared/seeds beside this checkout")
    for raw in shared.glob("*.txt"):
        assert (ROOT / "seeds" / raw.name).read_bytes() == raw.read_bytes()


# --- exit status, report and errors -----------------------------------------------------------

def test_bad_inputs_are_refused_by_name_and_the_rest_still_written(project):
    seeds = project / "seeds"
    (seeds / "good.txt").write_text(damage(), encoding="utf-8")
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    (seeds / "furniture.txt").write_text("浏览次数:  更新时间:2014-08-30\n评论功能已关闭\n", encoding="utf-8")
    report = project / "report.json"
    done = run("clean", "--report", str(report), cwd=project)
    assert done.returncode == 1
    for name, reason in [("empty.txt", "empty"), ("picture.txt", "binary"), ("furniture.txt", "only page furniture")]:
        assert any(name in line and reason in line for line in done.stderr.splitlines()), done.stderr
    entries = {Path(e["source"]).name: e for e in json.loads(report.read_text())}
    assert entries["good.txt"]["output"] and entries["good.txt"]["error"] is None
    assert all(entries[n]["output"] is None and entries[n]["error"] for n in ["empty.txt", "picture.txt", "furniture.txt"])
    assert set(entries["good.txt"]) >= {"source", "output", "error", "title", "date", "repairs", "removed"}
    assert len(essays(project / "docs" / "essays")) == 1


def test_usage_errors_exit_2():
    assert run("clean", "--no-such-option").returncode == 2
    assert run().returncode == 2


def test_help_explains_the_command():
    done = run("clean", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for words in ["SOURCE", "--out DIR", "--report FILE", "Exit status: 0 when every input was accepted, 1 when some were refused"]:
        assert words in text


# --- files --------------------------------------------------------------------------------------

def test_names_are_readable_unique_and_inputs_with_odd_names_work(project):
    seeds = project / "seeds"
    (seeds / "第一 篇.txt").write_text(damage(seed=1), encoding="utf-8")
    (seeds / "second copy.txt").write_text(damage(seed=2), encoding="utf-8")  # the same title
    (seeds / "other.txt").write_text("另一篇文章\n正文。", encoding="utf-8")
    assert run("clean", cwd=project).returncode == 0
    assert sorted(essays(project / "docs" / "essays")) == ["做好窗口服务-提升群众满意度-second-copy.md", "做好窗口服务-提升群众满意度-第一-篇.md", "另一篇文章.md"]


def test_two_runs_give_identical_bytes_and_the_second_writes_nothing(project):
    (project / "seeds" / "a.txt").write_text(damage(), encoding="utf-8")
    run("clean", cwd=project)
    out = project / "docs" / "essays"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    shutil.rmtree(project / "build")  # without the cache, too
    done = run("clean", cwd=project)
    assert "0 written" in done.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == before


def test_hand_written_pages_are_never_overwritten(project):
    out = project / "docs" / "essays"
    mine = out / "另一篇文章.md"
    mine.write_text("# 我自己写的\n", encoding="utf-8")
    (project / "seeds" / "other.txt").write_text("另一篇文章\n正文。", encoding="utf-8")
    done = run("clean", cwd=project)
    assert done.returncode == 0, done.stderr
    assert mine.read_text(encoding="utf-8") == "# 我自己写的\n"
    assert sorted(essays(out)) == ["另一篇文章-other.md", "另一篇文章.md"]


def test_a_removed_seed_takes_its_page_along_and_nothing_else(project):
    out = project / "docs" / "essays"
    (out / "hand.md").write_text("# 手写\n", encoding="utf-8")
    (project / "seeds" / "a.txt").write_text("甲文章\n正文。", encoding="utf-8")
    (project / "seeds" / "b.txt").write_text("乙文章\n正文。", encoding="utf-8")
    run("clean", cwd=project)
    assert sorted(essays(out)) == ["hand.md", "乙文章.md", "甲文章.md"]
    (project / "seeds" / "a.txt").unlink()
    done = run("clean", cwd=project)
    assert "1 removed" in done.stderr
    assert sorted(essays(out)) == ["hand.md", "乙文章.md"]


def test_a_retitled_essay_moves_to_its_new_name(project):
    out = project / "docs" / "essays"
    (project / "seeds" / "a.txt").write_text("旧标题\n正文。", encoding="utf-8")
    run("clean", cwd=project)
    (project / "seeds" / "a.txt").write_text("新标题\n正文。", encoding="utf-8")
    run("clean", cwd=project)
    assert sorted(essays(out)) == ["新标题.md"]


def test_a_large_batch_uses_worker_processes_and_shows_progress(project):
    for i in range(80):
        (project / "seeds" / f"{i:03d}.txt").write_bytes(damage(seed=i).encode("gb18030" if i % 2 else "utf-8"))
    done = run("clean", "--jobs", "2", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "80 written" in done.stderr
    assert len(essays(project / "docs" / "essays")) == 80


def test_a_bug_met_on_one_input_is_reported_and_the_others_still_written(project, monkeypatch):
    from handbook import batch, clean
    from handbook.config import load

    (project / "seeds" / "a.txt").write_text("甲文章\n正文。", encoding="utf-8")
    (project / "seeds" / "b.txt").write_text("乙文章\n正文。", encoding="utf-8")
    real = clean.clean_text

    def buggy(data, source, config):
        if source.endswith("a.txt"):
            raise RuntimeError("boom")
        return real(data, source, config)

    monkeypatch.setattr(batch, "clean_text", buggy)
    outcome = batch.run(load(project / "handbook.yml"), [str(project / "seeds")], project / "docs" / "essays", jobs=1, progress=False)
    errors = {Path(e["source"]).name: e["error"] for e in outcome.entries}
    assert errors["b.txt"] is None and "internal error" in errors["a.txt"] and "boom" in errors["a.txt"]
    assert sorted(essays(project / "docs" / "essays")) == ["乙文章.md"]


def test_an_edited_seed_is_cleaned_again_and_a_touched_one_is_not_rewritten(project):
    seed = project / "seeds" / "a.txt"
    seed.write_text("甲文章\n正文。", encoding="utf-8")
    run("clean", cwd=project)
    page = project / "docs" / "essays" / "甲文章.md"
    seed.touch()
    assert "0 written, 1 unchanged" in run("clean", cwd=project).stderr
    seed.write_text("甲文章\n改过的正文。", encoding="utf-8")
    assert "1 written" in run("clean", cwd=project).stderr
    assert "改过的正文" in page.read_text(encoding="utf-8")


def test_an_input_above_the_size_limit_is_refused_and_the_others_cleaned(project):
    config = (project / "handbook.yml").read_text(encoding="utf-8")
    (project / "handbook.yml").write_text(config.replace("  title_max_chars: 60", "  max_input_bytes: 20000\n  title_max_chars: 60"), encoding="utf-8")
    shutil.copy(ROOT / "seeds" / "000_9b93f4d6943d791b.txt", project / "seeds")
    (project / "seeds" / "huge.txt").write_bytes(("标题\n" + "窗口服务。" * 2000).encode())
    done = run("clean", "--report", "report.json", cwd=project)
    assert done.returncode == 1
    assert "huge.txt: refused: it is 30,007 bytes, more than cleaner.max_input_bytes (20,000)" in done.stderr, done.stderr
    assert [p.name for p in (project / "docs" / "essays").glob("*.md")] != [] and "Traceback" not in done.stderr


def test_an_unpaired_straight_quote_is_left_as_typed_and_named_in_the_report(project):
    (project / "seeds" / "quotes.txt").write_text(
        '关于窗口服务\n推进户籍业务&quot;网上办&quot;，实行一窗通办。\n群众反映&quot;办事难的问题得到解决。\n', encoding="utf-8")
    done = run("clean", "--report", "report.json", cwd=project)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert entry["repairs"]["pair_straight_double_quotes"] == 1
    assert entry["notes"] == ['unpaired straight double quote, left as typed: 群众反映"办事难的问题得到解决。']
    assert "notes for the editor (in the report): 1 in 1 essay" in done.stderr, done.stderr
    page = next((project / "docs" / "essays").glob("*.md")).read_text(encoding="utf-8")
    assert "推进户籍业务“网上办”，实行一窗通办。" in page and '群众反映"办事难的问题得到解决。' in page, page


def test_a_clean_that_reads_no_seed_leaves_its_cache_as_it_is(project, monkeypatch):
    """Nothing read, nothing cleaned: the cache of 10,000 seeds is not serialised again."""
    from handbook import batch
    from handbook.config import load

    (project / "seeds" / "a.txt").write_text("甲文章\n正文。", encoding="utf-8")
    config, out = load(project / "handbook.yml"), project / "docs" / "essays"
    batch.run(config, [str(project / "seeds")], out, jobs=1, progress=False)
    written = []
    monkeypatch.setattr(batch, "write_atomic", lambda path, data: written.append(Path(path).name))
    assert batch.run(config, [str(project / "seeds")], out, jobs=1, progress=False).unchanged == 1
    assert not [name for name in written if name.startswith("clean-")]
    (project / "seeds" / "a.txt").touch()  # read again: its new time is kept
    batch.run(config, [str(project / "seeds")], out, jobs=1, progress=False)
    assert [name for name in written if name.startswith("clean-")]
