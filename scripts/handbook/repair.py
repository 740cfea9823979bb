"""Repairs: small named fixes for what scrapers do to text, in the manner of ftfy's ``fixes.py``.

Each fix takes text and returns text; ``apply`` runs them in order and counts what each changed,
so the editor's report can say which repairs touched an essay and how often.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from html.entities import html5

Fix = Callable[[str], str]

_ENTITY_NAMES = frozenset(name[:-1] for name in html5 if name.endswith(";"))


def unescape_repeated_ampersands(text: str) -> str:
    """Undo double (and triple) escaping of ``&``, with or without the semicolon.

    >>> unescape_repeated_ampersands("&amp;amp;quot; &ampnbsp R&amp;D")
    '&quot; &nbsp R&D'
    """
    return _AMPS.sub("&", text)


_AMPS = re.compile(r"&(?:amp;?)+")


def restore_mangled_entity_names(text: str, aliases: dict[str, str]) -> str:
    """Give entities that lost letters their name back (``&bsp;`` is ``&nbsp;`` with its n gone).

    >>> restore_mangled_entity_names("意识&bsp;&bsp;践行", {"bsp": "nbsp"})
    '意识&nbsp;&nbsp;践行'
    """
    if not aliases:
        return text
    names = "|".join(sorted(map(re.escape, aliases), key=len, reverse=True))
    return re.sub(rf"&({names})(?![A-Za-z0-9])", lambda m: "&" + aliases[m.group(1)], text)


def decode_html_entities(text: str) -> str:
    """Decode named and numeric character references, semicolon or not; leave ``AT&T`` alone.

    >>> decode_html_entities("&ldquo;窗口&rdquo;&hellip;&#160;&#x3000;&nbsp1. AT&T R&D")
    '“窗口”…\\xa0\\u3000\\xa01. AT&T R&D'
    """
    return _ENTITY.sub(_decode_entity, text)


_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31})(;?)")
# HTML's legacy names (nbsp, amp, copy…) decode without a semicolon even when text follows them.
_LEGACY_NAMES = frozenset(name for name in html5 if not name.endswith(";"))


def _decode_entity(match: re.Match[str]) -> str:
    body, semicolon = match.groups()
    if body.startswith("#"):
        return html.unescape(f"&{body};")
    if body in _ENTITY_NAMES:
        return html5[body + ";"]
    for end in range(len(body) - 1, 1, -1):
        if body[:end] in _LEGACY_NAMES:
            return html5[body[:end]] + body[end:] + semicolon
    return match.group(0)


def break_at_block_tags(text: str, tags: Iterable[str]) -> str:
    """Leftover block tags (``<p>``, ``<br/>``…) mean a new paragraph.

    >>> break_at_block_tags("甲。<br/>乙。</p><p class='x'>丙。", ["p", "br"])
    '甲。\\n乙。\\n\\n丙。'
    """
    return _tag_pattern(tags).sub("\n", text)


def drop_inline_tags(text: str, tags: Iterable[str]) -> str:
    """Inline tags carry no text of their own: drop them, keep what they wrap.

    >>> drop_inline_tags('<span style="x">窗口</span><b>服务</b> <script>', ["span", "b"])
    '窗口服务 <script>'
    """
    return _tag_pattern(tags).sub("", text)


def _tag_pattern(tags: Iterable[str]) -> re.Pattern[str]:
    names = "|".join(map(re.escape, tags))
    return re.compile(rf"</?(?:{names})(?:\s[^<>]*)?/?>", re.IGNORECASE)


def remove_invisible_characters(text: str) -> str:
    """Zero-width characters, stray byte-order marks, soft hyphens and control characters go.

    >>> remove_invisible_characters("窗\\u200b口\\ufeff服\\x07务")
    '窗口服务'
    """
    return _INVISIBLE.sub("", text)


_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Spaces a scrape uses for layout: ASCII, tab, no-break, the ideographic space and the typographic ones.
_SPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"


def strip_indentation(text: str) -> str:
    """Spaces that indent or trail a line are layout, not text.

    >>> strip_indentation("\\u3000\\u3000一是……。\\xa0 \\n\\xa0\\xa0二是……。")
    '一是……。\\n二是……。'
    """
    return _EDGE_SPACES.sub("", text)


_EDGE_SPACES = re.compile(rf"^{_SPACE}+|{_SPACE}+$", re.MULTILINE)


def collapse_space_runs(text: str) -> str:
    """A run of spaces of any kind inside a line becomes one ASCII space.

    >>> collapse_space_runs("树立五种意识\\xa0\\xa0践行科学发展观")
    '树立五种意识 践行科学发展观'
    """
    return _SPACE_RUN.sub(" ", text)


_SPACE_RUN = re.compile(rf"{_SPACE}{{2,}}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def collapse_blank_lines(text: str) -> str:
    """Several blank lines are one paragraph break.

    >>> collapse_blank_lines("甲\\n\\n\\n\\n乙\\n")
    '甲\\n\\n乙'
    """
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def repairs(config: dict) -> list[tuple[str, Fix]]:
    """The fixes in the order they run, configured from handbook.yml's ``cleaner`` section."""
    cleaner = config["cleaner"]
    return [
        ("unescape_repeated_ampersands", unescape_repeated_ampersands),
        ("restore_mangled_entity_names", partial(restore_mangled_entity_names, aliases=cleaner["entity_aliases"])),
        ("decode_html_entities", decode_html_entities),
        ("break_at_block_tags", partial(break_at_block_tags, tags=cleaner["break_tags"])),
        ("drop_inline_tags", partial(drop_inline_tags, tags=cleaner["inline_tags"])),
        ("remove_invisible_characters", remove_invisible_characters),
        ("strip_indentation", strip_indentation),
        ("collapse_space_runs", collapse_space_runs),
        ("collapse_blank_lines", collapse_blank_lines),
    ]


def apply(text: str, fixes: list[tuple[str, Fix]], counts: Counter[str]) -> str:
    """Run ``fixes`` over ``text``; add to ``counts`` how many lines each one changed."""
    for name, fix in fixes:
        fixed = fix(text)
        if fixed != text:
            counts[name] += lines_changed(text, fixed)
            text = fixed
    return text


def lines_changed(before: str, after: str) -> int:
    """How many lines of ``before`` a fix changed (a fix that splits or joins lines counts them all).

    >>> lines_changed("甲\\n乙\\n丙", "甲\\n乙乙\\n丙")
    1
    """
    old, new = before.split("\n"), after.split("\n")
    if len(old) == len(new):
        return sum(a != b for a, b in zip(old, new))
    return sum((Counter(old) - Counter(new)).values()) or 1
