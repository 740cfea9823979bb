"""The catalogue: the essays in reading order, grouped into the chapters of handbook.yml.

The site's navigation and home page and the booklet's contents all come from here, so they agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .essay import Essay
from .render import parse


@dataclass(frozen=True)
class Entry:
    path: Path  # the essay's Markdown page
    slug: str  # its file name without .md
    essay: Essay


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


def load_catalogue(config: dict, folder: Path | None = None, keep: Callable[[str], bool] | None = None) -> list[Chapter]:
    """The chapters, in handbook.yml's order (the default chapter last), each with its essays in
    seed-name order; chapters with no essays are left out. ``keep``, given a page's Markdown, says
    whether to read that essay at all (a quick test, so that a few essays of thousands are parsed)."""
    folder = folder or Path(config["root"]) / config["paths"]["essays"]
    names = [chapter["name"] for chapter in config.get("chapters") or []] + [config["default_chapter"]]
    chapters = {name: Chapter(name) for name in names}
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if keep and not keep(text):
            continue
        essay = parse(text, path.name)
        name = chapter_of(essay, config)
        chapters.setdefault(name, Chapter(name)).essays.append(Entry(path, path.stem, essay))
    for chapter in chapters.values():
        chapter.essays.sort(key=lambda entry: (entry.essay.meta.get("source", ""), entry.slug))
    return [chapter for chapter in chapters.values() if chapter.essays]
