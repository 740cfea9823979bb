"""From the catalogue (chapters of essays) to what MkDocs needs: the navigation, the generated
listing pages (one per chapter, one per group of a large chapter) and the home page's catalogue.

Everything stays small however many essays there are. Each chapter is a section; a chapter with
more than ``fanout`` essays is split into groups (第 1 组, 第 2 组, …, at ``chapters/<slug>/1/``,
…), and when there are more than ``fanout`` groups, they are grouped again (第 1 部分, …, with
their groups at ``chapters/<slug>/1/1/``), so no list in the navigation has more than ``fanout``
items. With Material's ``navigation.prune`` a page then carries the chapters and their groups, the
groups on its own path and its own group's essays: a few hundred links whether the handbook has
100 essays or 10,000.

Groups are cut where ``catalogue.part_ends`` cuts, after essays chosen by their pages' names, not
at counts, and are numbered, not named by their essays' positions: so an essay added to or removed
from a large chapter, anywhere in it, changes the essays of its own group (and of the next, when
its group was full) and no other group's name or essays. Only when a group is split or joined
(an essay chosen to end one, added or removed) do the later groups' numbers change.

The listing pages mirror that tree: a chapter's page lists its essays, or, when it is split, its
groups with their first and last essays' titles; each group has a page of its own
(``chapters/<slug>/<n>/index.md``) listing its essays or its sub-groups, and is the index page of
its section in the navigation (Material's ``navigation.indexes``: the group's title in the sidebar
links to it). The home page lists every essay by chapter only while the handbook has at most
``site.home_catalogue_max_essays`` essays; above that it lists the chapters, each with its essay
count and its links. So no generated page lists more than ``fanout`` entries (the home page: one
per chapter).
"""

from __future__ import annotations

import functools
import posixpath
from html import escape
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence, Union

from ..catalogue import may_end, part_ends
from .labels import LABELS
from .text import md_link_target, md_text, shorten, slug

HOME = "index.md"
# Defaults of handbook.yml's `site:` keys (handbook.yml sets them too).
NAV_FANOUT = 50
HOME_CATALOGUE_MAX_ESSAYS = 200
CATALOGUE_MARKER = "<!-- catalogue -->"


def nav_fanout(site: dict[str, Any] | None) -> int:
    """``site.nav_fanout``: the most entries of a list in the navigation and a listing page (≥ 2)."""
    return max(2, int((site or {}).get("nav_fanout", NAV_FANOUT)))


def home_catalogue_max_essays(site: dict[str, Any] | None) -> int:
    """``site.home_catalogue_max_essays``: up to this many essays the home page lists them all."""
    return int((site or {}).get("home_catalogue_max_essays", HOME_CATALOGUE_MAX_ESSAYS))


@dataclass
class Item:
    """One essay as the site shows it."""

    src_uri: str        # e.g. essays/树立五种意识-践行科学发展观.md
    title: str
    date: str
    summary: str
    source: str
    chapter: str

    @property
    def page_name(self) -> str:
        """The name of the essay's page (``essays/<name>.md``), which chooses where groups end."""
        return posixpath.splitext(posixpath.basename(self.src_uri))[0]


@dataclass
class Section:
    name: str
    src_uri: str        # the chapter's generated page, chapters/<slug>/index.md
    items: list[Item]


@dataclass
class Group:
    """A numbered run of a chapter's essays (第 1 组), with a generated page of its own."""

    label: str          # 第 1 组
    src_uri: str        # chapters/<slug>/1/index.md
    title: str          # the page's title: chapter and label
    items: list[Item]   # every essay of the group, in order
    parent_uri: str     # the page listing this group: its chapter's or its enclosing group's
    parent_title: str
    children: list["Node"] = field(default_factory=list)  # sub-groups, or the essays themselves


Node = Union[Group, Item]


@dataclass
class Listing:
    """A generated page: its title (for the hook) and its Markdown."""

    title: str
    markdown: str


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


def tree(section: Section, fanout: int, labels: dict[str, str] = LABELS) -> list[Node]:
    """A chapter's children: its essays when there are at most ``fanout``, else groups of at most
    ``fanout`` essays, themselves grouped while there are more than ``fanout`` groups."""
    fanout = max(2, fanout)
    if len(section.items) <= fanout:
        return list(section.items)
    runs: list[Any] = list(section.items)
    names: list[str | None] = [item.page_name for item in section.items]
    level = 1
    while len(runs) > fanout:
        ends = part_ends(names, fanout)
        runs = [runs[start:end] for start, end in zip([0, *ends], ends)]
        # A group may end a group of groups only if it ended by its last essay's choice, not at
        # ``fanout`` (where an essay added before it moves its end), and by a digest of its own.
        level += 1
        names = [f"{level}/{names[end - 1]}" if may_end(names[end - 1], fanout) else None for end in ends]
    return _groups(runs, posixpath.dirname(section.src_uri), section.src_uri, section.name, labels)


