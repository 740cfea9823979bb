"""Search that ranks (issue 13), in Chromium on a site built from essays written for it: the essay
whose title or heading holds a word comes before essays that only mention it, a query of several
words found as typed comes before the same words scattered, ties keep the catalogue's order, the
count is the number of essays that hold the query (never the pairs' upper bound), the results are
reached with the keyboard, ``?q=`` opens a search, and an essay opened from a result marks the
passage shown and scrolls to it."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import QuietHandler, make_project
from handbook.site import search
from test_site_browser import run_search

FILLER = ["基层所队人少事多，只有靠制度管人、靠流程办事，才能忙而不乱。", "老民警带新民警，手把手传授经验，是我们的好传统。",
          "每一次办事经历，都会影响群众对公安机关的整体印象。", "要坚持问题导向，哪里群众意见多，就从哪里改起。"]


def essay(source: str, title: str, paragraphs: list[str], headings: dict[int, str] | None = None) -> tuple:
    """A sample essay in the default chapter (no chapter's words in it), ordered by ``source``."""
    body = [f"# {title}", ""]
    for n, text in enumerate(paragraphs):
        if headings and n in headings:
            body += [f"## {headings[n]}", ""]
        body += [text, ""]
    return {"title": title, "source": source, "summary": paragraphs[0][:40]}, "\n".join(body)


# In catalogue order (by source); the essay about each word comes late in it.
SAMPLES = {
    "基层所队工作的思考": essay("a01.txt", "基层所队工作的思考", [
        "电话回访是了解群众意见的好办法，我们坚持电话回访。" + FILLER[0],
        "每月电话回访一百人次，电话回访记录存档备查，电话回访结果通报全所。" + FILLER[1],
        "对老人可以预约。" + "".join(FILLER) + "民警也可以上门。",
        "文明用语要常挂嘴边，服务群众要真心实意。接访群众时要耐心，接访记录要完整，接访结束要回访。" + FILLER[2]]),
    "窗口建设的若干问题": essay("a02.txt", "窗口建设的若干问题", [
        "电话回访要及时。" + FILLER[3], "窗口民警坚持文明服务，群众满意度逐年提高。" + FILLER[1],
        "电话回访中发现的问题，逐条整改。接访工作有制度。" + FILLER[2]]),
    "电话回访工作的做法": essay("a03.txt", "电话回访工作的做法", [
        "我们所把回访作为常规工作来抓。" + FILLER[0], "电话回访由专人负责。" + FILLER[3]]),
    "基层服务随笔": essay("a04.txt", "基层服务随笔", [
        FILLER[0] + FILLER[1], "我们为行动不便的老人推行预约上门，受到欢迎。" + FILLER[2]]),
    "所队建设的几点体会": essay("a05.txt", "所队建设的几点体会", [
        FILLER[0], "群众来访，所领导亲自接待。" + FILLER[1], "所领导每周两天接访，群众反映的问题当场交办。" + FILLER[3]],
        headings={1: "一、来访接待", 2: "二、领导接访"}),
    # the same words, title lengths and mentions: they rank the same; 甲 comes after 乙 by code
    # point, and 甲组心得's number in the index after 乙组心得's (``search.slot_numbers``)
    "甲组心得": essay("a06.txt", "甲组心得", ["同分词语出现一次。" + FILLER[0]]),
    "乙组心得": essay("a07.txt", "乙组心得", ["同分词语出现一次。" + FILLER[0]]),
    # a title holding one word of the query, and its body the query as typed, again and again
    "夜间工作札记": essay("a08.txt", "夜间工作札记", ["夜间服务很辛苦。" + FILLER[0], "夜间服务要坚持。夜间服务有成效。" + FILLER[1]]),
    "关于夜间服务的思考": essay("a09.txt", "关于夜间服务的思考", ["我们开展了夜间服务。" + FILLER[2] + FILLER[3]]),
}


@pytest.fixture(scope="module")
def ranked_url(tmp_path_factory):
    from handbook import site

    root = tmp_path_factory.mktemp("ranked")
    config = make_project(root, SAMPLES, seeds=False)
    site.build(config, "zh-Hans")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def titles(results: list[dict]) -> list[str]:
    return [r["title"] for r in results]


def count(page) -> str:
    return page.inner_text("[data-hb-search-meta]")


def texts_holding(word: str) -> set[str]:
    return {title for title, (_, body) in SAMPLES.items() if word in body}


def searched(page, url: str, query: str) -> list[dict]:
    page.goto(url)
    page.click("[data-hb-search-input]")
    return run_search(page, query)


def test_an_essay_titled_with_the_word_comes_before_essays_that_mention_it_more(page, ranked_url):
    results = searched(page, ranked_url, "电话回访")
    assert titles(results)[0] == "电话回访工作的做法"
    # the others by how much their bodies hold it: four mentions above two
    assert titles(results)[1:] == ["基层所队工作的思考", "窗口建设的若干问题"]
    assert set(titles(results)) == texts_holding("电话回访")
    assert count(page) == "找到 3 篇文章"
    assert all(r["chapter"] == "综合" for r in results)


def test_an_essay_with_the_word_in_a_heading_comes_before_essays_with_it_in_the_body(page, ranked_url):
    results = searched(page, ranked_url, "接访")
    assert titles(results)[0] == "所队建设的几点体会"
    assert set(titles(results)) == texts_holding("接访") and count(page) == f"找到 {len(texts_holding('接访'))} 篇文章"


def test_words_found_as_typed_come_before_the_same_words_scattered(page, ranked_url):
    results = searched(page, ranked_url, "预约 上门")
    # 基层所队工作的思考 holds both, far apart, and comes first in the catalogue
    assert titles(results) == ["基层服务随笔", "基层所队工作的思考"]
    assert results[0]["marks"] == ["预约", "上门"]
    assert count(page) == "找到 2 篇文章"


def test_a_title_holding_the_words_as_typed_comes_before_a_title_holding_one_of_them(page, ranked_url):
    results = searched(page, ranked_url, "夜间 服务")
    assert titles(results)[:2] == ["关于夜间服务的思考", "夜间工作札记"]


def test_the_count_is_of_essays_holding_the_word_not_of_essays_holding_its_pairs(page, ranked_url):
    # 基层所队工作的思考 holds 文明 and 服务 but not 文明服务; three-character words likewise
    assert searched(page, ranked_url, "文明服务") and count(page) == "找到 1 篇文章"
    assert titles(run_search(page, "文明服务")) == ["窗口建设的若干问题"]
    for word in ("回访结", "所领导", "访群众"):
        expected = texts_holding(word)
        assert set(titles(run_search(page, word))) == expected, word
        assert count(page) == (f"找到 {len(expected)} 篇文章" if expected else f"没有找到包含“{word}”的文章"), word
    # 电话 and 工作 are in one title (电话回访工作的做法), 电话工作 nowhere
    assert run_search(page, "电话工作") == [] and "没有找到" in count(page)


def test_essays_that_rank_the_same_keep_the_catalogue_order(page, ranked_url):
    numbers = search.slot_numbers([f"essays/{title}/" for title in SAMPLES])[0]
    assert numbers[list(SAMPLES).index("甲组心得")] > numbers[list(SAMPLES).index("乙组心得")]
    assert titles(searched(page, ranked_url, "同分词语")) == ["甲组心得", "乙组心得"]


def test_arrow_keys_move_through_the_results_and_enter_opens_one(page, ranked_url):
    results = searched(page, ranked_url, "电话回访")
    focused = "() => document.activeElement.closest('li') ? document.activeElement.querySelector('h1').textContent : document.activeElement.tagName"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == results[0]["title"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # past the last: stays on it
    assert page.evaluate(focused) == results[2]["title"]
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == results[1]["title"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert unquote(urlsplit(page.url).path).endswith(f"/essays/{results[1]['title']}/")
    # from the box: up leaves the focus there, Enter opens the first result, Escape closes
    results = searched(page, ranked_url, "电话回访")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == "INPUT"
    page.keyboard.press("Escape")
    assert not page.is_checked("#__search")
    page.click("[data-hb-search-input]")
    assert page.is_checked("#__search")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert unquote(urlsplit(page.url).path).endswith(f"/essays/{results[0]['title']}/")


def test_q_in_the_address_opens_the_search_with_that_query(page, ranked_url):
    page.goto(ranked_url + "essays/基层服务随笔/?q=" + "电话回访")
    page.wait_for_function("() => /找到/.test(document.querySelector('[data-hb-search-meta]').textContent)")
    assert page.is_checked("#__search")
    assert page.input_value("[data-hb-search-input]") == "电话回访"
    assert count(page) == "找到 3 篇文章"
    assert page.eval_on_selector("[data-hb-search-list] li h1", "h => h.textContent") == "电话回访工作的做法"


def test_an_essay_opened_from_a_result_marks_the_passage_shown_and_scrolls_to_it(page, ranked_url):
    page.set_viewport_size({"width": 1280, "height": 500})
    results = searched(page, ranked_url, "上门")
    passage = results[0]["text"]
    with page.expect_navigation():
        page.click("[data-hb-search-list] li a")
    page.wait_for_selector("mark.hb-hit--current")
    current = page.eval_on_selector("mark.hb-hit--current", """m => ({text: m.textContent,
        around: m.parentElement.textContent, top: m.getBoundingClientRect().top, height: innerHeight})""")
    assert current["text"] == "上门"
    assert 0 < current["top"] < current["height"]  # scrolled into view
    # the marked word stands in the passage the result showed
    at = current["around"].index("上门")
    assert current["around"][max(0, at - 8):at + 8] in passage
    assert page.recorder.errors == []


def test_positions_only_for_placing_words_are_skipped_above_near_max_kb(page, ranked_url):
    """With near_max_kb at 0 the two words are not placed (no positions fetched); they are still
    both required and counted, and the pair joining them (约上) tells the essay holding them as typed."""
    def fetched_positions(query: str, budget: int | None) -> tuple[bool, list[str], str]:
        context = page.context
        if budget is not None:
            def patch(route):
                response = route.fetch()
                meta = response.json()
                meta["ranking"]["near_max_kb"] = budget
                route.fulfill(response=response, json=meta)
            context.route("**/search/meta.json", patch)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        results = searched(page, ranked_url, query)
        context.unroute("**/search/meta.json")
        return any("/search/x/" in u for u in requests), titles(results), count(page)

    placed, found, counted = fetched_positions("预约 上门", None)
    assert placed and found == ["基层服务随笔", "基层所队工作的思考"]
    placed, found, counted = fetched_positions("预约 上门", 0)
    assert not placed and found == ["基层服务随笔", "基层所队工作的思考"] and counted == "找到 2 篇文章"
    # a word of three or more characters is found by its positions whatever the budget
    placed, found, counted = fetched_positions("电话回访", 0)
    assert placed and counted == "找到 3 篇文章"


def test_above_positions_max_kb_a_longer_word_is_checked_against_the_texts_shown(page, ranked_url):
    """With positions_max_kb at 0 no positions are fetched: the essays holding the word's pairs are
    checked against their texts, so what is shown, and counted once all are checked, is exact."""
    def patch(route):
        response = route.fetch()
        meta = response.json()
        meta["ranking"]["positions_max_kb"] = 0
        route.fulfill(response=response, json=meta)

    page.context.route("**/search/meta.json", patch)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    results = searched(page, ranked_url, "电话回访")
    assert titles(results)[0] == "电话回访工作的做法" and set(titles(results)) == texts_holding("电话回访")
    assert count(page) == "找到 3 篇文章"
    assert run_search(page, "电话工作") == [] and "没有找到" in count(page)  # its pairs are in a title, it is not
    assert not any("/search/x/" in u for u in requests)
