"""The search index updated in place (``write_index`` with a cache) is, file for file, the index
written from scratch, whatever changed; and the update writes only what the change touches."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from handbook.site import search
from projects import ROOT  # noqa: F401  (puts the repository on the path for bench.corpus)
from bench.corpus import SENTENCES


def essay(n: int, rng: random.Random) -> search.Page:
    title = f"窗口服务体会第{n}篇"
    heading = rng.choice(["一、强化保障措施", "二、规范服务流程", "三、加强队伍建设"])
    body = "".join(rng.choice(SENTENCES) for _ in range(rng.randint(4, 12)))
    text = f"{title} {heading} {body}"
    spans = ((0, len(title), search.TITLE), (len(title) + 1, len(title) + 1 + len(heading), search.HEADING))
    return search.Page(f"essays/{n}/", title, text, spans, rng.choice(["户籍窗口", "交警窗口", "综合"]))


@pytest.fixture
def pages() -> list[search.Page]:
    """120 essays in catalogue order: by chapter."""
    rng = random.Random(7)
    return sorted((essay(n, rng) for n in range(120)), key=lambda page: page.chapter)


def write(folder: Path, pages: list[search.Page], cache: Path | None = None) -> None:
    """The index as the site writes it: essays numbered by their URLs' slots (``slot_numbers``)."""
    search.write_index(folder, pages, cmap_of(pages), cache=cache, numbering=search.slot_numbers([page.url for page in pages]))


def at_chapter_end(pages: list[search.Page], page: search.Page) -> list[search.Page]:
    last = max(n for n, p in enumerate(pages) if p.chapter == page.chapter)
    return pages[:last + 1] + [page] + pages[last + 1:]


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cmap_of(pages: list[search.Page]) -> dict[str, str]:
    return search.charmap({c for page in pages for c in page.text if search.HAN_RUN.match(c)})


def edited(page: search.Page, text: str) -> search.Page:
    return page._replace(text=page.text + text)


def retitled(page: search.Page, title: str) -> search.Page:
    shift = len(title) - len(page.title)
    spans = ((0, len(title), search.TITLE),) + tuple((a + shift, b + shift, f) for a, b, f in page.spans[1:])
    return page._replace(title=title, text=title + page.text[len(page.title):], spans=spans)


CHANGES = {
    "one essay's body": lambda p: p[:50] + [edited(p[50], "群众满意是检验工作的标准。")] + p[51:],
    "two essays": lambda p: [edited(x, "夜间服务延时办理。") if n in (3, 90) else x for n, x in enumerate(p)],
    "a title": lambda p: p[:7] + [retitled(p[7], "一个新的标题")] + p[8:],
    "a chapter": lambda p: p[:9] + [p[9]._replace(chapter="另一章")] + p[10:],
    "an essay added": lambda p: p[:60] + [essay(1000, random.Random(1))] + p[60:],
    "an essay removed": lambda p: p[:30] + p[31:],
    "an essay added at a chapter's end": lambda p: at_chapter_end(p, essay(1001, random.Random(2))._replace(chapter=p[0].chapter)),
    "a chapter's last essay removed": lambda p: [x for n, x in enumerate(p) if n != max(
        i for i, y in enumerate(p) if y.chapter == p[0].chapter)],
    "a rare character": lambda p: p[:5] + [edited(p[5], "龘。")] + p[6:],
    "a key gone": lambda p: p[:11] + [p[11]._replace(text=p[11].text.replace("锦旗", "表扬"))] + p[12:],
    "nothing": lambda p: list(p),
}


@pytest.mark.parametrize("change", CHANGES)
def test_an_updated_index_is_the_index_written_anew(tmp_path, pages, change):
    cache = tmp_path / "index.cache"
    updated = tmp_path / "updated"
    write(updated, pages, cache)
    after = CHANGES[change](pages)
    write(updated, after, cache)
    write(tmp_path / "anew", after)
    assert files(updated) == files(tmp_path / "anew")


@pytest.mark.parametrize("change", ["one essay's body", "an essay added", "an essay removed",
                                    "an essay added at a chapter's end", "a chapter's last essay removed"])
def test_an_update_writes_only_what_changed(tmp_path, pages, change):
    """Files whose bytes stay are not written (their time stays); of the essays' files, only
    those of the numbers whose essay changed, came, went or moved (a few: an essay added or
    removed half-way through the catalogue moves only its neighbours in the hash table)."""
    cache, folder = tmp_path / "index.cache", tmp_path / "index"
    write(folder, pages, cache)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    changed = CHANGES[change](pages)
    write(folder, changed, cache)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    same = [p for p in before if after.get(p, (None,))[0] == before[p][0]]
    assert same and all(after[p][1] == before[p][1] for p in same)
    essays = {p.name for p in before.keys() ^ after.keys() | {p for p in before if p in after and p not in same}
              if p.parent.name == "p"}
    numbered = [dict(zip(search.slot_numbers([p.url for p in run])[0], run)) for run in (pages, changed)]
    assert essays == {f"{n}.json" for n in numbered[0].keys() | numbered[1].keys() if numbered[0].get(n) != numbered[1].get(n)}
    assert 1 <= len(essays) <= 3, essays


