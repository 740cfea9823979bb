"""Rendering: an essay as Markdown with YAML front matter, and the same Markdown read back.

Scraped text is data, never markup, and the Markdown stays as readable as the text: a character
is escaped only where Markdown, its extensions in ``mkdocs.yml``, HTML or a template engine would
read it as syntax at that position (``*`` only with another in the block, ``1.`` only at the
start of a paragraph, ``<`` only before a tag). Python-Markdown's backslash escapes are used
where it has one; ``&`` and ``<``, which it has none for, become ``&amp;`` and ``&lt;``; a
doubled mark of the extensions pymdownx adds (``~~``, ``==``, ``^^``, ``++``) gets a character
reference on its first mark, so the page stays literal if an office turns those on.
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
# Anywhere in a block: what may open code, emphasis, links, attribute lists and templates (whether
# it does depends on the rest of the block: see ``escape``); an `_` between two letters or digits
# opens nothing (Python-Markdown's smart emphasis); `&` only where it starts a character reference
# (a numeric one also without its semicolon), `<` only where it starts a tag, a comment or an autolink.
_INLINE = re.compile(
    r"(?P<paired>[`*_\[{\\])|(?P<amp>&(?=#?\w+;|#[0-9xX]))|(?P<lt><(?=[A-Za-z/!?]))"
    r"|(?P<doubled>(?P<mark>[~=^+])(?=(?P=mark)))"
)
# The characters Python-Markdown lets a backslash escape, with those its tables and smarty
# extensions add.
_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|\"'")
# At the start of a block: headings, quotes, list items, admonitions, a rule.
_BLOCK_START = re.compile(r"^(?:(?P<mark>[#>+\-!*])|\d+(?P<dot>[.)])(?=\s|$))")
# At the end of a heading: closing hashes, which Python-Markdown strips.
_HEADING_END = re.compile(r"#+$")
# Backslash escapes, and character references (which ``escape`` never leaves in the text).
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!])|&(#?\w+);")
_HEADING = re.compile(r"(#{1,6}) (.*)")


def escape(text: str, heading: bool = False) -> str:
    """Text as Markdown that shows exactly that text, escaped only where it must be.

    Code and emphasis need a closing mark: a lone `` ` `` or ``*`` (but a list's at the start)
    and a lone ``_`` stay as typed. A ``[`` opens a link only with a ``]`` after it, a ``{`` an
    attribute list only with a ``}`` after it (or a template as ``{{`` or ``{%``); a backslash is
    escaped before what Markdown lets it escape and at the end.

    >>> escape("*重点* <script> {{ x }} a_b _c_ AT&T &amp; 1. 甲")
    '\\\\*重点\\\\* &lt;script> \\\\{\\\\{ x }} a_b \\\\_c\\\\_ AT&T &amp;amp; 1. 甲'
    >>> escape("1. 列表"), escape("1.警力不足", heading=True), escape("第1. 条"), escape("# 号"), escape("C#", heading=True)
    ('1\\\\. 列表', '1.警力不足', '第1. 条', '\\\\# 号', 'C\\\\#')
    >>> escape("5*3 [注 {甲 _乙 `丙 \\丁"), escape("* 项"), escape("[注] {甲}")
    ('5*3 [注 {甲 _乙 `丙 \\\\丁', '\\\\* 项', '\\\\[注] \\\\{甲}')
    """
    last = {"[": text.rfind("]"), "{": text.rfind("}")}
    paired = {mark for mark in "`*_" if text.count(mark) > 1}

    def escape_one(match: re.Match[str]) -> str:
        char, at = match.group(0), match.start()
        if match.lastgroup == "amp":
            return "&amp;"
        if match.lastgroup == "lt":
            return "&lt;"
        if match.lastgroup in ("mark", "doubled"):
            return f"&#{ord(char)};"
        if char == "\\":
            needed = at + 1 == len(text) or text[at + 1] in _ESCAPABLE  # a heading cannot end in one
        elif char in last:
            needed = at < last[char] or (char == "{" and text[at + 1 : at + 2] in ("{", "%"))
        elif char == "_":
            needed = char in paired and not (_word(text, at - 1) and _word(text, at + 1))
        else:
            needed = char in paired
        return "\\" + char if needed else char

    text = _INLINE.sub(escape_one, text)
    if heading:
        return _HEADING_END.sub(lambda m: "\\#" * len(m.group(0)), text)
    return _BLOCK_START.sub(lambda m: "\\" + m.group(0) if m.group("mark") else m.group(0)[:-1] + "\\" + m.group("dot"), text)


def _word(text: str, at: int) -> bool:
    """Whether ``text[at]`` is a letter or digit (an ``_`` between two of them opens nothing)."""
    return 0 <= at < len(text) and text[at].isalnum()


def unescape(markdown: str) -> str:
    """The text ``escape`` was given.

    >>> unescape(escape("*重点* <b> a_b &amp; &#42; \\\\反斜杠 ~~删~~ 1. 甲"))
    '*重点* <b> a_b &amp; &#42; \\\\反斜杠 ~~删~~ 1. 甲'
    """
    return _UNESCAPE.sub(_unescape_one, markdown)


def _unescape_one(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    return html.unescape(f"&{match.group(2)};")


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
    ## 一是\\*要\\*。
    <BLANKLINE>
    正文。
    <BLANKLINE>
    """
    front = {"title": essay.title, **essay.meta, "generator": GENERATOR}
    lines = ["---", yaml.dump(front, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6).strip(), "---", "", f"# {escape(essay.title, heading=True)}", ""]
    for block in essay.blocks:
        prefix = "#" * block.level + " " if block.kind == "heading" else ""
        lines += [prefix + escape(block.text, heading=block.kind == "heading"), ""]
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
            essay.title = unescape(heading.group(2))
        elif heading:
            essay.blocks.append(Block("heading", unescape(heading.group(2)), len(heading.group(1))))
        elif chunk.strip():
            essay.blocks.append(Block("paragraph", unescape(" ".join(chunk.split("\n")))))
    return essay
