"""The catalogue: the essays in reading order, grouped into the chapters of handbook.yml.

The site's navigation and home page and the booklet's contents all come from here, so they agree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .essay import Block, Essay
from .files import as_text, digests, read_once, write_atomic
from .render import parse

log = logging.getLogger("handbook.catalogue")


@dataclass(frozen=True)
class Entry:
    path: Path  # the essay's Markdown page
    slug: str  # its file name without .md
    essay: Essay
    digest: str = ""  # of the page's name and bytes: what the essay was read from


@dataclass
class Chapter:
    name: str
    essays: list[Entry] = field(default_factory=list)


def chapter_of(essay: Essay, config: dict) -> str:
    """The chapter an essay belongs to: the editor's choice; else the first chapter whose words
    its title holds; else the one whose words its body uses most (at least ``chapter_min_mentions``).

    >>> from handbook.config import load
    >>> from handbook.essay import Block
    >>> chapter_of(Essay("x.txt", "浅谈交警窗口工作"), load()), chapter_of(Essay("y.txt", "论服务"), load())
    ('交警窗口', '综合')
    >>> chapter_of(Essay("z.txt", "论服务", blocks=[Block("paragraph", "户籍民警办户口，户籍窗口。交警。")]), load())
    '户籍窗口'
    """
    source = essay.meta.get("source", essay.source)
    chosen = (config["essays"].get(source) or {}).get("chapter")
    if chosen:
        return str(chosen)
    chapters = config.get("chapters") or []
    for chapter in chapters:
        if source in (chapter.get("essays") or []) or any(word in essay.title for word in chapter.get("match") or []):
            return chapter["name"]
    body = "".join(block.text for block in essay.blocks)
    mentions = {chapter["name"]: sum(body.count(word) for word in chapter.get("match") or []) for chapter in chapters}
    best = max(mentions, key=mentions.get, default=None)
    if best and mentions[best] >= config.get("chapter_min_mentions", 3):
        return best
    return config["default_chapter"]


def part_ends(names: Sequence[str | None], limit: int) -> list[int]:
    """Where a run of essays (the names of their pages, in order) is cut into parts of at most
    ``limit``: after an essay that ``may_end`` a part once the part holds two thirds of ``limit``,
    or at ``limit``; the last end is the run's. An essay added or removed anywhere changes its own
    part (and the next, when that one ended at ``limit``), not the others: the booklet's volumes
    and the site's groups of a large chapter are cut so.

    >>> ends = part_ends([f"{n:05d}" for n in range(1000)], 300)
    >>> ends[-1], all(200 <= b - a <= 300 for a, b in zip([0] + ends, ends[:-1]))
    (1000, True)
    """
    least = -(-2 * limit // 3)
    ends, start = [], 0
    for n, name in enumerate(names, start=1):
        if n - start >= limit or (n - start >= least and may_end(name, limit)):
            ends.append(n)
            start = n
    if not ends or ends[-1] != len(names):
        ends.append(len(names))
    return ends


def may_end(name: str | None, limit: int) -> bool:
    """Whether a part of at most ``limit`` may end after the essay of page ``name`` (None: it may
    not): one essay in a sixth of ``limit`` may (in two at least, so small limits too cut by name).

    >>> may_end("甲", 300), may_end("乙", 300), may_end(None, 300)
    (False, True, False)
    """
    return name is not None and chosen(name, max(2, limit // 6))


def chosen(name: str, one_in: int) -> bool:
    """Whether the essay of page ``name`` is one of those (one in ``one_in``) that a digest of
    its name chooses, the same in every build and whatever the other essays.

    >>> sum(chosen(f"{n:05d}", 20) for n in range(1000))  # about 1,000 / 20
    56
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()[:4], "big") % one_in == 0


def load_catalogue(config: dict, keep: Callable[[str], bool] | None = None) -> list[Chapter]:
    """The chapters, in handbook.yml's order (the default chapter last), each with its essays in
    seed-name order; chapters with no essays are left out. ``keep``, given a page's Markdown, says
    whether to read that essay at all (a quick test, so that a few essays of thousands are parsed)."""
    folder = essays_folder(config)
    if _held is not None and keep is None and _held[0] == _held_key(config, folder):
        return [Chapter(chapter.name, list(chapter.essays)) for chapter in _held[1]]
    chapters, parsed = _read(config, keep)
    if keep is None:  # every page was read: the cache keeps exactly these
        parsed.save()
    return chapters


def essays_folder(config: dict) -> Path:
    return Path(config.get("root", ".")) / config["paths"]["essays"]


def essay_digests(config: dict) -> tuple[tuple[str, str], ...]:
    """The essays' pages (``*.md``) by name, in order, each with the SHA-256 of its bytes, a page
    read only when it may have changed since the record ``build/cache/essay-digests.json`` said
    its digest (``files.digests``): a build that changed one essay of thousands reads one. The
    booklets' key, the catalogue and the Traditional edition's docs ask for them, and while no
    page changes they are made once in a process."""
    folder = essays_folder(config)
    pages = tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder)
                         if e.name.endswith(".md") and e.is_file())) if folder.is_dir() else ()
    return _essay_digests(folder, pages, Path(config.get("root", ".")) / "build" / "cache" / "essay-digests.json")


@lru_cache(maxsize=4)
def _essay_digests(folder: Path, pages: tuple[tuple[str, int, int], ...], record: Path) -> tuple[tuple[str, str], ...]:
    return tuple(zip((name for name, _, _ in pages), digests([str(folder / name) for name, _, _ in pages], record)))


