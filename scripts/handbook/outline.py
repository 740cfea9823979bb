"""Outline: the title, the paragraphs the scrape glued together, and the essay's headings.

Headings follow the numbering of Chinese official writing (GB/T 9704-2012 §7.3.3: 一、 （一） 1.
（1）) and the essay conventions 一是…… and 第一，…; short lines without sentence-ending
punctuation are headings too. Levels follow the numbering: a kind of number seen first sits above
the kinds that appear inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .essay import Block, Essay
from .typography import is_chinese

_NUMERAL = "[一二三四五六七八九十百零〇两]+"
# (kind, pattern, rank): the pattern's {n} is where the number stands; rank orders the GB/T
# levels, None for the essay conventions, which have no fixed level.
_MARKER_FORMS = (
    ("一、", "{n}[、.．]", 0),
    ("（一）", "[（(]{n}[）)][、.．]?", 1),
    ("1.", r"{n}(?:[、．]|\.(?!\d))", 2),
    ("（1）", "[（(]{n}[）)][、.．]?", 3),
    ("①", "{n}", 4),
    ("一是", "{n}是", None),
    ("第一", "第{n}[，,、：:]", None),
)
_NUMBER_PATTERN = {"1.": r"\d{1,2}", "（1）": r"\d{1,2}", "①": "[\u2460-\u2473]"}
MARKERS = tuple(
    (kind, re.compile(form.format(n=f"(?P<n>{_NUMBER_PATTERN.get(kind, _NUMERAL)})")), rank) for kind, form, rank in _MARKER_FORMS
)
_FORMS = {kind: form for kind, form, _ in _MARKER_FORMS}
_PATTERNS = {kind: pattern for kind, pattern, _ in MARKERS}
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}


def number(numeral: str) -> int | None:
    """The value of a marker's number: 3, 三, 十二, ③.

    >>> [number(n) for n in ["3", "三", "十", "十二", "二十一", "③", "一百"]]
    [3, 3, 10, 12, 21, 3, None]
    """
    if numeral.isdigit() and numeral.isascii():
        return int(numeral)
    if "\u2460" <= numeral <= "\u2473":
        return ord(numeral) - 0x245F
    tens, _, ones = numeral.rpartition("十")
    if not all(c in _DIGITS for c in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return None
    if "十" not in numeral:
        return _DIGITS[ones] if ones else None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def numeral(value: int, kind: str) -> str:
    """``value`` written as ``kind`` writes its numbers (the inverse of ``number``)."""
    if kind in ("1.", "（1）"):
        return str(value)
    if kind == "①":
        return chr(0x245F + value)
    tens, ones = divmod(value, 10)
    return ("" if tens <= 1 else "〇一二三四五六七八九"[tens]) + ("十" if tens else "") + ("〇一二三四五六七八九"[ones] if ones else "")


def split_inline_sequence(
    paragraph: str, kind: str, start: int = 0, end: int | None = None, absent: dict[tuple[str, int], int] | None = None
) -> list[tuple[int, int]]:
    """A paragraph opened by a numbered point also holds the next points, each after a sentence's
    end (…明确责任。……二是落实制度，…): each point is a paragraph of its own. Returns the spans
    of the points in ``paragraph[start:end]``. ``absent`` maps each point searched for and not
    found to the end of the text searched: a later piece of the same paragraph that ends there or
    before holds none either, so it is not searched again.

    >>> text = "一是学习。要多学。二是实践，要多做。三是总结。"
    >>> [text[a:b] for a, b in split_inline_sequence(text, "一是")]
    ['一是学习。要多学。', '二是实践，要多做。', '三是总结。']
    >>> split_inline_sequence("一是学习，二是实践。", "一是")
    [(0, 10)]
    """
    end = len(paragraph) if end is None else end
    absent = {} if absent is None else absent
    spans = []
    match = _PATTERNS[kind].match(paragraph, start, end)
    value = number(match.group("n")) if match else None
    search_from = match.end() if match else start
    while value is not None and value < 99 and absent.get((kind, value + 1), -1) < end:
        following = re.compile(rf"(?<=[。！？])(?:[”’」』）]*)(?={_FORMS[kind].format(n=re.escape(numeral(value + 1, kind)))})")
        found = following.search(paragraph, search_from, end)
        if not found:
            absent[(kind, value + 1)] = end
            break
        spans.append((start, found.end()))
        start, value = found.end(), value + 1
        search_from = start + 1  # a point's own start follows no sentence end inside it
    return spans + [(start, end)]


_BARE = "bare"
# Full width only: typography has run, and an ASCII ? or ; left is Latin text's (a URL's query).
_SENTENCE_END = "。！？；…"
# A space is a lost line break when it follows the end of a sentence or a Han character and
# precedes a Han character or an opening mark — never after a pause (，、：), and before a digit
# only after a sentence's end (so 共 1,200 人 stays whole). ASCII parentheses and ? ! ; count:
# the footer and the title are cut before typography makes them full width, and the outline
# after, so both must split a line the same way.
_GLUE = re.compile(
    r"(?<=[\u4e00-\u9fff。！？；…”’》）】)?!;])[ \u00a0\u3000]+(?=[\u4e00-\u9fff“‘《（【(\u2460-\u2473])"
    r"|(?<=[。！？；…”’》）】)?!;])[ \u00a0\u3000]+(?=[0-9\[])"  # after a sentence: 1. (1) open a new one
)
# A bare heading neither ends a sentence nor introduces what follows (：).
_ENDS_OR_INTRODUCES = re.compile(f"[{_SENTENCE_END}：:]")
_LEAD_SENTENCE = re.compile(rf"[^{_SENTENCE_END}]*[{_SENTENCE_END}]+[”’」』）]*")


@dataclass(frozen=True)
class OutlineRules:
    title_max_chars: int
    heading_max_chars: int
    overrides: dict[str, int]  # heading text → level, 0 for "not a heading"

    @classmethod
    def from_config(cls, config: dict, source: str) -> OutlineRules:
        cleaner = config["cleaner"]
        overrides = (config["essays"].get(source) or {}).get("headings") or {}
        return cls(cleaner["title_max_chars"], cleaner["heading_max_chars"], dict(overrides))


def split_glued(line: str) -> list[str]:
    """Split a line where a space stands for a lost line break.

    >>> split_glued("提升窗口服务的必要性和重要性 随着社会的发展。 （一）是需要。")
    ['提升窗口服务的必要性和重要性', '随着社会的发展。', '（一）是需要。']
    >>> split_glued("树立五种意识，践行 AT&T 科学发展观")
    ['树立五种意识，践行 AT&T 科学发展观']
    """
    return [part for part in _GLUE.split(line) if part]


def take_title(essay: Essay, rules: OutlineRules) -> Essay:
    """The first line is the title; a long first line with a lost break gives up what follows it.

    >>> e = take_title(Essay("x", text="\\n树立五种意识 践行科学发展观\\n正文。"), OutlineRules(60, 50, {}))
    >>> e.title, e.text
    ('树立五种意识 践行科学发展观', '正文。')
    """
    first, _, rest = essay.text.strip("\n").partition("\n")
    parts = split_glued(first)
    if len(first) > rules.title_max_chars and len(parts) > 1:
        first, rest = parts[0], first[len(parts[0]) :].lstrip() + "\n" + rest
    essay.title = first.strip()
    essay.text = rest.strip("\n")
    return essay


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a body: its lines, split again where the scrape glued them.

    >>> paragraphs("甲段。\\n\\n乙段。 丙标题 丁段。")
    ['甲段。', '乙段。', '丙标题', '丁段。']
    """
    return [part.strip() for line in text.split("\n") for part in split_glued(line) if part.strip()]


