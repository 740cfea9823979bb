"""Screenshots of the built site for the README: ``python -m handbook.site.screenshots [OUT]``.

Serves ``site/`` under /handbook/ on 127.0.0.1 and takes, with Debian's chromium, the home page,
an essay and a search (PNG, into ``screenshots/`` by default).
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from handbook import config as configuration

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def take(site: Path, out: Path, query: str = "人民", essay: str | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as www:
        (Path(www) / "handbook").symlink_to(site.resolve(), target_is_directory=True)
        handler = functools.partial(_Quiet, directory=www)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/handbook/"
        shots = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
                page.goto(base)
                shots.append(out / "site-home.png")
                page.screenshot(path=shots[-1])
                essay = essay or page.eval_on_selector(".hb-catalogue li > a", "a => a.href")
                page.goto(essay)
                shots.append(out / "site-essay.png")
                page.screenshot(path=shots[-1])
                page.goto(base)
                page.click("[data-hb-search-input]")
                page.fill("[data-hb-search-input]", query)
                page.wait_for_function("() => /找到|没有/.test(document.querySelector('[data-hb-search-meta]').textContent)")
                page.wait_for_timeout(300)
                shots.append(out / "site-search.png")
                page.screenshot(path=shots[-1])
                browser.close()
        finally:
            server.shutdown()
    return shots


if __name__ == "__main__":
    config = configuration.load()
    root = Path(config["root"])
    for shot in take(root / "site", Path(sys.argv[1]) if len(sys.argv) > 1 else root / "screenshots"):
        print(shot)
