"""Splitting off the footer: the CMS page furniture glued to the end of a scraped essay.

Only trailing furniture goes: the scan starts at the last line and stops at the first line that is
not furniture, so the same words inside the body (上一篇文章中…, 相关文章指出…) stay.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from .essay import Essay, EssayError
from .outline import split_glued
from .script import variants

_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Titles in a "related articles" list are short and never end a sentence.
_LIST_ITEM_MAX_CHARS = 60
# Furniture is a few items long: a longer line, or the part of one glued to the body's last line,
# is never tried as furniture as a whole, so that a long line costs one pass, not one per piece.
_FURNITURE_MAX_CHARS = 2000


@dataclass(frozen=True)
class Furniture:
    """The furniture patterns of handbook.yml's ``cleaner.footer``, compiled."""

    line: re.Pattern[str]
    list_mark: re.Pattern[str]
    date_key: re.Pattern[str]

    @classmethod
    def from_config(cls, footer: dict) -> Furniture:
        return _compile(tuple(footer["keys"]), tuple(footer["marks"]), tuple(footer["list_marks"]), tuple(footer["date_keys"]))


@lru_cache(maxsize=4)
def _compile(keys: tuple[str, ...], marks: tuple[str, ...], list_marks: tuple[str, ...], date_keys: tuple[str, ...]) -> Furniture:
    def alternation(words: tuple[str, ...]) -> str:
        return "|".join(sorted(map(re.escape, variants(list(words))), key=len, reverse=True))

    # A mark may be bracketed (【打印本页】), spaced out (字体：大 中 小) or followed by a title (网友评论《…》).
    mark = rf"[【\[]?\s*(?:{alternation(marks)})\s*[】\]]?(?:\s*《[^》]*》)?"
    key_value = rf"[【\[]?(?:{alternation(keys)})\s*[:：].*"
    line = re.compile(rf"(?:(?:{mark}|{key_value})\s*)+")
    list_mark = re.compile(rf"[【\[]?(?:{alternation(list_marks)})[】\]]?\s*[:：]?")
    date_key = re.compile(rf"(?:{alternation(date_keys)})\s*[:：]\s*(?=\d)")
    return Furniture(line, list_mark, date_key)


def is_furniture(line: str, furniture: Furniture) -> bool:
    """Whether a whole line is page furniture.

    >>> from handbook.config import load
    >>> f = Furniture.from_config(load()["cleaner"]["footer"])
    >>> is_furniture("浏览次数:  更新时间:2014-08-30 16:50:22", f), is_furniture("【打印本頁】 【關閉窗口】", f)
    (True, True)
    >>> is_furniture("上一篇文章中我们讨论了窗口服务。", f), is_furniture("相关文章指出，窗口是门面。", f)
    (False, False)
    """
    return furniture.line.fullmatch(_compact(line)) is not None


def _compact(line: str) -> str:
    # 字 体 ： 大 中 小 — some sites space out the furniture's characters.
    return re.sub(r"(?<=[\u4e00-\u9fff】])\s+(?=[\u4e00-\u9fff【])", "", line.strip())


def split_footer(essay: Essay, furniture: Furniture) -> Essay:
    """Take the trailing furniture off ``essay.text`` into ``essay.removed``; keep its date.

    >>> from handbook.config import load
    >>> f = Furniture.from_config(load()["cleaner"]["footer"])
    >>> e = split_footer(Essay("x", text="正文。\\n\\n更新时间:2014-8-30 16:50\\n相关文章\\n甲文\\n乙文"), f)
    >>> e.text, e.removed, e.meta["date"]
    ('正文。', ['更新时间:2014-8-30 16:50', '相关文章', '甲文', '乙文'], '2014-08-30')
    >>> split_footer(Essay("x", text="正文。 评论功能已关闭"), f).text, split_footer(Essay("x", text="正文。相关文章"), f).text
    ('正文。', '正文。')

    """
    lines = essay.text.split("\n")
    # The body is lines[:cut], the last of them up to ``end`` once a list glued onto it is cut off
    # (None: the whole line). Lines are cut in place, by position, and only split into their
    # parts at the end, so that a long line with many lists glued on is read once.
    cut, end = len(lines), None
    splits: dict[int, list[int]] = {}  # line → where lists were cut off it, last first
    pieces: dict[int, list[tuple[int, str]]] = {}  # line → its pieces (_pieces), made once
    while cut > 0:
        line = lines[cut - 1]
        stop = len(line) if end is None else end
        if stop <= _FURNITURE_MAX_CHARS or not _NON_SPACE.search(line, 0, stop):
            text = line[:stop].strip()
            if not text or is_furniture(text, furniture):
                cut, end = cut - 1, None
                continue
        found = _related_list_start(lines, cut, stop, furniture, pieces)
        if found is None:
            break
        i, start = found
        if start:  # the list starts inside line i, whose beginning is body text
            splits.setdefault(i, []).append(start)
            cut, end = i + 1, start
        else:
            cut, end = i, None
    lines, cut = _split_lines(lines, cut, splits)
    lines, cut = _unglue_last_line(lines, cut, furniture)
    removed = [line for line in lines[cut:] if line.strip()]
    body = "\n".join(lines[:cut]).strip("\n")
    if not body.strip():
        raise EssayError("it has no body text: only page furniture" + (f" ({removed[0]} …)" if removed else ""))
    essay.text = body
    essay.removed.extend(removed)
    date = footer_date(removed, furniture)
    if date:
        essay.meta["date"] = date
    return essay


_NON_SPACE = re.compile(r"\S")
_AFTER_SENTENCE = re.compile(r"(?<=[。！？；!?;])")


