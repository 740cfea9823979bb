"""Search: a static index of character pairs, written into ``<site>/search/`` after the build;
``overrides/assets/handbook/search.js`` queries it in the browser.

A query must find every essay holding it, also inside longer words (人民 in 中华人民共和国, 手册 in
本手册), which no word segmenter does. So nothing is segmented: for every essay the index records
each character and each pair of adjacent characters of its text (within runs of letters, digits
and Han characters; punctuation and spaces break runs), and maps each of these keys to the sorted
list of essays holding it. An essay holds a query term only if it holds all the term's pairs, so
the browser intersects the lists of a few of the term's pairs (one character: its own list), takes
the candidates in catalogue order, fetches the text of the first few and keeps those whose text
holds the term itself, showing the passage around it. A query of one or two characters needs no
check: its list is the answer.

What a first search fetches is bounded, whatever the number of essays:

* ``search/meta.json``: the page count, the shard count and the character folding table;
* ``search/k/<n>.bin``: the key shards. Key ``k`` is in shard FNV-1a(k) mod the shard count, a
  power of two chosen so that a shard stays near ``SHARD_TARGET`` bytes. A shard is a little-endian
  u32 header length, a JSON header ``{key: [kind, count, offset, length]}`` and the lists: kind 0
  is the essay numbers as varint deltas (from -1), kind 1 a bitmap of all essays (for keys held by
  more than an eighth of them);
* ``search/p/<n>.json``: essay ``n``'s URL (relative to the site), title and text, one small file
  per essay, for the check and the passage.

Text and query are compared after the same per-character normalisation: Traditional characters
to Simplified (OpenCC t2s, one character to one), full-width to half-width, lower case, never
changing a character's UTF-16 length. A query typed in either script finds essays in either
edition. Only essay pages are indexed (their ``data-hb-search-body``), never the navigation or the
home page's catalogue.

``python -m handbook.site.search SITE [--config handbook.yml]`` indexes an already built site
again (each edition), without rebuilding it.
"""

from __future__ import annotations

import html
import json
import logging
import operator
import os
import re
import shutil
import struct
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from ..script import converter

log = logging.getLogger("mkdocs.plugins.handbook.search")

FOLDER = "search"
META_NAME = "meta.json"
BODY_START = "<div data-hb-search-body"
MARKER = "<!--hb-search-end-->"
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
IGNORED = re.compile(r'<(p|a|span)\b[^>]*(?:data-hb-search-ignore|class="headerlink")[^>]*>.*?</\1>', re.S)
TAG = re.compile(r"<[^>]+>")
SHARD_TARGET = 4096  # bytes a shard should stay near
MAX_SHARDS = 4096
# Pagefind's bundle, which this index replaced: removed if an older build left it in the site.
STALE = ("pagefind",)
# How long this process's last index_site took (``handbook build`` reports it per edition).
last_seconds = 0.0


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


def fold(c: str, cmap: dict[str, str]) -> str:
    """One character's normalised form, exactly as search.js computes it: the folding table, else
    NFKC and lower case when that gives one character of the same UTF-16 length, else itself."""
    n = cmap.get(c)
    if n is None:
        k = unicodedata.normalize("NFKC", c).lower()
        n = k if len(k) == 1 else c
    return n if (ord(n) > 0xFFFF) == (ord(c) > 0xFFFF) else c


def normalize(text: str, cmap: dict[str, str]) -> str:
    return "".join(fold(c, cmap) for c in text)


def breaks(c: str) -> bool:
    """Whether a character separates query terms (search.js splits queries on \\s, \\p{P}, \\p{S})."""
    return c.isspace() or unicodedata.category(c)[0] in "PSZ"