def _groups(runs: list[list[Any]], folder: str, parent_uri: str, parent_title: str,
            labels: dict[str, str]) -> list[Node]:
    """Nested runs of essays as groups numbered from 1 under their parent, at ``<folder>/<n>/``."""
    groups: list[Node] = []
    for number, run in enumerate(runs, start=1):
        of_groups = isinstance(run[0], list)
        label = labels["group_of_groups" if of_groups else "group"].format(n=number)
        uri = f"{folder}/{number}/index.md"
        title = labels["group_title"].format(parent=parent_title, group=label)
        group = Group(label, uri, title, [], parent_uri, parent_title)
        group.children = _groups(run, posixpath.dirname(uri), uri, title, labels) if of_groups else list(run)
        group.items = [item for child in group.children for item in (child.items if isinstance(child, Group) else [child])]
        groups.append(group)
    return groups


def walk(nodes: Iterable[Node]) -> Iterable[Group]:
    """Every group of a tree, parents before their children."""
    for node in nodes:
        if isinstance(node, Group):
            yield node
            yield from walk(node.children)


def _nav_entries(nodes: Sequence[Node]) -> list[Any]:
    return [{escape(node.label): [node.src_uri, *_nav_entries(node.children)]} if isinstance(node, Group)
            else node.src_uri for node in nodes]


def nav_config(all_sections: Iterable[Section], home_title: str, fanout: int,
               labels: dict[str, str] = LABELS) -> list[Any]:
    """The ``nav`` setting: the home page, then one section per chapter led by its chapter page,
    each group a section led by its group page.

    Titles given here are rendered unescaped by the theme, so they are HTML-escaped; essay titles
    are left to the pages (the hook escapes them there).
    """
    nav: list[Any] = [{escape(home_title): HOME}]
    for section in all_sections:
        nav.append({escape(section.name): [section.src_uri, *_nav_entries(tree(section, fanout, labels))]})
    return nav


def _rel(target: str, base: str) -> str:
    """``target``'s link from a page in folder ``base``.

    >>> _rel("essays/a b.md", "chapters/x/1-50"), _rel("chapters/x/index.md", ""), _rel("a/b.md", "a")
    ('<../../../essays/a%20b.md>', '<chapters/x/index.md>', '<b.md>')
    """
    folder, name = posixpath.split(target)
    up = _relpath(folder or ".", base or ".")
    return md_link_target(name if up == "." else f"{up}/{name}")


@functools.lru_cache(maxsize=4096)
def _relpath(folder: str, base: str) -> str:
    """posixpath.relpath, remembered: listings link thousands of pages of a few folders."""
    return posixpath.relpath(folder, base)


def _entries(nodes: Sequence[Node], base: str, labels: dict[str, str], summary_chars: int) -> list[str]:
    """A Markdown list of essays (with date and opening sentence) or of groups (with their first
    and last essays' titles) for a page in folder ``base``. Every scraped string is escaped."""
    out = []
    for node in nodes:
        if isinstance(node, Group):
            out.append(f"- [{md_text(node.label)}]({_rel(node.src_uri, base)})")
            span = labels["group_span"].format(first=shorten(node.items[0].title, 30),
                                               last=shorten(node.items[-1].title, 30))
            out.append(f'  <span class="hb-summary">{md_text(span)}</span>')
            continue
        date = f' <time class="hb-date" datetime="{escape(node.date)}">{md_text(node.date)}</time>' if node.date else ""
        out.append(f"- [{md_text(node.title)}]({_rel(node.src_uri, base)}){date}")
        if node.summary:
            out.append(f'  <span class="hb-summary">{md_text(shorten(node.summary, summary_chars))}</span>')
    return out


