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

* ``search/meta.json``: the page count, the count of essay numbers (``slot_numbers``: slots of
  a hash table of the essays' URLs, so an essay added or removed anywhere moves only the few
  essays in its run of taken slots), the shard count, the character folding table and the
  ranking's parameters; ``search/lengths.bin``: one byte per number, its essay's length against
  the average (``length_ratios``); ``search/order.bin``: per number, its essay's place in the
  catalogue (u32, little-endian; ``EMPTY`` for a number no essay has), which orders ties;
* ``search/k/<n>.bin``: the key shards. Key ``k`` is in shard FNV-1a(k) mod the shard count, a
  power of two chosen so that a shard stays near ``SHARD_TARGET`` bytes. A shard is a little-endian
  u32 header length, a JSON header ``{key: [kind, count, offset, length(, file, offset, length of
  its positions)]}`` and the lists: kind 0 is varint essay-number deltas (from -1) each followed by
  its varint weight, kind 1 a bitmap of all essays followed by the weights (when smaller);
* ``search/x/<n>.bin``: the pairs' positions, fetched only for terms of three or more characters
  and for the words of a query of several (within ``near_max_kb``): per essay of the key's list,
  the byte length of its entry, then ``varint(delta << 2 | field)`` per occurrence (fields
  ``BODY``, ``HEADING``, ``TITLE``). Each shard's keys have files of their own,
  ``x/<shard + j·shard count>.bin``: a list longer than ``POSITIONS_TARGET`` bytes alone, the
  others packed in key order into files of about that size, so that an edit rewrites the files
  of the shards it touches and no others (``write_index`` with a cache updates the index so);
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

import bisect
import hashlib
import html
import itertools
import json
import logging
import math
import operator
import os
import pickle
import re
import shutil
import struct
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from array import array
from typing import Any, Callable, Iterable, NamedTuple

from ..files import files_below, write_atomic
from ..forked import after_answer
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
ORDER_NAME = "order.bin"
EMPTY = 0xFFFFFFFF  # a number no essay has, in order.bin
POSITIONS_TARGET = 8192  # bytes a positions file should stay near
SHARD_TARGET = 4096  # bytes a shard should stay near
MAX_SHARDS = 4096
SLOT_LOAD = 0.75  # the share of essay numbers an essay may have at most (``slot_numbers``)
STATE_VERSION = 2  # of what write_index keeps in its cache
REFOLDED_CHECKED = 64  # characters folded otherwise an update looks for in the pages it keeps
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


class Kept(NamedTuple):
    """A page's entry as the index holds it (``index_site`` takes it from the index's state): a
    page kept from an earlier build, by its entry's ``entry_digest``."""

    digest: str


def entry_digest(entry: tuple[str, str, tuple[tuple[int, int, int], ...]]) -> str:
    """A digest of a page's ``page_entry``: what a page kept from an earlier build is known by.

    >>> entry_digest(("标题", "标题 正文", ((0, 2, 2),))) == entry_digest(("标题", "标题 正文", ((0, 2, 1),)))
    False
    """
    title, text, spans = entry
    return hashlib.blake2b(f"{title}\0{text}\0{spans!r}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


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
               pages: dict[str, tuple] | None = None, cache: Path | None = None,
               digests: dict[str, str] | None = None) -> dict[str, int]:
    """Index the built site in ``site_dir`` into ``site_dir/search``; returns counts. ``cache``:
    see ``write_index``.

    ``order``: the essays' URLs and chapters in catalogue order (default: ``catalogue_order``);
    ``pages``: each indexed page's ``page_entry`` by URL, as the build saw them (default: read
    from ``site_dir``), or ``Kept`` for a page the index holds as it was; ``digests``: the
    catalogue's digests of the essays' pages by path, so that the folding table reads only the
    pages that changed."""
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
    state = _State.load(cache) if cache else None
    pages = _kept_entries(pages, state, site_dir)
    order = catalogue_order(config) if order is None else order
    rank = {url: i for i, (url, _) in enumerate(order)}
    chapters = dict(order)
    urls = sorted(pages, key=lambda url: (rank.get(url, len(rank)), url))
    schemes = sorted({spec["opencc"] for spec in (config.get("editions") or {}).values() if spec.get("opencc")})
    indexed = [Page(url, *pages[url], chapter=chapters.get(url, "")) for url in urls]
    # The same characters in every edition (the Simplified pages' and this site's), so that every
    # edition folds a query the same way.
    digests = digests or {}
    sources = {path: digests.get(path) for path in files_below(Path(config["root"]) / "docs", skip=lambda name: name.startswith("."))
               if path.endswith(".md")}
    cmap = folding(indexed, sources, schemes or ["s2t"], cache and cache.with_suffix(".chars"))
    stats = write_index(site_dir / FOLDER, indexed, cmap, ranking(config), cache, slot_numbers([p.url for p in indexed]), state)
    for name in STALE:
        shutil.rmtree(site_dir / name, ignore_errors=True)
    global last_seconds
    last_seconds = time.perf_counter() - started
    log.info("handbook: indexed %d pages of %s for search (%d keys, %d shards) in %.1f s", stats["pages"],
             edition, stats["keys"], stats["shards"], last_seconds)
    return stats