def _read(config: dict, keep: Callable[[str], bool] | None) -> tuple[list[Chapter], ParsedPages]:
    """``load_catalogue``'s chapters, and the parsed pages' cache, not saved yet."""
    names = [chapter["name"] for chapter in config.get("chapters") or []] + [config["default_chapter"]]
    chapters = {name: Chapter(name) for name in names}
    parsed = ParsedPages(Path(config.get("root", ".")) / "build" / "cache" / "pages.pickle")
    folder = essays_folder(config)
    for name, digest in essay_digests(config):
        path = folder / name  # names sorted as strings: sorting paths costs seconds at 10,000
        if keep and not keep(as_text(read_once(path)[0])):
            continue
        essay, key = parsed.parse(path, digest)
        chapter = chapter_of(essay, config)
        chapters.setdefault(chapter, Chapter(chapter)).essays.append(Entry(path, path.stem, essay, key))
    for chapter in chapters.values():
        chapter.essays.sort(key=lambda entry: (entry.essay.meta.get("source", ""), entry.slug))
    return [chapter for chapter in chapters.values() if chapter.essays], parsed


@contextmanager
def held(config: dict) -> Iterator[list[Chapter]]:
    """The catalogue read once for what runs inside: the sites and booklets a build forks see the
    essays as the build found them after cleaning, and do not each read every page again (a second
    a process at 10,000 essays). A page changed by hand meanwhile is seen by the next build. The
    parsed pages' cache is written by ``save_held`` or when they are done, not before they start
    (a second at 10,000)."""
    global _held, _held_parsed
    chapters, _held_parsed = _read(config, None)
    _held = (_held_key(config, essays_folder(config)), chapters)
    try:
        yield chapters
    finally:
        _held = None
        save_held()


def save_held() -> None:
    """Write the held catalogue's parsed pages' cache, if ``held`` has not yet: a build calls it
    once its sites are live, while the booklets are typeset, rather than after them."""
    global _held_parsed
    if _held_parsed is not None:
        _held_parsed.save()
        _held_parsed = None


def _held_key(config: dict, folder: Path) -> str:
    """What a held catalogue depends on besides the pages: their folder and ``chapter_of``'s settings."""
    settings = {key: config.get(key) for key in ("chapters", "essays", "chapter_min_mentions", "default_chapter")}
    return str(folder) + "\0" + json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False)


# The catalogue ``held`` read, with its key, while a build runs inside it; its parsed pages, not yet saved.
_held: tuple[str, list[Chapter]] | None = None
_held_parsed: ParsedPages | None = None


class ParsedPages:
    """The essays read back from their pages (``render.parse``), kept in a file by a digest of
    each page's bytes and of the reading code: the site's editions and the booklets each load the
    catalogue, and parsing ten thousand pages' front matter costs seconds each time.

    A missing or damaged file is an empty cache; ``save`` writes the pages parsed since loading,
    and only when one was not in the file. What a process read or wrote stays in its memory
    while the file is as it left it, so the processes ``handbook build`` forks after loading the
    catalogue once neither read nor write the file again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.code = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes()
                                            for name in ("render.py", "essay.py"))).hexdigest()
        self.kept: dict[str, Essay] = {}
        self.used: dict[str, Essay] = {}
        self.missed = False
        remembered = _REMEMBERED.get(path)
        if remembered is not None and remembered[0] is not None and remembered[:2] == (_identity(path), self.code):
            self.kept = remembered[2]
            return
        try:
            with path.open("rb") as stream:
                code, kept = pickle.load(stream)
            if code == self.code:  # the essays are unpickled only for the code that pickled them
                self.kept = pickle.loads(kept)
                for essay in self.kept.values():
                    essay.blocks = [Block._make(block) for block in essay.blocks]
                _REMEMBERED[path] = (_identity(path), code, self.kept)
        except FileNotFoundError:
            pass
        except Exception as error:  # noqa: BLE001 - a damaged cache is parsed again
            log.warning("handbook: %s is damaged (%s); the pages are read again", path, error)

    def parse(self, path: Path, digest: str) -> tuple[Essay, str]:
        """The essay of the page ``path``, whose bytes had the SHA-256 ``digest`` (the page read
        only when that essay is not kept), and the digest it is kept by."""
        key = _key(path.name, digest)
        essay = self.kept.get(key)
        if essay is None:
            data, digest = read_once(path)  # as it is now: what is kept is what was read
            key = _key(path.name, digest)
            essay = self.kept.get(key)
        if essay is None:
            essay, self.missed = parse(as_text(data), path.name), True
        self.used[key] = essay
        return essay, key

    def save(self) -> None:
        if self.missed or len(self.used) != len(self.kept):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Blocks pickled as plain tuples: five times faster to write, twice to read, than named ones.
            flat = {key: replace(essay, blocks=[tuple(block) for block in essay.blocks]) for key, essay in self.used.items()}
            kept = pickle.dumps(flat, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self.path, pickle.dumps((self.code, kept), protocol=pickle.HIGHEST_PROTOCOL))
            _REMEMBERED[self.path] = (_identity(self.path), self.code, self.used)


def _key(name: str, digest: str) -> str:
    """What a page's essay is kept by: a digest of its name and of its bytes' digest."""
    return hashlib.sha256(f"{name}\0{digest}".encode("utf-8", "surrogatepass")).hexdigest()


# Each cache file as this process last read or wrote it: (its identity then, the code, the essays).
# The essays are kept by their pages' digests, so what is remembered is never wrong, only maybe
# less than the file holds.
_REMEMBERED: dict[Path, tuple[tuple[int, int, int] | None, str, dict[str, Essay]]] = {}


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