def marker_kind(paragraph: str, start: int = 0, end: int | None = None) -> str | None:
    """The kind of number that opens a paragraph (``paragraph[start:end]``), if any.

    >>> [marker_kind(p) for p in ["一、总体要求", "（二）是需要。", "3.做法", "1.5亿人", "一是要增强服务意识。", "第一，要…", "正文"]]
    ['一、', '（一）', '1.', None, '一是', '第一', None]
    """
    end = len(paragraph) if end is None else end
    for kind, pattern, _ in MARKERS:
        if pattern.match(paragraph, start, end):
            return kind
    return None


def lead_sentence(paragraph: str, start: int = 0, end: int | None = None) -> str:
    """A paragraph's (``paragraph[start:end]``) first sentence, closing quotes included.

    >>> lead_sentence("一是要增强服务意识。胡锦涛总书记指出：“……”。")
    '一是要增强服务意识。'
    """
    end = len(paragraph) if end is None else end
    match = _LEAD_SENTENCE.match(paragraph, start, end)
    return match.group(0) if match else paragraph[start:end]


def is_bare_heading(paragraph: str, rules: OutlineRules) -> bool:
    """A short line with no sentence-ending mark is a heading.

    >>> r = OutlineRules(60, 50, {})
    >>> is_bare_heading("小小窗口，百姓帮手", r), is_bare_heading("胡锦涛总书记指出：", r), is_bare_heading("窗口工作。", r)
    (True, False, False)
    """
    return (
        len(paragraph) <= rules.heading_max_chars
        and not _ENDS_OR_INTRODUCES.search(paragraph)
        and any(map(is_chinese, paragraph))
    )


