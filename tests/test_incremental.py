"""Exact incremental builds: after each kind of change, ``handbook build`` renders only what the
change affects, and what it publishes (docs, both editions' sites with their search indexes, the
booklets) is byte for byte what a cold build of the same inputs gives.

The handbook is small but shaped like a large one: chapters split into groups (``nav_fanout: 4``)
and booklets in volumes (``volume_max_essays: 8``), with a named booklet."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest
import yaml

from projects import ROOT, build, new_project, same_outputs

SUMMARY = re.compile(r"site (zh-Hans|zh-Hant) [\d.]+ s \(([^;)]*)")
FANOUT = 3


def configure(project: Path, **essays) -> None:
    """The test's handbook.yml: small groups, volumes and pieces, a named booklet, and ``essays`` as
    per-essay corrections."""
    config = yaml.safe_load((project / "handbook.yml").read_text(encoding="utf-8"))
    config["site"]["nav_fanout"] = FANOUT
    config["booklet"]["volume_max_essays"] = 8
    config["booklet"]["piece_essays"] = 3  # volumes typeset in pieces, a change inside one of them
    config["booklets"] = [{"title": "户籍窗口专题", "file": "huji", "chapters": ["户籍窗口"], "layout": "handout"}]
    config["essays"] = essays or {}
    (project / "handbook.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A handbook of 30 generated essays and the two seeds, built once."""
    project = new_project(tmp_path_factory.mktemp("incremental") / "base", essays=30)
    configure(project)
    done = build(project)
    assert done.returncode == 0, done.stderr
    return project


def copy_of(project: Path, folder: Path) -> Path:
    shutil.copytree(project, folder, symlinks=True)  # the published site's links are relative
    return folder


def cold_twin(project: Path, folder: Path) -> Path:
    """A fresh project with ``project``'s inputs (seeds, configuration, hand-written pages), built cold."""
    twin = folder / "cold"
    twin.mkdir(parents=True)
    shutil.copytree(project / "seeds", twin / "seeds")
    for name in ("handbook.yml", "mkdocs.yml"):
        if (project / name).is_file():
            shutil.copy(project / name, twin / name)
    if (project / "overrides").is_dir():
        shutil.copytree(project / "overrides", twin / "overrides")
    (twin / "docs").mkdir()
    shutil.copy(project / "docs" / "index.md", twin / "docs" / "index.md")
    done = build(twin)
    assert done.returncode == 0, done.stderr
    return twin


def rendered(stderr: str) -> dict[str, str]:
    """What each edition's site step says it rendered: ``3 of 41 pages rendered`` or ``every page
    rendered: …``."""
    return dict(SUMMARY.findall(stderr))


def counts(said: str) -> tuple[int, int]:
    done, total = re.fullmatch(r"([\d,]+) of ([\d,]+) pages rendered", said).groups()
    return int(done.replace(",", "")), int(total.replace(",", ""))


def chapters(project: Path) -> dict[str, list[str]]:
    """Each chapter's seeds, in catalogue order."""
    from handbook import config as configuration
    from handbook.catalogue import load_catalogue

    config = configuration.load(project / "handbook.yml")
    return {c.name: [e.essay.meta["source"] for e in c.essays] for c in load_catalogue(config)}


