"""Search: Pagefind's extended build indexes the built pages; ``overrides/assets/handbook/search.js``
queries it in the browser.

Pagefind segments Chinese into words, and matches a query word only at the start of an indexed
word: 手册 is not found in 本手册, nor 华人 in 中华人民共和国, because those were indexed as one
word or split elsewhere. So each page is indexed with, besides its text, every pair of adjacent Han
characters in it (and each run's last character), written after a sentinel in the copy of the
page handed to Pagefind (the page on disk is untouched). The browser turns a query into the same
pairs, asks Pagefind for the pages holding all of them, then keeps only the pages whose text holds
the query itself and shows the passage around it with the query marked. So a query finds exactly
the pages containing it, wherever it falls in the text's words.

Text and query are compared after the same per-character normalisation: Traditional characters
to Simplified (OpenCC t2s, one character to one), full-width to half-width, lower case. A query
typed in either script finds essays in either edition.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Iterable

from ..script import converter

log = logging.getLogger("mkdocs.plugins.handbook.search")

SENTINEL = "〓索引〓"
MARKER = "<!--hb-search-grams-->"
BODY = re.compile(r"<div data-pagefind-body[^>]*>(.*?)" + re.escape(MARKER), re.S)
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
IGNORED = re.compile(r'<(p|a|span)\b[^>]*(?:data-pagefind-ignore|class="headerlink")[^>]*>.*?</\1>', re.S)
TAG = re.compile(r"<[^>]+>")
HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
CHARMAP_NAME = "handbook-charmap.json"
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


def charmap(chars: Iterable[str], schemes: Iterable[str] = ("s2t",)) -> dict[str, str]:
    """Per-character folding for ``chars``, their Traditional forms and their Simplified forms:
    Traditional to Simplified (OpenCC t2s), full-width to half-width, lower case; only what changes.

    A Traditional form whose t2s is not the character it was made from folds to that character
    too: s2tw writes the particle 着 as 著 and t2s keeps 著, so 著 folds to 着, and 隨著 matches 随着.
    """
    schemes = list(schemes)
    chars = set(chars)
    for scheme in schemes:
        chars |= set(converter(scheme).convert("".join(sorted(chars))))
    chars |= set(converter("t2s").convert("".join(sorted(chars))))
    result = {}
    for c in sorted(chars):
        n = converter("t2s").convert(c)
        if len(n) != 1 or (ord(n) > 0xFFFF) != (ord(c) > 0xFFFF):
            n = c
        k = unicodedata.normalize("NFKC", n).lower()
        n = k if len(k) == 1 else n
        if n != c:
            result[c] = n
    for c in sorted(chars):
        if result.get(c, c) != c:
            continue  # not a Simplified character
        for scheme in schemes:
            t = converter(scheme).convert(c)
            if len(t) == 1 and t != c and result.get(t, t) != c and converter("t2s").convert(t) == t:
                result[t] = c
    return result


def normalize(text: str, cmap: dict[str, str]) -> str:
    out = []
    for c in text:
        n = cmap.get(c)
        if n is None:
            k = unicodedata.normalize("NFKC", c).lower()
            n = k if len(k) == 1 else c
        out.append(n)
    return "".join(out)


def page_text(page_html: str) -> str | None:
    """The indexed text of a built page (its data-pagefind-body), or None when it is not indexed."""
    match = BODY.search(page_html)
    if not match:
        return None
    return html.unescape(TAG.sub(" ", IGNORED.sub(" ", match.group(1))))


def grams(text: str) -> list[str]:
    """Every pair of adjacent Han characters, and each run's last character, once each."""
    seen: dict[str, None] = {}
    for run in HAN_RUN.findall(text):
        for i in range(len(run) - 1):
            seen[run[i : i + 2]] = None
        seen[run[-1]] = None
    return list(seen)


def url_of(path: Path, site_dir: Path) -> str:
    rel = path.relative_to(site_dir).as_posix()
    if rel == "index.html":
        return "/"
    return "/" + (rel[: -len("index.html")] if rel.endswith("/index.html") else rel)


def index_site(site_dir: Path, config: dict[str, Any], edition: str) -> dict[str, int]:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind``; returns counts."""
    site_dir = Path(site_dir)
    pages = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).parts
        if rel[0] in ("pagefind", "assets") or (len(rel) > 1 and rel[0] == "zh-Hant"):
            continue
        text = path.read_text(encoding="utf-8")
        body = page_text(text)
        if body is not None:
            pages.append((path, text, body))
    schemes = sorted({spec["opencc"] for spec in (config.get("editions") or {}).values() if spec.get("opencc")})
    # The same characters in every edition (the Simplified pages' and this site's), so that every
    # edition folds a query the same way.
    sources = [p for p in (Path(config["root"]) / "docs").rglob("*.md") if not p.name.startswith(".")]
    chars = {c for _, _, body in pages for c in body} | {c for p in sources for c in p.read_text(encoding="utf-8")}
    cmap = charmap({c for c in chars if HAN_RUN.match(c)}, schemes or ["s2t"])
    _index(site_dir, pages, cmap)
    (site_dir / "pagefind" / CHARMAP_NAME).write_text(
        json.dumps({"sentinel": SENTINEL, "charmap": cmap}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8")
    log.info("handbook: indexed %d pages for search", len(pages))
    return {"pages": len(pages), "charmap": len(cmap)}


def _index(site_dir: Path, pages, cmap: dict[str, str]) -> None:
    """Run Pagefind's extended CLI over copies of the indexed pages, each with its appendix of
    character pairs, writing the bundle into ``site_dir/pagefind``. (The CLI over a folder is
    about a hundred times faster than the Python API's one-file-per-message service.)"""
    binary = _require_extended()
    output = site_dir / "pagefind"
    if output.exists():
        shutil.rmtree(output)
    with tempfile.TemporaryDirectory(prefix="handbook-search-") as mirror:
        for path, text, body in pages:
            appendix = f'<div lang="zh">{SENTINEL} {" ".join(grams(normalize(body, cmap)))}</div>'
            copy = Path(mirror) / path.relative_to(site_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(HEADERLINK.sub("", text.replace(MARKER, appendix, 1)), encoding="utf-8")
        result = subprocess.run([str(binary), "--site", mirror, "--output-path", str(output.resolve()),
                                 "--force-language", "zh", "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Pagefind failed ({result.returncode}): {result.stderr or result.stdout}")
    for name in UNUSED:  # Pagefind's own UIs: the handbook's is overrides/assets/handbook/search.js
        (output / name).unlink(missing_ok=True)


def _require_extended() -> Path:
    try:
        from pagefind_bin_extended import get_executable

        return Path(get_executable())
    except Exception as error:  # pragma: no cover - the lock file pins pagefind_bin_extended
        raise RuntimeError("Pagefind's extended build (pagefind_bin_extended) is needed: it segments Chinese") from error