def page_text(page_html: str) -> str | None:
    """The indexed text of a built page (its data-hb-search-body), or None when it is not indexed."""
    start = page_html.find(BODY_START)
    if start < 0:
        return None
    start = page_html.index(">", start) + 1
    end = page_html.find(MARKER, start)
    body = page_html[start:end if end >= 0 else len(page_html)]
    return html.unescape(TAG.sub(" ", IGNORED.sub(" ", body)))


def page_entry(page_html: str) -> tuple[str, str] | None:
    """A built page's title and indexed text (whitespace runs made one space), or None when the page is not indexed."""
    body = page_text(page_html)
    return None if body is None else (page_title(page_html), " ".join(body.split()))


def page_title(page_html: str) -> str:
    match = H1.search(page_html, max(0, page_html.find(BODY_START)))
    return " ".join(html.unescape(TAG.sub("", IGNORED.sub("", match.group(1)))).split()) if match else ""


def keys(text: str, gap: str = " ") -> set[str]:
    """The index keys of a normalised text whose term-breaking characters are all ``gap``: every
    character and every pair of adjacent characters within its runs of term characters."""
    found = set(text)
    found.update(map(operator.add, text, text[1:]))
    return {k for k in found if gap not in k}


def shard_of(key: str, shards: int) -> int:
    """FNV-1a (32 bits) over the key's code points, modulo the (power of two) shard count."""
    h = 0x811C9DC5
    for c in key:
        h = ((h ^ ord(c)) * 0x01000193) & 0xFFFFFFFF
    return h & (shards - 1)


def url_of(path: Path, site_dir: Path) -> str:
    """A page's URL relative to the site's root ("" for the home page)."""
    rel = path.relative_to(site_dir).as_posix()
    if rel == "index.html":
        return ""
    return rel[: -len("index.html")] if rel.endswith("/index.html") else rel


def catalogue_urls(config: dict[str, Any]) -> list[str]:
    """The essays' URLs (relative to the site's root, as MkDocs' directory URLs) in catalogue
    order, the order search results are listed in."""
    from ..catalogue import load_catalogue
    from .nav import sections

    root = Path(config["root"])
    essays = Path(os.path.relpath(root / config["paths"]["essays"], root / "docs")).as_posix()
    return [item.src_uri[: -len(".md")] + "/" for section in sections(load_catalogue(config), essays) for item in section.items]


def index_site(site_dir: Path, config: dict[str, Any], edition: str, order: list[str] | None = None,
               pages: dict[str, tuple[str, str]] | None = None) -> dict[str, int]:
    """Index the built site in ``site_dir`` into ``site_dir/search``; returns counts.

    ``order``: the essays' URLs in catalogue order (default: ``catalogue_urls``); ``pages``: each
    indexed page's URL, title and text as the build saw them (default: read from ``site_dir``)."""
    started = time.perf_counter()
    site_dir = Path(site_dir)
    if pages is None:
        pages = {}
        for path in site_dir.rglob("index.html"):
            rel = path.relative_to(site_dir).parts
            if rel[0] in (FOLDER, "assets", *STALE) or (len(rel) > 1 and rel[0] == "zh-Hant"):
                continue
            entry = page_entry(path.read_text(encoding="utf-8"))
            if entry is not None:
                pages[url_of(path, site_dir)] = entry
    rank = {url: i for i, url in enumerate(catalogue_urls(config) if order is None else order)}
    order = sorted(pages, key=lambda url: (rank.get(url, len(rank)), url))
    schemes = sorted({spec["opencc"] for spec in (config.get("editions") or {}).values() if spec.get("opencc")})
    # The same characters in every edition (the Simplified pages' and this site's), so that every
    # edition folds a query the same way.
    sources = [p for p in (Path(config["root"]) / "docs").rglob("*.md") if not p.name.startswith(".")]
    chars: set[str] = set()
    for _, text in pages.values():
        chars.update(text)
    for p in sources:
        chars.update(p.read_text(encoding="utf-8"))
    cmap = charmap({c for c in chars if HAN_RUN.match(c)}, schemes or ["s2t"])
    stats = write_index(site_dir / FOLDER, [(url, *pages[url]) for url in order], cmap)
    for name in STALE:
        shutil.rmtree(site_dir / name, ignore_errors=True)
    global last_seconds
    last_seconds = time.perf_counter() - started
    log.info("handbook: indexed %d pages of %s for search (%d keys, %d shards) in %.1f s", stats["pages"],
             edition, stats["keys"], stats["shards"], last_seconds)
    return stats