def pick(project: Path, fits=lambda count: count % FANOUT != 1) -> tuple[str, Path]:
    """A chapter whose essay count ``fits`` (by default: its groups stay as they are when it
    loses an essay) and a UTF-8 seed half-way through it."""
    for name, seeds in chapters(project).items():
        if fits(len(seeds)):
            middle = [project / "seeds" / s for s in seeds[len(seeds) // 2:]]
            return name, next(p for p in middle if _utf8(p))
    raise AssertionError(f"no chapter fits: {chapters(project)}")


def _utf8(path: Path) -> bool:
    try:
        return b"\r" not in path.read_bytes() and bool(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return False


def edit_body(project: Path) -> None:
    _, seed = pick(project)
    text = seed.read_text(encoding="utf-8")
    cut = text.index("。", len(text) // 2) + 1
    seed.write_text(text[:cut] + "编辑在这里补充了一句新的说明。" + text[cut:], encoding="utf-8")


def add_essay(project: Path) -> None:
    chapter, seed = pick(project, lambda count: count % FANOUT != 0)
    (project / "seeds" / (seed.stem + "a.txt")).write_text(
        f"{chapter}新来的同志谈体会\n\n窗口民警要把群众的事当作自己的事。预约办理让群众少跑一趟。\n", encoding="utf-8")


def remove_essay(project: Path, last_of_its_group: bool = False) -> None:
    pick(project, (lambda count: count % FANOUT == 1) if last_of_its_group else (lambda count: count % FANOUT != 1))[1].unlink()


def retitle(project: Path) -> None:
    chapter, seed = pick(project)  # a title naming its chapter keeps the essay there
    configure(project, **{seed.name: {"title": f"{chapter}工作的一点新认识"}})


def move_chapter(project: Path) -> None:
    chapter, seed = pick(project)
    configure(project, **{seed.name: {"chapter": next(name for name in chapters(project) if name != chapter)}})


CHANGES = {"body edited": edit_body, "essay added": add_essay, "essay removed": remove_essay,
           "title changed": retitle, "chapter changed": move_chapter,
           "group removed": lambda project: remove_essay(project, last_of_its_group=True)}


@pytest.mark.parametrize("change", CHANGES)
def test_an_incremental_build_is_the_cold_build(base, tmp_path, change):
    project = copy_of(base, tmp_path / "project")
    CHANGES[change](project)
    done = build(project)
    assert done.returncode == 0, done.stderr
    said = rendered(done.stderr)
    assert set(said) == {"zh-Hans", "zh-Hant"}, done.stderr
    for edition, what in said.items():
        pages, total = counts(what)
        assert pages >= 1, f"{edition}: {what}"
        if change not in ("chapter changed", "group removed"):  # those shift or drop groups others show
            assert pages < total / 2, f"{edition}: {what}"
        if change == "body edited":  # the essay, its group's and chapter's listings, the home page
            assert pages <= 4, f"{edition}: {what}"
    twin = cold_twin(project, tmp_path)
    same_outputs(project, twin, pdfs=True)
    assert folders(project / "site") == folders(twin / "site")  # a removed page's folder goes too


def folders(site: Path) -> set[str]:
    """The folders of the published site, links followed."""
    import os

    return {os.path.relpath(top, site) for top, _, _ in os.walk(site, followlinks=True)}


def test_a_change_every_page_shows_renders_every_page(base, tmp_path):
    project = copy_of(base, tmp_path / "project")
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    mkdocs = mkdocs.replace("primary: indigo", "primary: teal").replace("- scripts/", f"- {ROOT}/scripts/")
    (project / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
    shutil.copytree(ROOT / "overrides", project / "overrides")
    done = build(project)
    assert done.returncode == 0, done.stderr
    assert rendered(done.stderr) == {"zh-Hans": "every page rendered: mkdocs.yml changed",
                                     "zh-Hant": "every page rendered: mkdocs.yml changed"}, done.stderr
    same_outputs(project, cold_twin(project, tmp_path), pdfs=True)


def test_a_damaged_record_or_page_is_rendered_again(base, tmp_path):
    """A garbled reuse record, and a working-copy page cut short: rendered again, not reused."""
    project = copy_of(base, tmp_path / "project")
    (project / "build" / "site" / "zh-Hant.pages").write_bytes(b"\x80\x05garbled")
    with (project / "build" / "site" / "zh-Hans.pages").open("rb") as stream:
        _, _, pages, *_ = pickle.load(stream)
    essay = next(uri for uri in pages if uri.startswith("essays/"))
    page = project / "build" / "site" / "zh-Hans" / essay[: -len(".md")] / "index.html"
    page.write_bytes(page.read_bytes()[:100])  # also the published page: they share the file
    edit_body(project)
    done = build(project)
    assert done.returncode == 0, done.stderr
    said = rendered(done.stderr)
    assert said["zh-Hant"] == "every page rendered: no earlier build", done.stderr
    assert 2 <= counts(said["zh-Hans"])[0] <= 5, done.stderr
    same_outputs(project, cold_twin(project, tmp_path), pdfs=True)
