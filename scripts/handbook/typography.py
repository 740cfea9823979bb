"""Typography: the full-width punctuation the scraper folded to ASCII goes back, inside Chinese text.

The scrape kept 、。“”《》 but turned ，：；（）！？ into ``, : ; ( ) ! ?`` (as NFKC does), and
``&quot;`` decodes to a straight ``"``. A mark goes back to full width when Chinese text stands
next to it; ASCII stays where it belongs: times (16:50:22), numbers (1,000), URLs, Latin text.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from itertools import accumulate

from .read import is_han

FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_TO_ASCII = str.maketrans({**{full: ascii_ for ascii_, full in FULL_WIDTH.items()}, "“": '"', "”": '"'})
# URLs may hold the marks (?b=1,2). E-mail addresses hold none of them, so they need no
# protection (a pattern for them, with ``\w``, tried every start in a run of Chinese).
_PROTECTED = re.compile(r"(?:https?|ftp)://[^\s\u3000-\u303f\uff01-\uff5e\u4e00-\u9fff]+|www\.[A-Za-z0-9.-]+[^\s\u4e00-\u9fff]*")
_CJK_PUNCTUATION = set("、。，：；！？（）《》〈〉「」『』【】〔〕“”‘’…—·～")


def is_chinese(char: str) -> bool:
    """Han characters and the punctuation of Chinese text.

    >>> is_chinese("窗"), is_chinese("。"), is_chinese("a"), is_chinese(",")
    (True, True, False, False)
    """
    return is_han(char) or char in _CJK_PUNCTUATION


def to_ascii_punctuation(text: str) -> str:
    """The inverse of this module's conversion, for comparing texts before and after it.

    >>> to_ascii_punctuation("时间：16:50（北京）“网上办”")
    '时间:16:50(北京)"网上办"'
    """
    return text.translate(_TO_ASCII)


def restore_full_width_punctuation(text: str) -> str:
    """ASCII ``, : ; ! ? ( )`` inside Chinese text → full width; elsewhere unchanged. Idempotent.

    >>> restore_full_width_punctuation("意识:一是服务,二是效率;(一)是需要!对吗?")
    '意识：一是服务，二是效率；（一）是需要！对吗？'
    >>> restore_full_width_punctuation("窗口:,")
    '窗口：，'
    >>> restore_full_width_punctuation("甲 , 乙 : 丙 ; 好 !")
    '甲，乙：丙；好！'
    >>> restore_full_width_punctuation("时间:2014-08-30 16:50:22, 共1,000人 , 占50%. AT&T (USA), Inc.")
    '时间：2014-08-30 16:50:22，共1,000人，占50%. AT&T (USA), Inc.'
    >>> restore_full_width_punctuation("见 http://x.cn/a?b=1,2 说明:世界贸易组织(WTO)")
    '见 http://x.cn/a?b=1,2 说明：世界贸易组织（WTO）'
    """
    # A mark made full width makes its ASCII neighbour Chinese too: repeat until nothing changes.
    while (converted := _convert_once(text)) != text:
        text = converted
    return text


def pair_straight_double_quotes(text: str) -> str:
    """Straight double quotes, paired on a line, around or beside Chinese text → “ ”.

    A line with an odd number of them is left as it is: which one is unpaired cannot be told
    (``unpaired_double_quotes`` names those lines for the editor).

    >>> pair_straight_double_quotes('推进户籍业务"网上办"和"最多跑一次"。')
    '推进户籍业务“网上办”和“最多跑一次”。'
    >>> pair_straight_double_quotes('He said "yes". 见 http://x.cn/?q="a" 和 "单独')
    'He said "yes". 见 http://x.cn/?q="a" 和 "单独'
    """
    if '"' not in text:
        return text
    chars = list(text)
    for quotes in _straight_quotes(text):
        if len(quotes) % 2 == 0:
            for open_, close in zip(quotes[::2], quotes[1::2]):
                inside = text[open_ + 1 : close]
                if any(map(is_chinese, inside)) or _chinese_beside(text, open_, -1) or _chinese_beside(text, close, +1):
                    chars[open_], chars[close] = "“", "”"
    return "".join(chars)


def unpaired_double_quotes(text: str, context: int = 12) -> list[str]:
    """The lines ``pair_straight_double_quotes`` leaves alone for an odd number of straight double
    quotes, each shortened to ``context`` characters around its first quote, for the editor.

    >>> unpaired_double_quotes('甲说"好"。\\n乙说"不好。\\n见 http://x.cn/?q="a 和 丙')
    ['乙说"不好。']
    >>> unpaired_double_quotes('开头' * 10 + '"' + '结尾' * 10, context=4)
    ['…开头开头"结尾结尾…']
    """
    found = []
    for quotes in _straight_quotes(text):
        if len(quotes) % 2:
            line_start, line_end = text.rfind("\n", 0, quotes[0]) + 1, text.find("\n", quotes[0])
            line_end = len(text) if line_end < 0 else line_end
            start, end = max(line_start, quotes[0] - context), min(line_end, quotes[0] + 1 + context)
            found.append(("…" if start > line_start else "") + text[start:end] + ("…" if end < line_end else ""))
    return found


def _straight_quotes(text: str) -> list[list[int]]:
    """The positions of straight double quotes outside URLs, line by line (lines without any left out)."""
    protected = _protected_spans(text)
    lines: dict[int, list[int]] = {}
    line = 0
    for i in (m.start() for m in _QUOTE_OR_LINE.finditer(text)):
        if text[i] == "\n":
            line += 1
        elif not _inside(i, protected):
            lines.setdefault(line, []).append(i)
    return list(lines.values())


_QUOTE_OR_LINE = re.compile('["\n]')


def _convert_once(text: str) -> str:
    if not _ASCII_MARK.search(text):  # most titles, and text already converted
        return _tighten_pauses(text)
    chars = list(text)
    protected = _protected_spans(text)
    # How many Chinese characters precede each position: whether a pair encloses any is a subtraction.
    chinese_before = list(accumulate(map(is_chinese, text), initial=0))
    for open_, close in _paren_pairs(text):
        if _inside(open_, protected) or _inside(close, protected):
            continue
        if chinese_before[close] > chinese_before[open_ + 1] or _chinese_beside(text, open_, -1) or _chinese_beside(text, close, +1):
            chars[open_], chars[close] = "（", "）"
    # Left to right, then right to left over what is converted so far: a run of marks beside
    # Chinese text converts in two passes, not one pass per mark.
    pauses = [match.start() for match in _PAUSES.finditer(text) if not _inside(match.start(), protected)]
    for order in (pauses, reversed(pauses)):
        for i in order:
            if chars[i] in FULL_WIDTH and _belongs_to_chinese(chars, i):
                chars[i] = FULL_WIDTH[chars[i]]
    return _tighten_pauses("".join(chars))


_PAUSES = re.compile("[,:;!?]")
_ASCII_MARK = re.compile("[,:;!?()]")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Where URLs are. Each needs ``://`` or ``www.``: without them the pattern is not run.

    >>> _protected_spans("见 http://x.cn/a?b=1,2 或 www.x.cn/c:d"), _protected_spans("没有网址")
    ([(2, 21), (24, 36)], [])
    """
    if "://" not in text and "www." not in text:
        return []
    return [match.span() for match in _PROTECTED.finditer(text)]