def write_index(folder: Path, pages: list[tuple[str, str, str]], cmap: dict[str, str]) -> dict[str, int]:
    """Write the index of ``pages`` (URL, title, text; in the order results are listed) into ``folder``."""
    chars: set[str] = set()
    for _, _, text in pages:
        chars.update(text)
    # Fold every character, and every character that breaks terms into a space.
    table = {}
    for c in chars:
        n = fold(c, cmap)
        n = " " if breaks(n) else n
        if n != c:
            table[ord(c)] = n
    postings: dict[str, list[int]] = defaultdict(list)
    for number, (_, _, text) in enumerate(pages):
        for key in keys(text.translate(table)):
            postings[key].append(number)

    count = len(pages)
    bitmap_size = (count + 7) // 8
    encoded = {key: _encode(ids, bitmap_size) for key, ids in postings.items()}
    total = sum(len(blob) + len(key.encode()) + 24 for key, (_, blob) in encoded.items())
    shards = 16
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    buckets: list[list[str]] = [[] for _ in range(shards)]
    for key in encoded:
        buckets[shard_of(key, shards)].append(key)

    if folder.exists():
        shutil.rmtree(folder)
    (folder / "k").mkdir(parents=True)
    (folder / "p").mkdir()
    for number, bucket in enumerate(buckets):
        header, blobs, offset = {}, [], 0
        for key in sorted(bucket):
            kind, blob = encoded[key]
            header[key] = [kind, len(postings[key]), offset, len(blob)]
            blobs.append(blob)
            offset += len(blob)
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        (folder / "k" / f"{number}.bin").write_bytes(struct.pack("<I", len(head)) + head + b"".join(blobs))
    for number, (url, title, text) in enumerate(pages):
        (folder / "p" / f"{number}.json").write_text(
            json.dumps({"u": url, "t": title, "x": text}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (folder / META_NAME).write_text(
        json.dumps({"version": 1, "pages": count, "shards": shards, "charmap": cmap},
                   ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return {"pages": count, "keys": len(postings), "shards": shards, "charmap": len(cmap)}


def _encode(ids: list[int], bitmap_size: int) -> tuple[int, bytes]:
    """(0, varint deltas from -1) or (1, bitmap), whichever is smaller."""
    if len(ids) >= bitmap_size:
        bits = bytearray(bitmap_size)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        return 1, bytes(bits)
    deltas = list(map(operator.sub, ids, [-1, *ids[:-1]]))
    if max(deltas) < 0x80:
        return 0, bytes(deltas)
    out = bytearray()
    for d in deltas:
        while d >= 0x80:
            out.append(0x80 | (d & 0x7F))
            d >>= 7
        out.append(d)
    return 0, bytes(out)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .. import config as configuration
    from . import context

    parser = argparse.ArgumentParser(prog="python -m handbook.site.search",
                                     description="Index an already built handbook site for search again (every edition).")
    parser.add_argument("site", type=Path, help="the built site (the default edition's folder)")
    parser.add_argument("--config", type=Path, help="the project's handbook.yml (default: the site's parent's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = dict(configuration.load.__wrapped__(args.config or args.site.resolve().parent / configuration.CONFIG_NAME))
    editions = [(context.DEFAULT_EDITION, args.site)]
    editions += [(e, args.site / e) for e in (config.get("editions") or {}) if (args.site / e / "index.html").is_file()]
    for edition, folder in editions:
        index_site(folder, config, edition)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