def slot_numbers(urls: list[str], load: float = SLOT_LOAD) -> tuple[list[int], int]:
    """Each essay's number in the index, given the essays' URLs, and the count of numbers: the
    slots of a hash table (open addressing) of the smallest power of two that is at most ``load``
    full. Each URL takes the slot its digest points at, or the next free one after it, the URLs
    taken in the order of those slots (then of the URLs), so the numbers follow from the set of
    URLs alone. An essay added or removed anywhere in the catalogue then moves only the essays
    after it in its run of taken slots, a few, so the index is updated in place; only a table
    that grows or shrinks to another power of two numbers every essay anew.

    >>> slot_numbers(["essays/甲/", "essays/乙/", "essays/丙/"])
    ([3, 1, 2], 4)
    """
    slots = 1
    while slots * load < len(urls):
        slots *= 2
    home = {url: int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") % slots
            for url in urls}
    taken, number = bytearray(slots), {}
    for url in sorted(urls, key=lambda url: (home[url], url)):
        slot = home[url]
        while taken[slot]:
            slot = (slot + 1) % slots
        taken[slot], number[url] = 1, slot
    return [number[url] for url in urls], slots if urls else 0


def folding(pages: list[Page], sources: dict[str, str | None], schemes: list[str], cache: Path | None = None) -> dict[str, str]:
    """The folding table (``charmap``) of the Han characters of ``pages`` and of the ``sources``'
    texts (files by path, each with a digest of its text when the caller knows one). With
    ``cache``, a file the caller owns, only the pages and sources that changed since the last call
    are read for their characters (each character counted by the texts holding it), and the table
    is made again only when the set of characters changed."""
    record = _load_pickle(cache) if cache else None
    if not (isinstance(record, dict) and record.get("version") == STATE_VERSION):
        record = {"version": STATE_VERSION, "texts": {}, "counts": Counter(), "han": None, "schemes": None, "cmap": None}
    texts, counts, seen = record["texts"], record["counts"], set()

    def count(name: str, digest: str | bytes, read: Callable[[], str]) -> None:
        seen.add(name)
        known = texts.get(name)
        if known is not None and known[0] == digest:
            return
        if known is not None:
            counts.subtract(known[1])
        chars = "".join(set(read()))
        counts.update(chars)
        texts[name] = (digest, chars)

    def digest(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    for page in pages:
        count(f"page {page.url}", digest(page.text), lambda text=page.text: text)
    for path, known in sources.items():
        if known:  # read only when changed
            count(f"file {path}", known, lambda path=path: Path(path).read_text(encoding="utf-8"))
        else:
            text = Path(path).read_text(encoding="utf-8")
            count(f"file {path}", digest(text), lambda text=text: text)
    for name in [name for name in texts if name not in seen]:
        counts.subtract(texts.pop(name)[1])
    han = sorted(c for c, n in counts.items() if n > 0 and HAN_RUN.match(c))
    if record["han"] != han or record["schemes"] != schemes:
        record.update(han=han, schemes=schemes, cmap=charmap(han, schemes))
    if cache:
        record["counts"] = Counter({c: n for c, n in counts.items() if n > 0})
        after_answer(lambda: write_atomic(cache, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)))
    return record["cmap"]


