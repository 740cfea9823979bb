"""Rendering: an essay as Markdown with YAML front matter, and the same Markdown read back.

Scraped text is data, never markup: every character that Markdown, HTML or a template engine
could read as syntax is written as a character reference (``&#42;`` for ``*``), which every
Markdown engine shows as the character itself.
"""

from __future__ import annotations

import html
import re

import yaml

from .essay import Block, Essay

GENERATOR = "handbook"
# libyaml's C loader and dumper when present: several times faster on thousands of pages.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# ASCII characters with a meaning in Markdown, its extensions, HTML or Jinja; `&` first of all.
_SYNTAX = re.compile(r"[&<>*_`\[\]{}#|~^=\\!+$]")
# At the start of a line: list items (- + 1.), and what the set above does not already cover.
_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))")
_HEADING = re.compile(r"(#{1,6}) (.*)")


def escape(text: str) -> str:
    """Make text show literally in Markdown.

    >>> escape("*重点* <script> {{ x }} 1. 甲")
    '&#42;重点&#42; &#60;script&#62; &#123;&#123; x &#125;&#125; 1. 甲'
    >>> escape("- 列表")
    '&#45; 列表'
    """
    text = _SYNTAX.sub(lambda m: f"&#{ord(m.group(0))};", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, bullet, number, dot = match.groups()
    if bullet:
        return f"{indent}&#{ord(bullet)};"
    return f"{indent}{number}&#{ord(dot)};"


def to_markdown(essay: Essay) -> str:
    """The essay as a Markdown page with front matter (title first) and its blocks.

    >>> print(to_markdown(Essay("a.txt", "标题", blocks=[Block("heading", "一是*要*。", 2), Block("paragraph", "正文。")], meta={"source": "a.txt"})))
    ---
    title: 标题
    source: a.txt
    generator: handbook
    ---
    <BLANKLINE>
    # 标题
    <BLANKLINE>
    ## 一是&#42;要&#42;。
    <BLANKLINE>
    正文。
    <BLANKLINE>
    """
    front = {"title": essay.title, **essay.meta, "generator": GENERATOR}
    lines = ["---", yaml.dump(front, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6).strip(), "---", "", f"# {escape(essay.title)}", ""]
    for block in essay.blocks:
        prefix = "#" * block.level + " " if block.kind == "heading" else ""
        lines += [prefix + escape(block.text), ""]
    return "\n".join(lines)


def parse(markdown: str, source: str = "") -> Essay:
    """Read back a page written by ``to_markdown``: ``parse(to_markdown(e))`` gives ``e``'s content.

    >>> e = parse(to_markdown(Essay("a.txt", "标题", blocks=[Block("heading", "一是&要。", 2), Block("paragraph", "- 正文")])))
    >>> e.title, e.blocks
    ('标题', [Block(kind='heading', text='一是&要。', level=2), Block(kind='paragraph', text='- 正文', level=0)])
    """
    meta: dict = {}
    body = markdown
    if markdown.startswith("---\n"):
        end = markdown.index("\n---\n", 3)
        meta = yaml.load(markdown[4:end], Loader=_Loader) or {}
        body = markdown[end + 5 :]
    essay = Essay(source or str(meta.get("source", "")), title=html.unescape(str(meta.pop("title", ""))))
    essay.meta = {key: str(value) for key, value in meta.items()}
    for chunk in re.split(r"\n\s*\n", body.strip()):
        heading = _HEADING.fullmatch(chunk.strip())
        if heading and len(heading.group(1)) == 1:
            essay.title = html.unescape(heading.group(2))
        elif heading:
            essay.blocks.append(Block("heading", html.unescape(heading.group(2)), len(heading.group(1))))
        elif chunk.strip():
            essay.blocks.append(Block("paragraph", html.unescape(" ".join(chunk.split("\n")))))
    return essay
