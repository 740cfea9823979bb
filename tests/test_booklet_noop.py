"""The booklet's no-op check: an unchanged booklet is recognised from its sources (the essays' files,
the configuration, the code) without loading the catalogue or exporting it; a changed essay is
typeset again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handbook import booklet, config as configuration

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The repository's configuration and essays in a folder of the test's own: (config, essays folder)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    shutil.copy(REPO / "handbook.yml", tmp_path / "handbook.yml")
    essays = tmp_path / "docs" / "essays"
    shutil.copytree(REPO / "docs" / "essays", essays, ignore=shutil.ignore_patterns(".*"))
    return dict(configuration.load.__wrapped__(tmp_path / "handbook.yml")), essays


def test_unchanged_sources_skip_the_export_and_a_changed_essay_rebuilds(project, monkeypatch):
    config, essays = project
    first = booklet.build(config, "zh-Hans", quiet=True)
    assert first[0].built

    exported, loaded = [], []
    original = booklet.export
    monkeypatch.setattr(booklet, "export", lambda *a, **k: exported.append(1) or original(*a, **k))
    import handbook.catalogue

    load = handbook.catalogue.load_catalogue
    monkeypatch.setattr(handbook.catalogue, "load_catalogue", lambda *a, **k: loaded.append(1) or load(*a, **k))
    again = booklet.build(config, "zh-Hans", quiet=True)
    assert not again[0].built and exported == [] and loaded == [] and again[0].pages == first[0].pages

    page = sorted(essays.glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\n补充一段新的文字。\n", encoding="utf-8")
    changed = booklet.build(config, "zh-Hans", quiet=True)
    assert changed[0].built and exported == [1]


def test_a_volume_exported_the_same_by_new_code_is_not_exported_again(project, monkeypatch):
    """New exporting code (an upgrade) that exports a volume's data as before: the volume is not
    typeset again, and its new inputs are recorded, so that later builds do not export it again."""
    config, essays = project
    config["booklet"] = {**(config.get("booklet") or {}), "volume_max_essays": 1}
    first = booklet.build(config, "zh-Hant", quiet=True)
    assert len(first) == 2 and all(r.built for r in first)

    monkeypatch.setattr(booklet, "_converted_by", lambda edition: "an upgraded exporter")
    (first[0].pdf.parent / booklet.SOURCES_STAMP).unlink()  # as the upgraded code's digest would
    exported = []
    original = booklet.export
    monkeypatch.setattr(booklet, "export", lambda selection, *a, **k: exported.append(selection[0].essays[0].slug) or original(selection, *a, **k))
    upgraded = booklet.build(config, "zh-Hant", quiet=True)
    assert not any(r.built for r in upgraded) and len(exported) == 2

    page = sorted(essays.glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\n补充一段新的文字。\n", encoding="utf-8")
    exported.clear()
    changed = booklet.build(config, "zh-Hant", quiet=True)
    assert [r.built for r in changed] == [True, False] and exported == [page.stem]