def _inside(i: int, spans: list[tuple[int, int]]) -> bool:
    """Whether position ``i`` lies in one of ``spans`` (sorted, not overlapping): a binary search.

    >>> _inside(3, [(0, 2), (3, 5)]), _inside(2, [(0, 2), (3, 5)])
    (True, False)
    """
    k = bisect_right(spans, (i, math.inf)) - 1
    return k >= 0 and i < spans[k][1]


# A pause mark (，：；) carries its own space; one typed beside it is the ASCII habit. Spaces around
# （）！？ may be lost line breaks, which the outline stage needs to see.
_SPACE_AROUND_PAUSE = re.compile(r"[ \t]*([，：；])[ \t]*|[ \t]+([！？])")


def _tighten_pauses(text: str) -> str:
    """Without the spaces typed around ，：； and before ！？.

    >>> _tighten_pauses("甲 ， 乙 ！")
    '甲，乙！'
    """
    return _SPACE_AROUND_PAUSE.sub(lambda m: m.group(1) or m.group(2), text)


def _belongs_to_chinese(text: str | list[str], i: int) -> bool:
    before, after = "".join(text[i - 1 : i]), "".join(text[i + 1 : i + 2])
    if before.isdigit() and after.isdigit() and text[i] in ",:":
        return False  # 1,000 and 16:50 stay
    return _chinese_beside(text, i, -1) or _chinese_beside(text, i, +1)


def _chinese_beside(text: str | list[str], i: int, step: int) -> bool:
    """Whether the nearest non-space character on one side of ``text[i]`` is Chinese (or a mark now made full width)."""
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t":
        j += step
    return 0 <= j < len(text) and text[j] != "\n" and (is_chinese(text[j]))


def _paren_pairs(text: str) -> list[tuple[int, int]]:
    """Matching ``(`` ``)`` pairs on one line; unmatched ones are left alone."""
    pairs, stack = [], []
    for match in _PAREN_OR_LINE.finditer(text):
        char, i = match.group(), match.start()
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs.append((stack.pop(), i))
        elif char == "\n":
            stack.clear()
    return pairs


_PAREN_OR_LINE = re.compile("[()\n]")
