"""A first search in Chromium: bytes transferred and latency.

The built site is served by a local HTTP server on 127.0.0.1 (uncompressed, like a plain intranet
server); Debian's chromium (headless, via Playwright, never a downloaded browser) opens the home
page in a fresh context (empty cache), then a query is typed into the search box. Everything the
browser fetched from the moment the box is focused until the result count is shown is counted
(the index's meta and folding table, the essays' lengths, the key shards, the pairs' positions
when the query needs them, the shown essays' texts), and the time from
typing to results (the search box's debounce included: that is what a reader waits), timed in the
page: from the input event reaching the search box to the result count showing (``performance.now``).
The same time seen from Python, which adds Playwright's round trips to the browser, is kept as
``driver_ms``. The page has finished loading first (network idle), and the driver waits on a
promise the page settles, not by polling it: Playwright's polling and its script injection run on
the page's main thread and would be timed with the search.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DONE = """() => { const m = document.querySelector('[data-hb-search-meta]');
                   return m && /找到|没有|沒有/.test(m.textContent); }"""
# In the page: when the reader's input reached the search box, and when the result count showed.
# ``__hb.shown`` settles then, so the driver waits on one promise instead of polling the page's
# main thread every frame (Playwright's polling runs on the thread it would be timing).
CLOCK = """window.__hb = {input: null, done: null, shown: null, settle: null};
document.addEventListener('input', (e) => {
  if (!e.target.matches('[data-hb-search-input]')) return;
  __hb.input = performance.now(); __hb.done = null;
  __hb.shown = new Promise((resolve) => { __hb.settle = resolve; });
}, true);
new MutationObserver(() => {
  if (__hb.input === null || __hb.done !== null) return;
  const m = document.querySelector('[data-hb-search-meta]');
  if (m && /找到|没有|沒有/.test(m.textContent)) { __hb.done = performance.now(); __hb.settle(); }
}).observe(document, {subtree: true, childList: true, characterData: true});"""
IN_PAGE = "() => __hb.done - __hb.input"
SHOWN = "() => __hb.shown"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def first_search(site: Path, queries: list[str]) -> list[dict]:
    """For each query, in a fresh browser context: bytes and requests of a first search, its latency,
    the number of results shown, and the latency of the same query typed again (warm)."""
    from playwright.sync_api import sync_playwright

    results = []
    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for query in queries:
                results.append(_one(browser, url, query))
        finally:
            browser.close()
    return results


def _one(browser, url: str, query: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(60000)
    page = context.new_page()
    page.add_init_script(CLOCK)
    finished: list = []
    page.goto(url)
    # A reader searches a page that has finished loading; evaluating once here also sets up
    # Playwright's own script in the page (~15 ms of main thread) before the timed window.
    page.wait_for_load_state("networkidle")
    page.evaluate("0")
    page.on("requestfinished", lambda request: finished.append(request))
    button = page.locator("label.md-header__button[for='__search']")
    if button.is_visible():
        button.click()
    page.click("[data-hb-search-input]")
    start = time.perf_counter()
    page.fill("[data-hb-search-input]", query)
    page.evaluate(SHOWN)
    latency = time.perf_counter() - start
    in_page = page.evaluate(IN_PAGE)
    meta = page.inner_text("[data-hb-search-meta]")
    shown = page.locator("[data-hb-search-list] li").count()
    page.wait_for_timeout(300)  # fragments still on the wire for the shown results
    transferred, body, kinds = 0, 0, {}
    for request in finished:
        sizes = request.sizes()
        transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        body += sizes["responseBodySize"]
        name = request.url.rsplit("/", 1)[-1]
        kind = ("page text" if "/search/p/" in request.url else "shard" if "/search/k/" in request.url
                else "positions" if "/search/x/" in request.url else name.split("?")[0])
        count, size = kinds.get(kind, (0, 0))
        kinds[kind] = (count + 1, size + sizes["responseBodySize"] + sizes["responseHeadersSize"])
    # the same query again, warm (shards and texts cached in the page)
    page.fill("[data-hb-search-input]", "")
    page.wait_for_function(f"() => !({DONE})()", polling="raf")
    start = time.perf_counter()
    page.fill("[data-hb-search-input]", query)
    page.evaluate(SHOWN)
    warm = time.perf_counter() - start
    warm_in_page = page.evaluate(IN_PAGE)
    context.close()
    return {"query": query, "bytes": transferred, "body_bytes": body, "requests": len(finished),
            "latency_ms": in_page, "warm_ms": warm_in_page, "driver_ms": latency * 1000, "driver_warm_ms": warm * 1000,
            "meta": meta, "shown": shown,
            "by_kind": {k: {"requests": c, "bytes": b} for k, (c, b) in sorted(kinds.items(), key=lambda kv: -kv[1][1])}}
