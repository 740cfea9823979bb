"""Small text helpers shared by the generated pages: escaping for Markdown and HTML, slugs."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from pymdownx.slugs import slugify

_slugify = slugify(case="lower")
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_text(text: str) -> str:
    """Plain text → Markdown that shows exactly that text (markup in scraped titles stays literal)."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return MD_SPECIAL.sub(r"\\\1", text)


def md_link_target(path: str) -> str:
    return "<" + quote(path, safe="/._-~") + ">"


def slug(text: str) -> str:
    return _slugify(str(text), "-") or "x"


def shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