def test_a_character_that_goes_with_its_only_essay_leaves_the_other_essays_in_place(tmp_path, pages):
    """基準 is the only 準 (and there is no 准): the folding table folds 準 to 准 while the essay
    is there, not once it has gone. The other essays do not hold 準, so their keys stay, and the
    update is in place (the files it does not touch keep their times) and exact."""
    assert not any(c in page.text for page in pages for c in "准準")
    before = pages[:5] + [edited(pages[5], "工作有基準。")] + pages[6:]
    assert search.fold("準", cmap_of(before)) != search.fold("準", cmap_of(pages))
    cache, folder = tmp_path / "index.cache", tmp_path / "index"
    write(folder, before, cache)
    times = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    after = before[:5] + before[6:]
    write(folder, after, cache)
    write(tmp_path / "anew", after)
    assert files(folder) == files(tmp_path / "anew")
    kept = [p for p in times if p.is_file() and p.stat().st_mtime_ns == times[p]]
    assert len(kept) > len(times) / 2


@pytest.mark.parametrize("damage", ["garbled cache", "index file removed", "index file changed"])
def test_a_damaged_cache_or_index_is_written_anew(tmp_path, pages, damage):
    cache, folder = tmp_path / "index.cache", tmp_path / "index"
    write(folder, pages, cache)
    shard = sorted((folder / "k").iterdir())[3]
    if damage == "garbled cache":
        cache.write_bytes(b"\x80\x05garbled")
    elif damage == "index file removed":
        shard.unlink()
    else:
        shard.write_bytes(shard.read_bytes()[:-1] + b"\0")
        os.utime(shard, ns=(1, 1))
    after = CHANGES["one essay's body"](pages)
    write(folder, after, cache)
    write(tmp_path / "anew", after)
    assert files(folder) == files(tmp_path / "anew")


def _posting(draw_weight: int, places: list[int] | None) -> tuple[bytes, bytes | None]:
    if places is None:
        return search._varint(draw_weight), None
    blob = b"".join(search._varint(p) for p in places)
    return search._varint(draw_weight), search._varint(len(blob)) + blob


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_a_key_patched_in_place_is_the_key_encoded_anew(data) -> None:
    """``_patched`` splices a key's list (both encodings, with and without positions); the result
    is the list encoded from scratch with the changes applied."""
    from array import array


    slots = data.draw(st.sampled_from([8, 64, 300, 20_000]))
    bitmap = (slots + 7) // 8
    placed = data.draw(st.booleans())
    weights = st.sampled_from([0, 5, 300, 20_000])
    places = st.lists(st.sampled_from([1, 200, 17_000]), min_size=1, max_size=3) if placed else st.none()
    postings = st.builds(_posting, weights, places)
    number = st.integers(0, slots - 1)
    listed = data.draw(st.dictionaries(number, postings, max_size=min(slots, 300)))
    changes = data.draw(st.dictionaries(number, st.none() | postings, min_size=1, max_size=4))

    def encoded(entries: dict[int, tuple]) -> tuple | None:
        if not entries:
            return None
        ids = sorted(entries)
        kind, blob = search._encode(array("i", ids), b"".join(entries[n][0] for n in ids), bitmap)
        return kind, blob, len(ids), bytearray(b"".join(entries[n][1] for n in ids)) if placed else None

    expected = {**listed, **{n: p for n, p in changes.items() if p is not None}}
    for n, p in changes.items():
        if p is None:
            expected.pop(n, None)
    assert search._patched(encoded(listed), changes, bitmap) == encoded(expected)


def test_essay_numbers_follow_from_the_set_of_urls_alone():
    """Each URL its own number below the count of numbers, whatever the catalogue's order; one
    essay added half-way moves only a few others."""
    urls = [f"essays/第{n}篇/" for n in range(1000)]
    numbers, slots = search.slot_numbers(urls)
    assert slots == 2048 and len(set(numbers)) == 1000 and all(0 <= n < slots for n in numbers)
    shuffled = random.Random(3).sample(urls, len(urls))
    assert dict(zip(shuffled, search.slot_numbers(shuffled)[0])) == dict(zip(urls, numbers))
    added = urls[:500] + ["essays/新的一篇/"] + urls[500:]
    moved = [url for url, n in zip(added, search.slot_numbers(added)[0]) if url in urls and n != dict(zip(urls, numbers))[url]]
    assert len(moved) <= 3, moved