def _kept_entries(pages: dict[str, tuple], state: _State | None, site_dir: Path) -> dict[str, tuple]:
    """``pages`` with each ``Kept`` entry replaced by the entry the index's ``state`` holds for its
    URL, when that is the one kept (its digest); else (the state lost, or written by a build the
    page record did not follow) read from the built page. A kept page's text is so read once
    a build, from the index's state, rather than kept twice."""
    if not any(isinstance(entry, Kept) for entry in pages.values()):
        return pages
    held = {page.url: page for page in state.pages.values()} if state is not None else {}
    resolved = {}
    for url, entry in pages.items():
        if isinstance(entry, Kept):
            page = held.get(url)
            if page is not None and entry_digest(page[1:4]) == entry.digest:
                entry = page[1:4]
            else:
                built = site_dir / (url + "index.html" if url == "" or url.endswith("/") else url)
                entry = page_entry(built.read_text(encoding="utf-8")) if built.is_file() else None
        if entry is not None:
            resolved[url] = entry
    return resolved


def _load_pickle(path: Path):
    """What ``path`` holds, or None when it is missing or damaged (then made again)."""
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - any damage: the work is done again
        log.warning("handbook: %s is damaged (%s); made again", path, error)
        return None


def ranking(config: dict[str, Any]) -> dict[str, float]:
    """The ranking's parameters (handbook.yml's ``search``), as search.js reads them from meta.json."""
    from ..config import Search

    return Search().model_dump() | dict(config.get("search") or {})


def write_index(folder: Path, pages: list[Page], cmap: dict[str, str], rank: dict[str, float] | None = None,
                cache: Path | None = None, numbering: tuple[list[int], int] | None = None,
                state: Any = ...) -> dict[str, int]:
    """Write the index of ``pages`` (in the order results that rank the same are listed) into
    ``folder``, page ``n`` as essay number ``numbering[0][n]`` of ``numbering[1]`` (default:
    numbered one after the other).

    With ``cache`` (a file the caller owns), the index the previous call wrote there is updated
    rather than written again when that can be done exactly (``_update``): the same count of
    numbers, the same folding of the pages' characters, ``folder`` as that call left it. Either
    way the files are the same bytes. ``state``: what ``cache`` holds (``_State.load``), when the
    caller loaded it, None included (a state lost is loaded, and reported, once)."""
    numbers, slots = numbering or (list(range(len(pages))), len(pages))
    if state is ...:
        state = _State.load(cache) if cache else None
    stats = _update(folder, state, pages, numbers, slots, cmap) if state is not None else None
    if stats is None:
        stats = _write_all(folder, pages, numbers, slots, cmap)
    # Files are replaced, never written into: published versions of the site share them.
    write_atomic(folder / LENGTHS_NAME, length_ratios(stats["lengths"]))
    places = [EMPTY] * slots
    for place, number in enumerate(numbers):
        places[number] = place
    write_atomic(folder / ORDER_NAME, struct.pack(f"<{slots}I", *places))
    write_atomic(folder / META_NAME, json.dumps(
        {"version": 4, "pages": len(pages), "slots": slots, "shards": stats["shards"], "charmap": cmap,
         "ranking": rank or ranking({})}, ensure_ascii=False, separators=(",", ":")))
    if cache:
        state = _State(cmap, stats["chars"], stats["shards"], stats["total"], stats["keys"], dict(zip(numbers, pages)),
                       slots, stats["lengths"], _listing(folder))
        after_answer(lambda: state.save(cache))
    return {"pages": len(pages), "keys": stats["keys"], "shards": stats["shards"], "charmap": len(cmap),
            "position_files": len(os.listdir(folder / "x"))}


def _fold_table(pages: list[Page], cmap: dict[str, str]) -> tuple[dict[int, str], str]:
    """``str.translate``'s table folding every character of ``pages``, and every character that
    breaks terms into a space; and those characters."""
    chars: set[str] = set()
    for page in pages:
        chars.update(page.text)
    table = {}
    for c in chars:
        n = fold(c, cmap)
        n = " " if breaks(n) else n
        if n != c:
            table[ord(c)] = n
    return table, "".join(sorted(chars))


class _State(NamedTuple):
    """What ``write_index`` leaves in its cache: enough to update the index in place."""

    cmap: dict[str, str]
    chars: str                  # every character of the pages (and maybe more: of pages since changed)
    shards: int
    total: int                  # the index's size as the shard count is chosen from it
    keys: int
    pages: dict[int, Page]      # by number
    slots: int                  # the count of numbers
    lengths: list[int | None]   # each number's page's count of term characters
    listing: str                # the index folder's files, names, sizes and times

    @classmethod
    def load(cls, path: Path) -> _State | None:
        found = _load_pickle(path)
        try:
            version, fields = found
            return cls(*fields) if version == STATE_VERSION else None
        except (TypeError, ValueError):
            return None

    def save(self, path: Path) -> None:
        write_atomic(path, pickle.dumps((STATE_VERSION, tuple(self)), protocol=pickle.HIGHEST_PROTOCOL))


