"""Search: a static index of characters and character pairs with ranking weights and the pairs'
positions, written into ``<site>/search/`` after the build; ``overrides/assets/handbook/search.js``
queries it in the browser.

A query must find every essay holding it, also inside longer words (人民 in 中华人民共和国, 手册 in
本手册), which no word segmenter does. So nothing is segmented: for every essay the index records
each character and each pair of adjacent characters of its text (within runs of letters, digits
and Han characters; punctuation and spaces break runs), and maps each of these keys to the sorted
list of essays holding it. A term of one or two characters is answered by its key's list. A
longer term is found from the positions of pairs covering it (at offsets 0, 2, 4, … and the last):
an essay holds the term where every covering pair stands at its offset from the first. So the
browser knows exactly which essays hold a query, and how many, from the index alone. When those
positions would exceed ``positions_max_kb`` (pairs found in nearly every essay of a large
handbook), the essays holding the pairs are ranked by the pairs' weights and checked against
their texts as they are shown; the count then says how many are found and how many are not
checked yet, never a number it does not know.

Each posting carries a weight for the ranking: ``body mentions << 2 | in the title << 1 | in a
heading`` (a pair's positions carry the field of each occurrence, so a longer term gets the same
from them). search.js ranks by BM25 with field weights (handbook.yml's ``search``):

    score = Σ over terms  idf(t) · (title_weight·[t in title] + heading_weight·[t in a heading]
                                    + f·(k1 + 1) / (f + k1·(1 − b + b·len/avglen)))

where f is the term's mentions in the body and idf(t) = ln(1 + (N − n + 0.5)/(n + 0.5)) for n
essays holding it (its rarest key's list). For a query of several words, the words as typed (each
followed by the next with at most one character between them, in one field) count as one more
term, whose n is the number of essays holding them so; and essays holding them as typed come
first, then those where they all lie within ``near_chars`` of each other, then the rest. Ties in
catalogue order. Words of one character have no positions: they are required and weighed, but
not placed; nor are words of two characters whose positions together exceed ``near_max_kb``.
When words are not placed, an essay holding every pair that joins one word to the next (间服 of
夜间 服务) is taken to hold them as typed, in the fields where all those pairs stand.

What a first search fetches is bounded, whatever the number of essays:

* ``search/meta.json``: the page count, the shard count, the character folding table and the
  ranking's parameters; ``search/lengths.bin``: one byte per essay, its length against the
  average (``length_ratios``);
* ``search/k/<n>.bin``: the key shards. Key ``k`` is in shard FNV-1a(k) mod the shard count, a
  power of two chosen so that a shard stays near ``SHARD_TARGET`` bytes. A shard is a little-endian
  u32 header length, a JSON header ``{key: [kind, count, offset, length(, file, offset, length of
  its positions)]}`` and the lists: kind 0 is varint essay-number deltas (from -1) each followed by
  its varint weight, kind 1 a bitmap of all essays followed by the weights (when smaller);
* ``search/x/<n>.bin``: the pairs' positions, fetched only for terms of three or more characters
  and for the words of a query of several (within ``near_max_kb``): per essay of the key's list, the byte length of its
  entry, then ``varint(delta << 2 | field)`` per occurrence (fields ``BODY``, ``HEADING``,
  ``TITLE``), packed into files of about ``POSITIONS_TARGET`` bytes (a longer list alone);
* ``search/p/<n>.json``: essay ``n``'s URL (relative to the site), title, chapter and text, one
  small file per essay, fetched for the results shown (their passage).

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
import math
import operator
import os
import re
import shutil
import struct
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from array import array
from typing import Any, Iterable, NamedTuple

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
HEADINGS = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)
RUN = re.compile(r"[^ ]+")
BODY, HEADING, TITLE = 0, 1, 2  # the fields of a page's text
LENGTHS_NAME = "lengths.bin"
POSITIONS_TARGET = 8192  # bytes a positions file should stay near
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
    body = _body(page_html)
    return None if body is None else html.unescape(TAG.sub(" ", body))


def _body(page_html: str) -> str | None:
    """The markup of a page's data-hb-search-body less its ignored parts, or None."""
    start = page_html.find(BODY_START)
    if start < 0:
        return None
    start = page_html.index(">", start) + 1
    end = page_html.find(MARKER, start)
    return IGNORED.sub(" ", page_html[start:end if end >= 0 else len(page_html)])


