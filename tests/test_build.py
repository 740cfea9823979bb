"""``handbook build`` (what ``make`` runs) as a process: clean, then every edition's site and the
booklets side by side; nothing when nothing changed; a failed step never stops the others."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = str(Path(sys.executable).with_name("handbook"))


def build(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([HANDBOOK, "build"], cwd=project, capture_output=True, text=True, timeout=600)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's seeds and hand-written pages in a project of their own, nothing built yet."""
    shutil.copy(ROOT / "handbook.yml", tmp_path / "handbook.yml")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", tmp_path / "docs" / "index.md")
    return tmp_path


def test_cold_build_makes_both_sites_and_booklets_then_a_second_does_nothing(project):
    first = build(project)
    assert first.returncode == 0, first.stderr
    for site in (project / "site", project / "site" / "zh-Hant"):
        assert (site / "index.html").is_file() and (site / "search" / "meta.json").is_file()
        pdfs = sorted(p.name for p in (site / "downloads").glob("handbook-*.pdf"))
        assert len(pdfs) == 2, pdfs  # the booklet and its imposed print file, copied after the site was built
        assert all(f'href="downloads/{name}"' in (site / "index.html").read_text(encoding="utf-8") for name in pdfs)
        chapters = sorted(p.name for p in (site / "downloads").glob("chapter-*.pdf"))
        assert len(chapters) == 4, chapters  # each of the two chapters, and its print file
    # One line says how long each step took: the sites and the booklets ran as steps of their own.
    summary = next(line for line in first.stderr.splitlines() if line.startswith("handbook build:"))
    steps = re.findall(r"(clean|site zh-Hans|site zh-Hant|booklet) [\d.]+ s", summary)
    assert sorted(steps) == ["booklet", "clean", "site zh-Hans", "site zh-Hant"], summary

    built = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    second = build(project)
    assert second.returncode == 0, second.stderr
    assert "handbook build:" not in second.stderr  # no step had anything to do
    after = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    assert after.keys() == built.keys()
    assert [p for p in built if after[p] != built[p]] == []  # not even the booklets' PDFs are copied again


def test_a_step_whose_process_is_killed_fails_alone(project, monkeypatch):
    """The booklets' process killed (as for memory): that step fails, naming the exit status, and
    both sites are still built."""
    from handbook import cli, config as configuration, pipeline

    monkeypatch.chdir(project)
    config = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    task = pipeline._task
    monkeypatch.setattr(pipeline, "_task", lambda config, kind, *rest, **options: os._exit(9) if kind == "booklet" else task(config, kind, *rest, **options))
    status, steps = pipeline.build(config, lambda: cli.run_clean(config, [], None, None, None, quiet=True))
    assert status == pipeline.FAILED
    failed = {step.name: step.error for step in steps if step.error}
    assert list(failed) == ["booklet"] and "ended without a result (exit status 9" in failed["booklet"]
    assert (project / "site" / "index.html").is_file() and (project / "site" / "zh-Hant" / "index.html").is_file()


def test_the_catalogue_cache_is_read_once_per_process_and_again_when_replaced(project, monkeypatch, caplog):
    """``handbook build`` loads the catalogue once before forking its steps: a process keeps the
    parsed pages it read or wrote while the cache file is as it left it, and reads the file
    again (here damaged, so every page is parsed anew) once another process has replaced it."""
    from handbook import catalogue, cli, config as configuration
    from handbook.files import write_atomic

    monkeypatch.chdir(project)
    config = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    assert cli.run_clean(config, [], None, None, None, quiet=True) == 0
    catalogue._REMEMBERED.clear()

    def listing() -> list:
        return [(c.name, [(e.slug, e.digest, e.essay.title) for e in c.essays]) for c in catalogue.load_catalogue(config)]

    first = listing()
    cache = project / "build" / "cache" / "pages.pickle"
    stat = cache.stat()
    with cache.open("r+b") as stream:  # damaged in place, its identity kept: this process does not look
        stream.write(b"\0" * stat.st_size)
    os.utime(cache, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with caplog.at_level("WARNING", logger="handbook.catalogue"):
        assert listing() == first
        assert not caplog.records
        write_atomic(cache, b"damaged")  # replaced, as another process replaces it
        assert listing() == first
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"handbook: {cache} is damaged (") and warning.endswith("the pages are read again")
