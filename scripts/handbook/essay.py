"""The one data type that flows through the pipeline: an essay, its metadata and its blocks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, NamedTuple


class Block(NamedTuple):
    """A heading (``level`` 2–6, the title being level 1) or a paragraph (``level`` 0). A tuple:
    the catalogue keeps ten thousand essays' blocks in a cache, and tuples load fast."""

    kind: Literal["heading", "paragraph"]
    text: str
    level: int = 0


@dataclass
class Essay:
    """An essay on its way from a raw scrape to Markdown.

    Early stages work on ``text`` (the body as one string); ``outline`` turns it into ``blocks``,
    after which ``text`` is no longer used. ``repairs`` counts what each named repair changed and
    ``removed`` keeps the footer lines taken off, verbatim, for the editor's report, and
    ``notes`` what the cleaner left as it found it for the editor to look at.
    """

    source: str
    title: str = ""
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    repairs: Counter[str] = field(default_factory=Counter)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class EssayError(ValueError):
    """An input the cleaner refuses; the message says why, in a sentence."""
