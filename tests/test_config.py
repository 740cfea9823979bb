"""handbook.yml as editors meet it: each mistake is named in a line or two (file, line, key, what is
expected), the command exits with status 2, and no traceback is shown. CONFIGURATION.md is the
schema's own reference."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from handbook import config as configuration

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = [str(Path(sys.executable).with_name("handbook"))]
SEED = "000_9b93f4d6943d791b.txt"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "handbook.yml", tmp_path / "handbook.yml")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def edit(project: Path, old: str, new: str) -> None:
    path = project / "handbook.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(project: Path, text: str) -> int:
    lines = (project / "handbook.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def handbook(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*HANDBOOK, *args], cwd=project, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("old, new, marker, expected", [
    ("nav_fanout: 50", "nav_fanout: fifty", "nav_fanout: fifty", "site.nav_fanout: expected an integer, got 'fifty'"),
    ("chapters:", "chapterz:", "chapterz", "chapterz: unknown key; did you mean chapters?"),
    ("paper: A5", "paper: B5", "paper: B5", "booklet.paper: expected 'A5' or 'A4', got 'B5'"),
    ("title_weight: 3.0", "title_weight: heavy", "title_weight: heavy",
     "search.title_weight: expected a number, got 'heavy'"),
    ("impose: true", "impose: maybe", "impose: maybe", "booklet.impose: expected true or false, got 'maybe'"),
    ("    label: 繁體", "    lable: 繁體", "lable:", "editions.zh-Hant.lable: unknown key; did you mean label?"),
    ("    opencc: s2tw", "    opencc: s2xx", "opencc: s2xx", "editions.zh-Hant.opencc: expected 's2tw', 's2hk', 's2twp' or 's2t'"),
    ("title: 公安窗口服务工作手册", "title: 公安: 窗口", "title: 公安:", "YAML syntax error: mapping values are not allowed here"),
    ("essays: {}", f"essays:\n  {SEED}:\n    chapter: 交警", "chapter: 交警",
     f"essays.{SEED}.chapter: no chapter named 交警; did you mean 交警窗口?"),
    ("essays: {}", f"essays:\n  {SEED}:\n    headings: {{一是要增强服务意识。: 9}}", "headings: {",
     "level must be 0 or 2 to 6, not 9"),
    ("essays: {}", "essays:\n  000_9b93f4d6943d791b.tx:\n    title: 新标题", "000_9b93f4d6943d791b.tx:",
     f"essays.000_9b93f4d6943d791b.tx: no such seed in the seeds folder; did you mean {SEED}?"),
    ("booklets: []", "booklets:\n  - {title: 课, file: ke, since: 2015-01-01, until: 2014-01-01}", "file: ke",
     "booklets[ke]: since (2015-01-01) is after until (2014-01-01)"),
    ("booklets: []", "booklets:\n  - {title: 课, file: ke, chapters: [户籍]}", "file: ke",
     "booklets[ke].chapters: no chapter named 户籍; did you mean 户籍窗口?"),
])
@pytest.mark.parametrize("command", ["build", "clean"])
def test_a_mistake_is_named_with_its_line_and_exits_2(project, old, new, marker, expected, command):
    edit(project, old, new)
    done = handbook(project, command)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2, done.stderr
    assert f"handbook.yml:{line_of(project, marker)}" in done.stderr and expected in done.stderr, done.stderr
    assert not (project / "docs").exists() and not (project / "site").exists()  # nothing ran on a bad configuration


def test_a_missing_configuration_is_named(tmp_path):
    done = handbook(tmp_path, "build")
    assert done.returncode == 2 and "no handbook.yml in" in done.stderr and "Traceback" not in done.stderr


def test_a_bug_is_an_internal_error_with_its_traceback(project):
    """A configuration that validates but breaks our code is our bug, and says so."""
    done = subprocess.run([sys.executable, "-c", "import sys; from handbook import cli, batch; "
                           "batch.summary = None; sys.exit(cli.main(['clean', '-j', '1', 'seeds', '--out', 'out']))"],
                          cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 70, done.stderr
    assert "internal error" in done.stderr and "Traceback" in done.stderr


def test_defaults_fill_what_the_file_leaves_out(project):
    edit(project, "  nav_fanout: 50\n", "")
    edit(project, "essays: {}", "essays:")  # a key with nothing after it
    config = configuration.load.__wrapped__(project / "handbook.yml")
    assert config["site"]["nav_fanout"] == configuration.Site().nav_fanout
    assert config["cleaner"]["max_input_bytes"] == 5_000_000 and config["root"] == project and config["essays"] == {}


def test_the_configuration_reference_is_the_schemas():
    assert (ROOT / "CONFIGURATION.md").read_text(encoding="utf-8") == configuration.reference(), \
        "CONFIGURATION.md is stale: python -m handbook.config > CONFIGURATION.md"


def test_every_key_of_the_shipped_configuration_is_documented():
    reference = (ROOT / "CONFIGURATION.md").read_text(encoding="utf-8")
    config = configuration.load.__wrapped__(ROOT / "handbook.yml")
    for section in ("paths", "cleaner", "site", "booklet"):
        for key in config[section]:
            assert f"| `{key}` |" in reference, key
