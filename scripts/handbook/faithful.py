"""Faithfulness: the body's characters and punctuation come out exactly once, in order.

The check compares the body as it stood after the footer was cut (and its script converted) with
the body read back from the rendered Markdown. Only white space may differ (lost line breaks
become paragraph breaks) and punctuation only in width (，↔ ,). A mismatch is the cleaner's own
bug: the essay is refused, never written wrong.
"""

from __future__ import annotations

import re

from .essay import Essay, EssayError
from .render import parse, to_markdown
from .typography import to_ascii_punctuation


def signature(text: str) -> str:
    """What must survive cleaning: every character but white space, punctuation width folded.

    >>> signature("甲， 乙\\n（一）")
    '甲,乙(一)'
    """
    return to_ascii_punctuation(re.sub(r"\s+", "", text))


def check(reference: str, essay: Essay) -> str:
    """Render ``essay``, read it back, and compare its body with ``reference``; return the Markdown.

    >>> from handbook.essay import Block
    >>> check("甲。乙", Essay("x", "题", blocks=[Block("paragraph", "甲。乙")])).endswith("甲。乙\\n")
    True
    >>> check("甲。乙", Essay("x", "题", blocks=[Block("paragraph", "甲。")]))
    Traceback (most recent call last):
    handbook.essay.EssayError: internal error, the essay was not written: the cleaned body lost 1 character at the end ("…甲。" where the source has "…甲。乙"); please report this bug
    """
    markdown = to_markdown(essay)
    expected = signature(reference)
    got = signature("".join(block.text for block in parse(markdown).blocks))
    if got != expected:
        raise EssayError(f"internal error, the essay was not written: {describe_difference(expected, got)}; please report this bug")
    return markdown


def describe_difference(expected: str, got: str) -> str:
    """Where and how the cleaned body differs from the source's."""
    shorter = min(len(expected), len(got))
    at = next((i for i in range(shorter) if expected[i] != got[i]), shorter)
    where = "at the end" if at == shorter else f"at character {at}"
    delta = len(got) - len(expected)
    what = f"lost {-delta} character" if delta < 0 else f"gained {delta} character" if delta else "changed a character"
    plural = "s" if abs(delta) > 1 else ""
    window = slice(max(0, at - 8), at + 8)
    return f'the cleaned body {what}{plural} {where} ("…{got[window]}" where the source has "…{expected[window]}")'