class Page(NamedTuple):
    """An indexed page: URL (relative to the site), title, text (whitespace runs made one space),
    the title's and headings' spans in the text as (start, end, field), and its chapter."""

    url: str
    title: str
    text: str
    spans: tuple[tuple[int, int, int], ...] = ()
    chapter: str = ""


def page_entry(page_html: str) -> tuple[str, str, tuple[tuple[int, int, int], ...]] | None:
    """A built page's title, indexed text (whitespace runs made one space) and the spans of its
    title (``TITLE``) and headings (``HEADING``) in that text, or None when the page is not indexed.

    >>> page_entry('<div data-hb-search-body><h1>标题</h1><p>正文 一</p><h2>小 节</h2><p>二</p><!--hb-search-end-->')
    ('标题', '标题 正文 一 小 节 二', ((0, 2, 2), (8, 11, 1)))
    """
    body = _body(page_html)
    if body is None:
        return None
    words: list[str] = []
    spans: list[tuple[int, int, int]] = []
    at, length = 0, -1
    for match in (*HEADINGS.finditer(body), None):
        chunks = [(BODY, body[at:match.start() if match else len(body)])]
        if match:
            chunks.append((TITLE if match.group(1) == "1" else HEADING, match.group(2)))
            at = match.end()
        for field, chunk in chunks:
            found = html.unescape(TAG.sub(" ", chunk)).split()
            if not found:
                continue
            start = length + 1
            length = start + len(" ".join(found))
            words += found
            if field != BODY:
                spans.append((start, length, field))
    title = page_title(page_html)
    return title, " ".join(words), tuple(spans)


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


def catalogue_order(config: dict[str, Any]) -> list[tuple[str, str]]:
    """The essays' URLs (relative to the site's root, as MkDocs' directory URLs) and chapters in
    catalogue order, the order of search results that rank the same."""
    from ..catalogue import load_catalogue
    from .nav import sections

    root = Path(config["root"])
    essays = Path(os.path.relpath(root / config["paths"]["essays"], root / "docs")).as_posix()
    return [(item.src_uri[: -len(".md")] + "/", section.name)
            for section in sections(load_catalogue(config), essays) for item in section.items]


def index_site(site_dir: Path, config: dict[str, Any], edition: str, order: list[tuple[str, str]] | None = None,
               pages: dict[str, tuple] | None = None) -> dict[str, int]:
    """Index the built site in ``site_dir`` into ``site_dir/search``; returns counts.

    ``order``: the essays' URLs and chapters in catalogue order (default: ``catalogue_order``);
    ``pages``: each indexed page's ``page_entry`` by URL, as the build saw them (default: read
    from ``site_dir``)."""
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
    order = catalogue_order(config) if order is None else order
    rank = {url: i for i, (url, _) in enumerate(order)}
    chapters = dict(order)
    urls = sorted(pages, key=lambda url: (rank.get(url, len(rank)), url))
    schemes = sorted({spec["opencc"] for spec in (config.get("editions") or {}).values() if spec.get("opencc")})
    # The same characters in every edition (the Simplified pages' and this site's), so that every
    # edition folds a query the same way.
    sources = [p for p in (Path(config["root"]) / "docs").rglob("*.md") if not p.name.startswith(".")]
    chars: set[str] = set()
    for entry in pages.values():
        chars.update(entry[1])
    for p in sources:
        chars.update(p.read_text(encoding="utf-8"))
    cmap = charmap({c for c in chars if HAN_RUN.match(c)}, schemes or ["s2t"])
    indexed = [Page(url, *pages[url], chapter=chapters.get(url, "")) for url in urls]
    stats = write_index(site_dir / FOLDER, indexed, cmap, ranking(config))
    for name in STALE:
        shutil.rmtree(site_dir / name, ignore_errors=True)
    global last_seconds
    last_seconds = time.perf_counter() - started
    log.info("handbook: indexed %d pages of %s for search (%d keys, %d shards) in %.1f s", stats["pages"],
             edition, stats["keys"], stats["shards"], last_seconds)
    return stats