def _listing(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in files_below(folder):
        stat = os.stat(path)
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _write_all(folder: Path, pages: list[Page], numbers: list[int], slots: int, cmap: dict[str, str]) -> dict[str, Any]:
    """Write every shard and page file of the index of ``pages`` (numbered ``numbers``) into ``folder``."""
    table, chars = _fold_table(pages, cmap)
    texts = [page.text.translate(table) for page in pages]
    docs: dict[str, array] = defaultdict(lambda: array("i"))
    weights: dict[str, bytearray] = defaultdict(bytearray)
    where: dict[str, bytearray] = defaultdict(bytearray)
    for number, page, text in sorted(zip(numbers, pages, texts), key=operator.itemgetter(0)):  # lists in number order
        for key, weight, positions in _postings(text, page.spans):
            docs[key].append(number)
            weights[key] += weight
            if positions is not None:
                where[key] += positions
    bitmap_size = (slots + 7) // 8
    entries = {key: (*_encode(ids, weights[key], bitmap_size), len(ids), where.get(key)) for key, ids in docs.items()}
    total = sum(_size(key, entry) for key, entry in entries.items())
    shards = _shard_count(total)
    buckets: list[dict[str, tuple]] = [{} for _ in range(shards)]
    for key, entry in entries.items():
        buckets[shard_of(key, shards)][key] = entry
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("k", "x", "p"):
        (folder / sub).mkdir(parents=True)
    for number, bucket in enumerate(buckets):
        _write_shard(folder, number, shards, bucket)
    lengths: list[int | None] = [None] * slots
    for number, page, text in zip(numbers, pages, texts):
        _write_page(folder, number, page)
        lengths[number] = _length(text)
    return {"shards": shards, "total": total, "keys": len(entries), "chars": chars, "lengths": lengths}


def _length(folded: str) -> int:
    return len(folded) - folded.count(" ")


def _size(key: str, entry: tuple) -> int:
    """What a key costs in the index, as the shard count is chosen from it."""
    return len(entry[1]) + len(key.encode()) + 24


def _shard_count(total: int) -> int:
    shards = 16
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    return shards


def _write_page(folder: Path, number: int, page: Page) -> None:
    write_atomic(folder / "p" / f"{number}.json", json.dumps({"u": page.url, "t": page.title, "c": page.chapter, "x": page.text},
                                                              ensure_ascii=False, separators=(",", ":")))


def _write_shard(folder: Path, number: int, shards: int, entries: dict[str, tuple]) -> None:
    """Shard ``number``'s file of keys and the files of their pairs' positions; each entry is
    (kind, encoded list, count, positions or None).

    A shard's positions are its own files, ``x/<number + j·shards>.bin``: a list longer than
    ``POSITIONS_TARGET`` alone, the others packed in key order into files of about that size. So
    an essay edited rewrites only the shards of the keys it holds."""
    header, blobs, offset = {}, [], 0
    files: list[bytearray] = []
    chunk: bytearray | None = None
    for key in sorted(entries):
        kind, blob, count, positions = entries[key]
        where: tuple = ()
        if positions is not None:
            if len(positions) > POSITIONS_TARGET or chunk is None or len(chunk) + len(positions) > POSITIONS_TARGET:
                files.append(bytearray())
                chunk = files[-1] if len(positions) <= POSITIONS_TARGET else None
            target = files[-1]
            where = (number + (len(files) - 1) * shards, len(target), len(positions))
            target += positions
        header[key] = [kind, count, offset, len(blob), *where]
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    write_atomic(folder / "k" / f"{number}.bin", struct.pack("<I", len(head)) + head + b"".join(blobs))
    for j, data in enumerate(files):
        write_atomic(folder / "x" / f"{number + j * shards}.bin", bytes(data))
    j = len(files)
    while (folder / "x" / f"{number + j * shards}.bin").exists():  # left from a larger shard
        (folder / "x" / f"{number + j * shards}.bin").unlink()
        j += 1


def _read_shard(folder: Path, number: int) -> dict[str, tuple]:
    """Shard ``number``'s entries as ``_write_shard`` takes them, read back from its files."""
    raw = (folder / "k" / f"{number}.bin").read_bytes()
    size = struct.unpack_from("<I", raw)[0]
    header = json.loads(raw[4:4 + size])
    data = memoryview(raw)[4 + size:]
    files: dict[int, bytes] = {}
    entries = {}
    for key, (kind, count, offset, length, *where) in header.items():
        positions = None
        if where:
            file, at, n = where
            if file not in files:
                files[file] = (folder / "x" / f"{file}.bin").read_bytes()
            positions = bytearray(files[file][at:at + n])
        entries[key] = (kind, bytes(data[offset:offset + length]), count, positions)
    return entries


def _update(folder: Path, state: _State, pages: list[Page], numbers: list[int], slots: int,
            cmap: dict[str, str]) -> dict[str, Any] | None:
    """Update the index ``state`` describes to ``pages``, in place: only the shards holding keys
    of the pages that changed, came, went or moved to another number, and those pages' files,
    are written. None (and nothing written) when it cannot be done exactly: another count of
    numbers, a character of the pages kept folded otherwise (the folding table follows the
    characters of the handbook), another shard count, or the folder not as left; or when most
    numbers changed, which writing anew does faster."""
    now = dict(zip(numbers, pages))
    if slots != state.slots:
        return None
    if not (folder / "k").is_dir() or _listing(folder) != state.listing:
        return None
    changed = sorted(n for n in state.pages.keys() | now.keys() if state.pages.get(n) != now.get(n))
    if len(changed) > len(now) // 2:
        return None
    if state.cmap != cmap:
        # The pages kept keep their keys only if none holds a character now folded otherwise:
        # usually the few that came or went with the changed pages.
        refolded = [c for c in state.chars if fold(c, state.cmap) != fold(c, cmap)]
        if len(refolded) > REFOLDED_CHECKED:
            return None
        touched = set(changed)
        kept = [page.text for n, page in now.items() if n not in touched]
        if any(c in text for c in refolded for text in kept):
            return None
    changes: dict[str, dict[int, tuple | None]] = defaultdict(dict)
    lengths, chars = list(state.lengths), set(state.chars)
    for n in changed:
        before = {key: (weight, positions) for key, weight, positions in _postings_of(state.pages.get(n), state.cmap)}
        after: dict[str, tuple] = {}
        lengths[n] = None
        if n in now:
            table, page_chars = _fold_table([now[n]], cmap)
            folded = now[n].text.translate(table)
            lengths[n], chars = _length(folded), chars | set(page_chars)
            after = {key: (weight, positions) for key, weight, positions in _postings(folded, now[n].spans)}
        for key in before.keys() | after.keys():
            if before.get(key) != after.get(key):
                changes[key][n] = after.get(key)
    by_shard: dict[int, list[str]] = defaultdict(list)
    for key in changes:
        by_shard[shard_of(key, state.shards)].append(key)
    bitmap_size = (slots + 7) // 8
    total, keys, patched = state.total, state.keys, {}
    for number, shard_keys in by_shard.items():
        entries = _read_shard(folder, number)
        for key in shard_keys:
            old = entries.pop(key, None)
            new = _patched(old, changes[key], bitmap_size)
            total += (_size(key, new) if new else 0) - (_size(key, old) if old else 0)
            keys += (new is not None) - (old is not None)
            if new is not None:
                entries[key] = new
        patched[number] = entries
    if _shard_count(total) != state.shards:
        return None
    for number, entries in patched.items():
        _write_shard(folder, number, state.shards, entries)
    for n in changed:
        if n in now:
            _write_page(folder, n, now[n])
        else:
            (folder / "p" / f"{n}.json").unlink(missing_ok=True)
    return {"shards": state.shards, "total": total, "keys": keys, "chars": "".join(sorted(chars)), "lengths": lengths}


def _postings_of(page: Page | None, cmap: dict[str, str]):
    return _postings(page.text.translate(_fold_table([page], cmap)[0]), page.spans) if page else ()


def _patched(entry: tuple | None, changes: dict[int, tuple | None], bitmap_size: int) -> tuple | None:
    """A key's entry with the essays in ``changes`` given their new (weight, positions), or left
    out (None); None when no essay holds the key any more.

    The lists are spliced, not decoded: the weights (and a list's essay numbers) are split into
    varints by one regular expression, a bitmap's bits are set and cleared in place (an essay's
    place in the list is the count of bits before its own), and the positions are walked only up
    to the last essay changed, so a key every essay holds costs little more than one few do."""
    kind, blob, _, positions = entry or (0, b"", 0, None)
    if kind == 1:
        bits = was = int.from_bytes(blob[:bitmap_size], "little")
        ids, weights = None, VARINT.findall(blob, bitmap_size)
    else:
        codes = VARINT.findall(blob)
        bits = was = None
        ids, weights = list(itertools.accumulate(map(_value, codes[0::2]), initial=-1))[1:], codes[1::2]
    placed = positions is not None or any(p is not None and p[1] is not None for p in changes.values())
    new_ids: list[int] = []
    new_weights: list[bytes] = []
    pieces: list[bytes] = []
    done = at = 0  # the old list's essays and positions' bytes already taken
    for n in sorted(changes):
        if ids is None:
            k, present = (was & ((1 << n) - 1)).bit_count(), bool(was >> n & 1)
        else:
            k = bisect.bisect_left(ids, n, done)
            present = k < len(ids) and ids[k] == n
            new_ids += ids[done:k]
        new_weights += weights[done:k]
        if positions is not None:
            before = _skipped(positions, at, k - done)
            pieces.append(positions[at:before])
            at = _skipped(positions, before, present)
        done = k + present
        posting = changes[n]
        if bits is not None:
            bits = bits | 1 << n if posting is not None else bits & ~(1 << n)
        if posting is not None:
            new_ids.append(n)
            new_weights.append(posting[0])
            pieces.append(posting[1] or b"")
    new_weights += weights[done:]
    if positions is not None:
        pieces.append(positions[at:])
    if not new_weights:
        return None
    joined = b"".join(new_weights)
    if bits is not None and len(new_weights) >= bitmap_size:
        kind, blob = 1, bits.to_bytes(bitmap_size, "little") + joined
    else:
        numbers = new_ids + ids[done:] if ids is not None else _bitmap_ids(bits.to_bytes(bitmap_size, "little"))
        kind, blob = _encode(array("i", numbers), joined, bitmap_size)
    return kind, blob, len(new_weights), bytearray(b"".join(pieces)) if placed else None


VARINT = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")
_BITS = [tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256)]


