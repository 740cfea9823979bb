"""Exact incremental builds: after each kind of change, ``handbook build`` renders only what the
change affects, and what it publishes (docs, both editions' sites with their search indexes, the
booklets) is byte for byte what a cold build of the same inputs gives.

The handbook is small but shaped like a large one: chapters split into groups (``nav_fanout: 5``)
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
FANOUT = 5


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


def chapters(project: Path) -> dict[str, list[tuple[str, str]]]:
    """Each chapter's essays as (seed, page name), in catalogue order."""
    from handbook import config as configuration
    from handbook.catalogue import load_catalogue

    config = configuration.load(project / "handbook.yml")
    return {c.name: [(e.essay.meta["source"], e.slug) for e in c.essays] for c in load_catalogue(config)}


def groups(essays: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """A chapter's groups as the site cuts them: their paths and their essays' page names."""
    from handbook.site import nav

    items = [nav.Item(f"essays/{name}.md", name, "", "", "", "") for _, name in essays]
    return {g.src_uri: tuple(i.page_name for i in g.items) for g in nav.walk(nav.tree(nav.Section("", "c/index.md", items), FANOUT))}


def groups_stay(before: dict, after: dict) -> bool:
    """The same groups (paths and so names), their essays changed or not."""
    return before.keys() == after.keys()


def a_group_goes(before: dict, after: dict) -> bool:
    return len(after) < len(before)


def pick(project: Path, fits=groups_stay) -> tuple[str, Path]:
    """A chapter and a UTF-8 seed of its second half whose removal ``fits`` (given the chapter's
    groups before and after)."""
    for name, essays in chapters(project).items():
        for index in range(len(essays) // 2, len(essays)):
            seed = project / "seeds" / essays[index][0]
            if _utf8(seed) and fits(groups(essays), groups(essays[:index] + essays[index + 1:])):
                return name, seed
    raise AssertionError(f"no essay fits: {chapters(project)}")


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
    """A seed added half-way through a chapter, where (with its title) its chapter's groups stay."""
    from handbook.files import slugify

    for chapter, essays in chapters(project).items():
        for at in range(len(essays) // 2, len(essays)):
            new = Path(essays[at - 1][0]).stem + "a.txt"  # just after the essay before it
            for word in ("谈体会", "说体会", "讲体会", "写体会"):
                title = f"{chapter}新来的同志{word}"
                if groups_stay(groups(essays), groups(essays[:at] + [(new, slugify(title))] + essays[at:])):
                    (project / "seeds" / new).write_text(
                        f"{title}\n\n窗口民警要把群众的事当作自己的事。预约办理让群众少跑一趟。\n", encoding="utf-8")
                    return
    raise AssertionError(f"no place keeps the groups: {chapters(project)}")


def remove_essay(project: Path, a_group_with_it: bool = False) -> None:
    pick(project, a_group_goes if a_group_with_it else groups_stay)[1].unlink()


def retitle(project: Path) -> None:
    chapter, seed = pick(project)  # a title naming its chapter keeps the essay there
    configure(project, **{seed.name: {"title": f"{chapter}工作的一点新认识"}})


def move_chapter(project: Path) -> None:
    chapter, seed = pick(project)
    configure(project, **{seed.name: {"chapter": next(name for name in chapters(project) if name != chapter)}})


CHANGES = {"body edited": edit_body, "essay added": add_essay, "essay removed": remove_essay,
           "title changed": retitle, "chapter changed": move_chapter,
           "group removed": lambda project: remove_essay(project, a_group_with_it=True)}


@pytest.mark.parametrize("change", CHANGES)
def test_an_incremental_build_is_the_cold_build(base, tmp_path, change):
    project = copy_of(base, tmp_path / "project")
    before, files = chapters(project), inodes(project)
    CHANGES[change](project)
    done = build(project)
    assert done.returncode == 0, done.stderr
    said = rendered(done.stderr)
    assert set(said) == {"zh-Hans", "zh-Hant"}, done.stderr
    if change in ("essay added", "essay removed"):  # its groups' pages and its neighbours', not the later groups'
        expected = affected(before, chapters(project))
        for edition in said:
            made = {path for path, inode in inodes(project, edition).items() if files[edition].get(path) != inode}
            assert made - {"index.html", "404.html"} <= expected, (edition, sorted(made - expected))
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


def inodes(project: Path, edition: str | None = None) -> dict:
    """The working copy's HTML files and their inodes (a page rendered is a new file), per edition."""
    if edition is None:
        return {e: inodes(project, e) for e in ("zh-Hans", "zh-Hant")}
    site = project / "build" / "site" / edition
    return {str(path.relative_to(site)): path.stat().st_ino for path in site.rglob("*.html")}


def affected(before: dict[str, list], after: dict[str, list]) -> set[str]:
    """The pages an essay added or removed must change: those of the groups whose essays changed
    and of their essays, the chapter's page, and the essays whose previous or next one changed."""
    from handbook.site.text import slug

    pages = set()
    for chapter in before.keys() | after.keys():
        old, new = groups(before.get(chapter, [])), groups(after.get(chapter, []))
        pages.add(f"chapters/{slug(chapter)}/index.html")
        for uri in old.keys() | new.keys():
            if old.get(uri) != new.get(uri):
                pages.add(f"chapters/{slug(chapter)}/{uri.removeprefix('c/')[:-len('.md')]}.html")
                pages |= {f"essays/{name}/index.html" for name in (*old.get(uri, ()), *new.get(uri, ()))}
    order = [name for essays in after.values() for _, name in essays]
    was = [name for essays in before.values() for _, name in essays]
    around = lambda names: {n: (names[i - 1] if i else None, names[i + 1] if i + 1 < len(names) else None)  # noqa: E731
                            for i, n in enumerate(names)}
    old_around, new_around = around(was), around(order)
    pages |= {f"essays/{name}/index.html" for name in order if new_around[name] != old_around.get(name)}
    return pages


def folders(site: Path) -> set[str]:
    """The folders of the published site, links followed."""
    import os

    return {os.path.relpath(top, site) for top, _, _ in os.walk(site, followlinks=True)}


def test_an_unchanged_essay_is_not_read_again(base, tmp_path, monkeypatch):
    """An essay whose file and hook inputs are as the record says is not read at all: its
    Markdown and metadata after the hook are the record's. One edited is read, and rendered."""
    import time
    from importlib import import_module

    from handbook import config as handbook_config
    from handbook.files import read_once
    from handbook.site import incremental

    project = copy_of(base, tmp_path / "project")  # copied: every page a new file, read once
    site = import_module("handbook.site.build")  # the module, not the function the package exports
    config = handbook_config.load(project / "handbook.yml")
    monkeypatch.setattr(incremental, "RACY_NS", 0)  # files trusted at once, not two seconds after
    read: list[str] = []
    monkeypatch.setattr(incremental, "read_once", lambda path: read.append(Path(path).name) or read_once(path))

    def build_site() -> None:
        read.clear()
        site.mkdocs_build(config, "zh-Hans", project / "docs", project / "build" / "site" / "zh-Hans")

    build_site()
    essays = sorted(p.name for p in (project / "docs" / "essays").glob("*.md"))
    assert set(essays) <= set(read)
    time.sleep(0.05)  # past the clock tick of the record
    edited = project / "docs" / "essays" / essays[3]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n编辑补充的一段话。\n", encoding="utf-8")
    build_site()
    assert [name for name in read if name in essays] == [edited.name]
    assert "编辑补充的一段话" in (project / "build" / "site" / "zh-Hans" / "essays" / edited.stem / "index.html").read_text(encoding="utf-8")


def test_essays_not_read_again_build_as_a_cold_build(base, tmp_path):
    """The build after the one that recorded every essay reads only the changed one (the others
    changed long enough before the record to be trusted), and is the cold build all the same."""
    import time

    project = copy_of(base, tmp_path / "project")
    time.sleep(2.1)  # files.RACY_NS: the copied pages trusted by the next build's record
    assert build(project).returncode == 0
    retitle(project)
    done = build(project)
    assert done.returncode == 0, done.stderr
    same_outputs(project, cold_twin(project, tmp_path), pdfs=True)


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
    """A garbled reuse record, and a working-copy page cut short: rendered again, not reused. The
    search index's state lost: the kept pages' entries are read from the pages."""
    project = copy_of(base, tmp_path / "project")
    (project / "build" / "site" / "zh-Hant.pages").write_bytes(b"\x80\x05garbled")
    (project / "build" / "site" / "zh-Hans.search").unlink()
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