def ranking(config: dict[str, Any]) -> dict[str, float]:
    """The ranking's parameters (handbook.yml's ``search``), as search.js reads them from meta.json."""
    from ..config import Search

    return Search().model_dump() | dict(config.get("search") or {})


def write_index(folder: Path, pages: list[Page], cmap: dict[str, str], rank: dict[str, float] | None = None) -> dict[str, int]:
    """Write the index of ``pages`` (in the order results that rank the same are listed) into ``folder``."""
    chars: set[str] = set()
    for page in pages:
        chars.update(page.text)
    # Fold every character, and every character that breaks terms into a space.
    table = {}
    for c in chars:
        n = fold(c, cmap)
        n = " " if breaks(n) else n
        if n != c:
            table[ord(c)] = n
    docs: dict[str, array] = defaultdict(lambda: array("i"))
    weights: dict[str, bytearray] = defaultdict(bytearray)
    where: dict[str, bytearray] = defaultdict(bytearray)
    lengths = []
    for number, page in enumerate(pages):
        text = page.text.translate(table)
        lengths.append(len(text) - text.count(" "))
        for key, weight, positions in _postings(text, page.spans):
            docs[key].append(number)
            weights[key] += weight
            if positions is not None:
                where[key] += positions

    count = len(pages)
    bitmap_size = (count + 7) // 8
    encoded = {key: _encode(ids, weights[key], bitmap_size) for key, ids in docs.items()}
    total = sum(len(blob) + len(key.encode()) + 24 for key, (_, blob) in encoded.items())
    shards = 16
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    buckets: list[list[str]] = [[] for _ in range(shards)]
    for key in encoded:
        buckets[shard_of(key, shards)].append(key)

    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("k", "x", "p"):
        (folder / sub).mkdir(parents=True)
    located = _write_positions(folder / "x", where)
    for number, bucket in enumerate(buckets):
        header, blobs, offset = {}, [], 0
        for key in sorted(bucket):
            kind, blob = encoded[key]
            header[key] = [kind, len(docs[key]), offset, len(blob), *located.get(key, ())]
            blobs.append(blob)
            offset += len(blob)
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        (folder / "k" / f"{number}.bin").write_bytes(struct.pack("<I", len(head)) + head + b"".join(blobs))
    for number, page in enumerate(pages):
        (folder / "p" / f"{number}.json").write_text(
            json.dumps({"u": page.url, "t": page.title, "c": page.chapter, "x": page.text},
                       ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (folder / LENGTHS_NAME).write_bytes(length_ratios(lengths))
    (folder / META_NAME).write_text(
        json.dumps({"version": 2, "pages": count, "shards": shards, "charmap": cmap, "ranking": rank or ranking({})},
                   ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return {"pages": count, "keys": len(docs), "shards": shards, "charmap": len(cmap), "position_files": len(set(
        loc[0] for loc in located.values()))}


def _postings(text: str, spans: Iterable[tuple[int, int, int]]) -> Iterable[tuple[str, bytes, bytes | None]]:
    """For one page's folded text: each key (character or pair of adjacent term characters) with
    its weight (``varint(body count << 2 | in title << 1 | in a heading)``) and, for a pair, its
    positions (``varint(byte length)``, then ``varint(delta << 2 | field)`` per occurrence, the
    first delta from -1)."""
    field = bytearray(len(text))
    body, titled, headed = text, set(), set()
    if spans:
        chars = list(text)
        for start, end, kind in spans:
            field[start:end] = bytes((kind,)) * (end - start)
            (titled if kind == TITLE else headed).update(text[start:end])
            chars[start:end] = " " * (end - start)
        body = "".join(chars)
    counts = Counter(body)
    for key in set(text):
        if key != " ":
            yield key, _varint(counts.get(key, 0) << 2 | (key in titled) << 1 | (key in headed)), None
    pairs: dict[str, list[int]] = defaultdict(list)
    for run in RUN.finditer(text):
        word, base = run.group(), run.start()
        for at, key in enumerate(map(operator.add, word, word[1:]), base):
            pairs[key].append(at)
    for key, found in pairs.items():
        fields = [field[at] for at in found]
        blob = b"".join([_varint((at - previous) << 2 | kind) for at, previous, kind in zip(found, [-1, *found], fields)])
        yield key, _weight(fields), _varint(len(blob)) + blob


def _weight(fields: list[int]) -> bytes:
    """A posting's weight from the fields of its occurrences.

    >>> list(_weight([BODY, BODY, TITLE])), list(_weight([HEADING]))
    ([10], [1])
    """
    return _varint(fields.count(BODY) << 2 | (TITLE in fields) << 1 | (HEADING in fields))


def _leb128(value: int) -> bytes:
    """LEB128: seven bits a byte, least significant first.

    >>> _leb128(5), _leb128(300)
    (b'\\x05', b'\\xac\\x02')
    """
    out = bytearray()
    while value >= 0x80:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


_VARINTS = [_leb128(v) for v in range(1 << 14)]  # the values of one and two bytes, encoded once


def _varint(value: int) -> bytes:
    return _VARINTS[value] if value < 1 << 14 else _leb128(value)


def length_ratios(lengths: list[int]) -> bytes:
    """Each page's length (its term characters) against the average, one byte a page: ``q`` stands
    for ``2 ** ((q - 128) / 16)``, so a page as long as the average is 128.

    >>> list(length_ratios([100, 100, 400]))
    [112, 112, 144]
    """
    average = sum(lengths) / len(lengths) if lengths else 1
    return bytes(max(0, min(255, round(128 + 16 * math.log2(max(1, n) / max(1, average))))) for n in lengths)


def _write_positions(folder: Path, where: dict[str, bytearray]) -> dict[str, tuple[int, int, int]]:
    """The pairs' positions, packed into files of about ``POSITIONS_TARGET`` bytes (a larger list
    alone in its file); returns each key's (file, offset, length)."""
    located: dict[str, tuple[int, int, int]] = {}
    number, chunk = 0, bytearray()
    for key in sorted(where, key=lambda k: (len(where[k]), k)):
        blob = where[key]
        if chunk and len(chunk) + len(blob) > POSITIONS_TARGET:
            (folder / f"{number}.bin").write_bytes(chunk)
            number, chunk = number + 1, bytearray()
        located[key] = (number, len(chunk), len(blob))
        chunk += blob
    if chunk:
        (folder / f"{number}.bin").write_bytes(chunk)
    return located


def _encode(ids: array, weights: bytearray, bitmap_size: int) -> tuple[int, bytes]:
    """(0, varint deltas from -1, each followed by its weight) or (1, a bitmap followed by the
    weights), whichever is smaller."""
    if len(ids) >= bitmap_size:
        bits = bytearray(bitmap_size)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        return 1, bytes(bits) + bytes(weights)
    out = bytearray()
    previous, at = -1, 0
    for i in ids:
        out += _varint(i - previous)
        previous = i
        end = at
        while weights[end] & 0x80:
            end += 1
        out += weights[at:end + 1]
        at = end + 1
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