def _unglue_last_line(lines: list[str], cut: int, furniture: Furniture) -> tuple[list[str], int]:
    """Furniture glued to the body's last line goes too, after a lost line break (…心连心。 相关文章)
    or a sentence's end (…心连心。相关文章): the line is cut at the first such place from which the
    rest of it is furniture as a whole, as it would be on a line of its own
    (更新时间:… takes the rest of its line, http://a.cn/?x=1 included), so that cleaning the cleaned
    text again cuts nothing more.

    >>> from handbook.config import load
    >>> f = Furniture.from_config(load()["cleaner"]["footer"])
    >>> _unglue_last_line(["甲", "正文。相关文章 浏览次数:http://a.cn/?x=1"], 2, f)
    (['甲', '正文。', '相关文章', '浏览次数:http://a.cn/?x=1'], 2)
    >>> _unglue_last_line(["一是；上一篇：；窗口"], 1, f)
    (['一是；', '上一篇：；窗口'], 1)
    """
    if cut == 0:
        return lines, cut
    line = lines[cut - 1]
    starts = [start for start, _ in _glued_parts(line)]
    for start, _ in _pieces(line)[1:]:
        if len(line) - start <= _FURNITURE_MAX_CHARS and is_furniture(line[start:], furniture):
            ends = [p for p in starts if p > start] + [len(line)]
            removed = [line[a:b].strip() for a, b in zip([start, *ends], ends)]
            return lines[: cut - 1] + [line[:start].rstrip()] + [r for r in removed if r] + lines[cut:], cut
    return lines, cut


def _glued_parts(line: str) -> list[tuple[int, str]]:
    """``split_glued(line)``, each part with where it starts in ``line``.

    >>> _glued_parts("甲文。 相关文章 乙文")
    [(0, '甲文。'), (4, '相关文章'), (9, '乙文')]
    """
    found, at = [], 0
    for part in split_glued(line):
        at = line.index(part, at)
        found.append((at, part))
        at += len(part)
    return found


def _pieces(line: str) -> list[tuple[int, str]]:
    """The pieces the outline may make of ``line``: its parts between lost line breaks, split
    again after each sentence's end (a numbered paragraph's lead sentence becomes a heading);
    each with where it starts.

    >>> _pieces("一是；相关文章 乙文")
    [(0, '一是；'), (3, '相关文章'), (8, '乙文')]
    """
    found = []
    for at, part in _glued_parts(line):
        for piece in _AFTER_SENTENCE.split(part):
            if piece:
                found.append((at, piece))
            at += len(piece)
    return found


def _related_list_start(
    lines: list[str], cut: int, stop: int, furniture: Furniture, pieces: dict[int, list[tuple[int, str]]]
) -> tuple[int, int] | None:
    """If ``lines[:cut]`` (the last of them up to ``stop``) end with a list mark (相关文章) and a
    list of short titles, where that list starts: (line, offset in it). The lines are taken as the
    outline may split them, so a list glued onto a line (…正文。 相关文章 甲文, 一是；相关文章 甲文)
    counts as on lines of its own. Only the lines the list could hold are read: the scan stops at
    the first long piece or sentence's end, on every essay's last lines. ``pieces`` keeps each
    line's pieces for the next call.

    >>> from handbook.config import load
    >>> f = Furniture.from_config(load()["cleaner"]["footer"])
    >>> _related_list_start(["正文。", "相关文章", "甲文"], 3, 2, f, {}), _related_list_start(["正文。 相关文章 甲文"], 1, 12, f, {})
    ((1, 0), (0, 4))
    """
    for i in range(cut - 1, -1, -1):
        if i not in pieces:
            pieces[i] = _pieces(lines[i])
        found = pieces[i]
        last = bisect_left(found, (stop, "")) if i == cut - 1 else len(found)
        for k in range(last - 1, -1, -1):
            start, piece = found[k][0], found[k][1].strip()
            if furniture.list_mark.fullmatch(piece):
                return i, start
            if len(piece) > _LIST_ITEM_MAX_CHARS or re.search(r"[。！？!?]$", piece):
                return None
    return None


def _split_lines(lines: list[str], cut: int, splits: dict[int, list[int]]) -> tuple[list[str], int]:
    """``lines`` with each line in ``splits`` cut where lists were found on it (its first part
    stripped at the right), and ``cut`` moved past the new body's last line.

    >>> _split_lines(["甲", "正文。 相关文章 乙 相关文章 丙"], 2, {1: [11, 4]})
    (['甲', '正文。', '相关文章 乙', '相关文章 丙'], 2)
    """
    split = []
    for i, line in enumerate(lines):
        ends = sorted(splits.get(i, ()))
        parts = [line[a:b] for a, b in zip([0, *ends], [*ends, len(line)])]
        split += [part.rstrip() for part in parts[:-1]] + parts[-1:]
        if i == cut - 1:
            cut = len(split) - len(ends)
    return split, cut


def footer_date(lines: list[str], furniture: Furniture) -> str | None:
    """The date of a footer, ``YYYY-MM-DD``: the one behind a date key (更新时间), else the first one.

    >>> from handbook.config import load
    >>> footer_date(["来源：本站 发布时间：2013年5月6日", "上一篇：甲"], Furniture.from_config(load()["cleaner"]["footer"]))
    '2013-05-06'
    """
    keyed = [m for line in lines for key in furniture.date_key.finditer(line) if (m := _DATE.match(line, key.end()))]
    found = keyed or [m for line in lines for m in _DATE.finditer(line)]
    for match in found:
        year, month, day = (int(part) for part in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None
