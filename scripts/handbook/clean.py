"""Cleaning one essay: read → repair → footer → script → typography → outline → render.

Each stage is a module of its own; this one runs them in order and checks the result with
``faithful`` before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import repair
from .essay import Essay, EssayError
from .faithful import check
from .footer import Furniture, split_footer
from .outline import OutlineRules, outline, take_title
from .read import HAN, read_text
from .script import convert, traditional_share
from .typography import pair_straight_double_quotes, restore_full_width_punctuation, unpaired_double_quotes

SUMMARY_MAX_CHARS = 80
TYPOGRAPHY = [("restore_full_width_punctuation", restore_full_width_punctuation),
              ("pair_straight_double_quotes", pair_straight_double_quotes)]


@dataclass
class Cleaned:
    """What cleaning one input gave: the essay and its Markdown, or the reason it was refused."""

    source: str
    essay: Essay | None = None
    markdown: str = ""
    encoding: str = ""
    error: str | None = None
    output: str | None = None


def clean_text(data: bytes, source: str, config: dict) -> Cleaned:
    """Clean the raw bytes of one scraped essay; ``source`` names it in the essay and in errors."""
    name = Path(source).name
    essay = Essay(name)
    essay.meta["date"] = ""  # keeps the front matter's order: title, date, source, …
    essay.meta["source"] = name
    try:
        if too_large := size_error(len(data), config):
            raise EssayError(too_large)
        text, encoding = read_text(data)
        essay.text = repair.apply(text, repair.repairs(config), essay.repairs)
        split_footer(essay, Furniture.from_config(config["cleaner"]["footer"]))
        rules = OutlineRules.from_config(config, name)
        take_title(essay, rules)
        if not (HAN.search(essay.title) or HAN.search(essay.text)):
            raise EssayError(f"it holds no Chinese text (decoded as {encoding})")
        if not essay.text.strip():
            raise EssayError("it has a title but no body text")
        convert_script(essay, config["cleaner"]["traditional_threshold"])
        reference = essay.text
        essay.title, essay.text = (
            repair.apply(part, TYPOGRAPHY, essay.repairs)
            for part in (essay.title, essay.text)
        )
        essay.notes += [f"unpaired straight double quote, left as typed: {line}" for line in unpaired_double_quotes(essay.title + "\n" + essay.text)]
        outline(essay, rules)
        apply_overrides(essay, config)
        essay.meta["summary"] = summary(essay)
        if not essay.meta["date"]:
            del essay.meta["date"]
        markdown = check(reference, essay)
    except EssayError as error:
        return Cleaned(source, error=str(error))
    return Cleaned(source, essay, markdown, encoding)


def size_error(size: int, config: dict) -> str | None:
    """Why an input of ``size`` bytes is refused, if it is larger than ``cleaner.max_input_bytes``.

    >>> size_error(6_000_000, {"cleaner": {"max_input_bytes": 5_000_000}})
    'it is 6,000,000 bytes, more than cleaner.max_input_bytes (5,000,000) in handbook.yml allows'
    """
    limit = config["cleaner"].get("max_input_bytes")
    if limit and size > limit:
        return f"it is {size:,} bytes, more than cleaner.max_input_bytes ({limit:,}) in handbook.yml allows"
    return None


def convert_script(essay: Essay, threshold: float) -> None:
    """Essays scraped in Traditional characters enter the Simplified handbook through OpenCC's t2s."""
    traditional = traditional_share(essay.title + essay.text) > threshold
    essay.meta["original_script"] = "zh-Hant" if traditional else "zh-Hans"
    if traditional:
        converted = [convert(part, "t2s") for part in (essay.title, essay.text)]
        essay.repairs["convert_traditional_to_simplified"] += sum(len(part.split("\n")) for part in converted)
        essay.title, essay.text = converted


def apply_overrides(essay: Essay, config: dict) -> None:
    """An editor's corrections from handbook.yml's ``essays`` section (the title; headings are
    handled by the outline)."""
    override = config["essays"].get(essay.source) or {}
    if override.get("title"):
        essay.title = str(override["title"])


def summary(essay: Essay) -> str:
    """The opening sentence of the first paragraph, for the catalogue."""
    first = next((block.text for block in essay.blocks if block.kind == "paragraph"), "")
    for end, char in enumerate(first):
        if char in "。！？" and end >= 8:
            first = first[: end + 1]
            break
    return first if len(first) <= SUMMARY_MAX_CHARS else first[: SUMMARY_MAX_CHARS - 1] + "…"
