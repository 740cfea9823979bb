"""From the catalogue (chapters of essays) to what MkDocs needs: the navigation, one generated page
per chapter and the home page's catalogue.

The navigation stays small however many essays there are. Each chapter is a section; a chapter
with more than ``fanout`` essays is split into numbered groups (第 1–50 篇, …), nested again when
there are more than ``fanout`` groups, so no list in the navigation has more than ``fanout``
items. With Material's ``navigation.prune`` a page then carries the chapters, the groups on its
own path and its own group's essays: a few hundred links whether the handbook has 100 essays or
10,000.
"""

from __future__ import annotations

import posixpath
from html import escape
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .text import md_link_target, md_text, shorten, slug

HOME = "index.md"


@dataclass
class Item:
    """One essay as the site shows it."""

    src_uri: str        # e.g. essays/树立五种意识-践行科学发展观.md
    title: str
    date: str
    summary: str
    source: str
    chapter: str


@dataclass
class Section:
    name: str
    src_uri: str        # the chapter's generated page, chapters/<slug>/index.md
    items: list[Item]


def sections(catalogue: Sequence[Any], essays_uri: str) -> list[Section]:
    """The catalogue (``handbook.catalogue.Chapter`` objects) as sections with the site's paths."""
    result, used = [], set()
    for number, chapter in enumerate(catalogue, 1):
        chapter_slug = slug(chapter.name)
        if chapter_slug in used:
            chapter_slug = f"{chapter_slug}-{number}"
        used.add(chapter_slug)
        items = []
        for entry in chapter.essays:
            meta = entry.essay.meta or {}
            items.append(Item(
                src_uri=f"{essays_uri}/{entry.path.name}",
                title=entry.essay.title or entry.slug,
                date=str(meta.get("date") or ""),
                summary=str(meta.get("summary") or ""),
                source=str(meta.get("source") or entry.essay.source or ""),
                chapter=chapter.name,
            ))
        result.append(Section(chapter.name, f"chapters/{chapter_slug}/index.md", items))
    return result


def group_label(first: int, last: int) -> str:
    return f"第 {first}–{last} 篇" if first != last else f"第 {first} 篇"


def grouped(items: Sequence[Item], fanout: int, offset: int = 0) -> list[Any]:
    """Nav entries for ``items``: the paths themselves, or nested numbered groups of at most ``fanout``."""
    if len(items) <= fanout:
        return [item.src_uri for item in items]
    size = fanout
    while -(-len(items) // size) > fanout:
        size *= fanout
    entries = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        label = group_label(offset + start + 1, offset + start + len(chunk))
        entries.append({label: grouped(chunk, fanout, offset + start)})
    return entries


def nav_config(all_sections: Iterable[Section], home_title: str, fanout: int) -> list[Any]:
    """The ``nav`` setting: the home page, then one section per chapter led by its chapter page.

    Titles given here are rendered unescaped by the theme, so they are HTML-escaped; essay titles
    are left to the pages (the hook escapes them there).
    """
    nav: list[Any] = [{escape(home_title): HOME}]
    for section in all_sections:
        nav.append({escape(section.name): [section.src_uri, *grouped(section.items, fanout)]})
    return nav


def catalogue_markdown(all_sections: Sequence[Section], from_uri: str, labels: dict[str, str],
                       summary_chars: int = 90, heading_level: int = 2) -> str:
    """The catalogue as Markdown, for a page at ``from_uri``: per chapter a heading and a list of its
    essays with date and opening sentence. Every scraped string is escaped."""
    base = posixpath.dirname(from_uri)
    out = ['<div class="hb-catalogue" markdown>', ""]
    for section in all_sections:
        if heading_level:
            link = md_link_target(posixpath.relpath(section.src_uri, base or "."))
            out += [f"{'#' * heading_level} {md_text(section.name)}", "",
                    f'{md_text(labels["count"].format(n=len(section.items)))} · [{md_text(labels["chapter_page"])}]({link})',
                    "{: .hb-count }", ""]
        for item in section.items:
            link = md_link_target(posixpath.relpath(item.src_uri, base or "."))
            date = f' <time class="hb-date" datetime="{escape(item.date)}">{md_text(item.date)}</time>' if item.date else ""
            out.append(f"- [{md_text(item.title)}]({link}){date}")
            if item.summary:
                out.append(f'  <span class="hb-summary">{md_text(shorten(item.summary, summary_chars))}</span>')
        out.append("")
    out += ["</div>", ""]
    return "\n".join(out)


def chapter_page(section: Section, labels: dict[str, str]) -> str:
    """The generated Markdown of a chapter's page: its name and its essays."""
    return "\n".join([
        "---",
        "handbook_kind: chapter",
        "---",
        "",
        f"# {md_text(section.name)}",
        "",
        md_text(labels["count"].format(n=len(section.items))),
        "{: .hb-count }",
        "",
        catalogue_markdown([section], section.src_uri, labels, heading_level=0),
    ])