def catalogue_markdown(all_sections: Sequence[Section], from_uri: str, labels: dict[str, str],
                       summary_chars: int = 90, heading_level: int = 2) -> str:
    """The full catalogue as Markdown, for a page at ``from_uri``: per chapter a heading and a list
    of its essays with date and opening sentence. Every scraped string is escaped."""
    base = posixpath.dirname(from_uri)
    out = ['<div class="hb-catalogue" markdown>', ""]
    for section in all_sections:
        if heading_level:
            out += [f"{'#' * heading_level} {md_text(section.name)}", "",
                    f'{md_text(labels["count"].format(n=len(section.items)))} · [{md_text(labels["chapter_page"])}]({_rel(section.src_uri, base)})',
                    "{: .hb-count }", ""]
        out += _entries(section.items, base, labels, summary_chars)
        out.append("")
    out += ["</div>", ""]
    return "\n".join(out)


def chapters_markdown(all_sections: Sequence[Section], from_uri: str, labels: dict[str, str], fanout: int,
                      heading_level: int = 3) -> str:
    """The catalogue of a large handbook: per chapter its heading, essay count and a link to its
    page, and the links of its (top-level) groups — no essay."""
    base = posixpath.dirname(from_uri)
    out = ['<div class="hb-catalogue hb-catalogue--chapters" markdown>', ""]
    for section in all_sections:
        out += [f"{'#' * heading_level} {md_text(section.name)}", "",
                f'{md_text(labels["count"].format(n=len(section.items)))} · [{md_text(labels["chapter_page"])}]({_rel(section.src_uri, base)})',
                "{: .hb-count }", ""]
        groups = [node for node in tree(section, fanout, labels) if isinstance(node, Group)]
        if groups:
            out += [" · ".join(f"[{md_text(g.label)}]({_rel(g.src_uri, base)})" for g in groups), "{: .hb-groups }", ""]
    out += ["</div>", ""]
    return "\n".join(out)


def home_catalogue(all_sections: Sequence[Section], from_uri: str, labels: dict[str, str], fanout: int,
                   max_essays: int) -> str:
    """The home page's catalogue under its heading: every essay by chapter while the handbook has at
    most ``max_essays``, else the chapters only (``chapters_markdown``)."""
    head = f"## {md_text(labels['catalogue'])}\n\n"
    if sum(len(s.items) for s in all_sections) <= max_essays:
        return head + catalogue_markdown(all_sections, from_uri, labels, heading_level=3)
    return head + chapters_markdown(all_sections, from_uri, labels, fanout)


def with_catalogue(markdown: str, catalogue: str) -> str:
    """The home page's Markdown with the catalogue where the marker stands, or at the end."""
    if CATALOGUE_MARKER in markdown:
        return markdown.replace(CATALOGUE_MARKER, catalogue, 1)
    return markdown.rstrip() + "\n\n" + catalogue


def _page(kind: str, title: str, count_line: str, nodes: Sequence[Node], src_uri: str, labels: dict[str, str]) -> str:
    base = posixpath.dirname(src_uri)
    return "\n".join([
        "---",
        f"handbook_kind: {kind}",
        "---",
        "",
        f"# {md_text(title)}",
        "",
        count_line,
        "{: .hb-count }",
        "",
        '<div class="hb-catalogue" markdown>',
        "",
        *_entries(nodes, base, labels, 90),
        "",
        "</div>",
        "",
    ])


def chapter_page(section: Section, labels: dict[str, str], fanout: int = NAV_FANOUT,
                 nodes: Sequence[Node] | None = None) -> str:
    """The generated Markdown of a chapter's page: its name, then its essays, or its groups when
    it has more than ``fanout`` (``nodes``: its ``tree``, when already made)."""
    count = md_text(labels["count"].format(n=len(section.items)))
    nodes = tree(section, fanout, labels) if nodes is None else nodes
    return _page("chapter", section.name, count, nodes, section.src_uri, labels)


def group_page(group: Group, labels: dict[str, str]) -> str:
    """The generated Markdown of a group's page: its title, a link up, its essays or sub-groups."""
    base = posixpath.dirname(group.src_uri)
    count = (f'{md_text(labels["count"].format(n=len(group.items)))} · {md_text(labels["parent"])}'
             f'[{md_text(group.parent_title)}]({_rel(group.parent_uri, base)})')
    return _page("group", group.title, count, group.children, group.src_uri, labels)


def listing_pages(all_sections: Sequence[Section], labels: dict[str, str], fanout: int) -> dict[str, Listing]:
    """Every generated listing page, by its path in the docs: each chapter's, each group's."""
    pages = {}
    for section in all_sections:
        nodes = tree(section, fanout, labels)
        pages[section.src_uri] = Listing(section.name, chapter_page(section, labels, fanout, nodes))
        for group in walk(nodes):
            pages[group.src_uri] = Listing(group.title, group_page(group, labels))
    return pages