class _Levels:
    """Assigns heading levels from the order in which kinds of numbering nest.

    ``present`` are the kinds the whole essay uses: a GB/T level met before the levels above it
    (（一） before the first 一、) still sits below them.
    """

    def __init__(self, present: set[str]) -> None:
        self.stack: list[str] = []
        self.unseen = set(present)

    def level(self, kind: str) -> int:
        if kind == _BARE:
            # Unnumbered headings are sections: they sit at the top, beside the top numbering.
            self.stack = self.stack[:1] if self.stack and self.stack[0] != _BARE else []
            if not self.stack:
                self.stack = [_BARE]
            return 2
        if kind in self.stack:
            del self.stack[self.stack.index(kind) + 1 :]
        else:
            rank = _RANKS[kind]
            while rank is not None and self.stack and _deeper(self.stack[-1], rank):
                self.stack.pop()
            if rank is not None:
                self.stack += sorted((k for k in self.unseen if _RANKS[k] is not None and _deeper(kind, _RANKS[k])), key=_RANKS.get)
            self.stack.append(kind)
        self.unseen.discard(kind)
        return min(len(self.stack) + 1, 6)


_RANKS = {kind: rank for kind, _, rank in MARKERS}


def _deeper(kind: str, rank: int) -> bool:
    """Whether ``kind`` is a GB/T level below ``rank`` (so a heading of ``rank`` closes it)."""
    own = _RANKS.get(kind)
    return own is not None and own > rank


def outline(essay: Essay, rules: OutlineRules) -> Essay:
    """Turn ``essay.text`` into blocks: headings (lead sentences of numbered paragraphs, bare
    headings) and paragraphs.

    >>> e = outline(Essay("x", text="引言。\\n一是要增强服务意识。胡总书记指出。\\n二是增强法律意识。"), OutlineRules(60, 50, {}))
    >>> [(b.kind[0], b.level, b.text) for b in e.blocks]
    [('p', 0, '引言。'), ('h', 2, '一是要增强服务意识。'), ('p', 0, '胡总书记指出。'), ('h', 2, '二是增强法律意识。')]
    """
    lines = paragraphs(essay.text)
    # First the pieces (heading or paragraph), then the levels: the kinds a level depends on are
    # those of the pieces, some of which appear only as a paragraph is split, so that cleaning the
    # output again, where each piece is a line of its own, gives the same levels.
    pieces: list[tuple[str, str | None, int | None]] = []  # text, heading kind (None: a paragraph), editor's level
    # Pieces still to read, as (line, start, end), the next one last: a point or the rest of a
    # paragraph is read where it stands in its line, never copied out of it.
    pending = [(n, 0, len(line)) for n, line in reversed(list(enumerate(lines)))]
    absent: dict[tuple[str, int], int] = {}  # points not found in the current line (split_inline_sequence)
    current = -1

    def bare(n: int, start: int, end: int) -> bool:
        return end - start <= rules.heading_max_chars and is_bare_heading(lines[n][start:end], rules)

    while pending:
        n, start, end = pending.pop()
        line = lines[n]
        if n != current:
            absent, current = {}, n
        heading, kind = "", marker_kind(line, start, end)
        if kind:
            (start, end), *points = split_inline_sequence(line, kind, start, end, absent)
            pending += [(n, a, b) for a, b in reversed(points)]
            lead = lead_sentence(line, start, end)
            if len(lead) <= rules.heading_max_chars:
                heading = lead
        elif pending and bare(n, start, end) and not bare(*pending[-1]):
            heading, kind = line[start:end], _BARE
        level = rules.overrides.get(heading) if heading else 0
        if heading and level != 0:
            pieces.append((heading, kind, level))
            rest = _strip(line, start + len(heading), end)
            if rest[0] < rest[1]:
                # What follows a lead sentence is a paragraph of its own, read like any other, so
                # that cleaning the output again finds the same outline.
                pending.append((n, *rest))
        else:
            pieces.append((line[start:end], None, None))
    levels = _Levels({marked for text, _, _ in pieces if (marked := marker_kind(text))})
    essay.blocks = [Block("heading", text, level or levels.level(kind)) if kind else Block("paragraph", text)
                    for text, kind, level in pieces]
    essay.text = ""
    return essay


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of ``text[start:end].strip()``.

    >>> _strip(" 甲 乙 ", 0, 5)
    (1, 4)
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
