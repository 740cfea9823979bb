"""The catalogue held for a build: read once, before the sites and booklets are forked, and given
to each of them as it was read; read again whenever what it depends on is not what was held."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from handbook import catalogue, cli, config as configuration, pipeline
from projects import new_project

ROOT = Path(__file__).resolve().parents[1]


def _shape(chapters: list[catalogue.Chapter]) -> list:
    return [(c.name, [(e.slug, e.digest, e.essay.title) for e in c.essays]) for c in chapters]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The repository's project, its essays' pages included."""
    project = new_project(tmp_path / "project")
    shutil.copytree(ROOT / "docs" / "essays", project / "docs" / "essays", ignore=shutil.ignore_patterns(".*"))
    return project


def test_held_catalogue_is_given_without_reading_and_read_again_when_its_inputs_differ(project, monkeypatch):
    config = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    fresh = _shape(catalogue.load_catalogue(config))
    cache = project / "build" / "cache" / "pages.pickle"
    cache.unlink()
    reads = []
    read = catalogue._read
    monkeypatch.setattr(catalogue, "_read", lambda *a, **k: reads.append(1) or read(*a, **k))
    with catalogue.held(config) as held:
        assert _shape(held) == fresh and reads == [1]
        given = catalogue.load_catalogue(config)
        assert _shape(given) == fresh and reads == [1]  # not read again
        given[0].essays.clear()  # a caller's changes stay its own
        assert _shape(catalogue.load_catalogue(config)) == fresh and reads == [1]
        assert not cache.exists()  # the parsed pages' cache is written when the build is done
        source = held[0].essays[0].essay.meta["source"]
        moved = {**config, "essays": {**config["essays"], source: {"chapter": "另一章"}}}  # an editor's choice
        assert "另一章" in {c.name for c in catalogue.load_catalogue(moved)} and reads == [1, 1]
        catalogue.load_catalogue(config, keep=lambda text: True)
        assert reads == [1, 1, 1]
        catalogue.save_held()  # what a build does once its sites are live: written then, once
        written = cache.stat().st_mtime_ns
    assert cache.stat().st_mtime_ns == written
    catalogue.load_catalogue(config)
    assert reads == [1, 1, 1, 1]  # held no more


def test_a_build_reads_the_catalogue_once_for_its_sites_and_booklets(project, monkeypatch, tmp_path_factory):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the steps run forked only with two cores or more")
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    shutil.rmtree(project / "docs" / "essays")
    config = configuration.load(project / "handbook.yml")
    reads = tmp_path_factory.mktemp("reads") / "pids"
    read = catalogue._read

    def counted(*args, **kwargs):
        with reads.open("a") as log:  # the forked processes write here too
            log.write(f"{os.getpid()}\n")
        return read(*args, **kwargs)

    monkeypatch.setattr(catalogue, "_read", counted)
    status, steps = pipeline.build(config, lambda: cli.run_clean(config, [], None, project / "build" / "clean-report.json", None, quiet=True))
    assert status == 0 and sorted(s.name for s in steps) == ["booklet", "booklets", "clean", "publish", "site zh-Hans", "site zh-Hant"]
    assert reads.read_text().split() == [str(os.getpid())]  # once, here, before the steps were forked


def test_the_catalogue_reads_only_the_pages_that_changed(project, monkeypatch):
    """A page's digest is taken from the record while its file is the same (``files.digests``),
    and its essay from the parsed pages' cache: loading the catalogue after one page changed
    reads that page alone, and sees its change."""
    import time

    from handbook import files

    config = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    monkeypatch.setattr(files, "RACY_NS", 0)  # files trusted at once, not two seconds after
    before = catalogue.load_catalogue(config)
    time.sleep(0.05)  # past the clock tick of the record
    page, title = before[0].essays[0].path, before[0].essays[0].essay.title
    page.write_text(page.read_text(encoding="utf-8").replace(title, f"改过的{title}"), encoding="utf-8")
    read = set()
    read_once = files.read_once
    monkeypatch.setattr(files, "read_once", lambda path: read.add(Path(path).name) or read_once(path))
    monkeypatch.setattr(catalogue, "read_once", files.read_once)
    after = catalogue.load_catalogue(config)
    assert read == {page.name}
    assert [e.essay.title for c in after for e in c.essays if e.path == page] == [f"改过的{title}"]
    assert sum(len(c.essays) for c in after) == sum(len(c.essays) for c in before)