def _bitmap_ids(bitmap: bytes) -> list[int]:
    """The numbers whose bits are set, the first byte's lowest bit standing for 0.

    >>> _bitmap_ids(bytes([0b1001, 0b10]))
    [0, 3, 9]
    """
    return [at * 8 + bit for at, byte in enumerate(bitmap) if byte for bit in _BITS[byte]]


def _skipped(positions: bytes, at: int, count: int) -> int:
    """The offset in a key's positions after ``count`` essays' entries from offset ``at``."""
    for _ in range(count):
        length = positions[at]
        if length < 0x80:
            at += 1 + length
        else:
            length, at = _read_varint(positions, at)
            at += length
    return at


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


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
_VALUES = {code: value for value, code in enumerate(_VARINTS)}


def _varint(value: int) -> bytes:
    return _VARINTS[value] if value < 1 << 14 else _leb128(value)


def _value(code: bytes) -> int:
    """The value of one encoded varint."""
    found = _VALUES.get(code)
    return found if found is not None else _read_varint(code, 0)[0]


def length_ratios(lengths: list[int | None]) -> bytes:
    """Each page's length (its term characters) against the average, one byte a number: ``q``
    stands for ``2 ** ((q - 128) / 16)``, so a page as long as the average is 128; 0 for a number
    no page has.

    >>> list(length_ratios([100, 100, None, 400]))
    [112, 112, 0, 144]
    """
    known = [n for n in lengths if n is not None]
    average = sum(known) / len(known) if known else 1
    return bytes(0 if n is None else max(0, min(255, round(128 + 16 * math.log2(max(1, n) / max(1, average)))))
                 for n in lengths)


def _encode(ids: array, weights: bytes, bitmap_size: int) -> tuple[int, bytes]:
    """(0, varint deltas from -1, each followed by its weight) or (1, a bitmap followed by the
    weights), whichever is smaller.

    >>> _encode(array("i", [3, 9]), b"\\x05\\x01", 4)
    (0, b'\\x04\\x05\\x06\\x01')
    """
    if len(ids) >= bitmap_size:
        bits = bytearray(bitmap_size)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        return 1, bytes(bits) + bytes(weights)
    deltas = map(_varint, map(operator.sub, ids, itertools.chain((-1,), ids)))
    return 0, b"".join(itertools.chain.from_iterable(zip(deltas, VARINT.findall(weights))))


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
