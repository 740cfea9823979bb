"""Shared fixtures for the site's browser tests: a handbook site built once per session from
sample essays (and the real seeds, cleaned), served under a sub-path by a local HTTP server, and
one headless Debian chromium driven by Playwright.

Import the fixtures into a test module with ``from browser import *``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SUB_PATH = "/handbook/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]

# Sample essays, written for these tests. Each: file stem, front matter, body (already escaped
# the way the cleaner escapes scraped text).
SAMPLES = {
    "户籍窗口便民服务的几点体会": (
        {"title": "户籍窗口便民服务的几点体会", "date": "2015-03-12", "source": "901_sample_a.txt",
         "summary": "户籍窗口是公安机关联系群众的桥梁，中华人民共和国公民办理户口业务都要经过这里。"},
        """# 户籍窗口便民服务的几点体会

户籍窗口是公安机关联系群众的桥梁，中华人民共和国公民办理户口业务都要经过这里。

## 一、转变观念，主动服务

民警要把群众当亲人，耐心解答每一个问题。本手册收录的做法可供参考。

### （一）推行预约办理

对行动不便的老人，窗口提供上门服务，节假日也安排值班。

## 二、规范流程，提高效率

简化证明材料，做到一次办结。窗口公开办事指南，群众少跑腿。

""" + "\n\n".join(f"第{n}条经验：窗口民警坚持每日复盘，把群众反映的意见记录在册，逐条整改落实。" for n in range(1, 25)) + """

## 三、加强学习，提升素质

定期组织业务培训，熟悉最新的户口迁移政策。
"""),
    "交通管理窗口的规范化建设": (
        {"title": "交通管理窗口的规范化建设", "source": "902_sample_b.txt",
         "summary": "车管所窗口每天接待大量驾驶人，服务质量直接影响群众满意度。"},
        """# 交通管理窗口的规范化建设

车管所窗口每天接待大量驾驶人，服务质量直接影响群众满意度。

## 一、统一着装与用语

窗口民警应当使用文明用语，人民群众的评价是检验工作的标准。

## 二、推行网上预约

驾驶证换领可以在网上预约，减少排队等候。
"""),
    "字样测试": (
        {"title": "<script>alert(1)</script>字样测试", "date": "2016-01-05", "source": "903_sample_c.txt",
         "summary": "文中含有 <img src=x onerror=alert(1)> 字样。"},
        """# &lt;script&gt;alert(1)&lt;/script&gt;字样测试

正文写着 &lt;script&gt;alert(1)&lt;/script&gt; 这样的字样，应当原样显示。

另有 &lt;img src=x onerror=alert(1)&gt; 一段，以及 \\[x\\]\\(javascript:alert(1)\\) 链接文字。
"""),
}
ABSENT_WORDS = ["火星", "量子计算", "中国足球"]


def write_essay(folder: Path, stem: str, meta: dict, body: str) -> Path:
    meta = {**meta, "original_script": "zh-Hans", "generator": "handbook"}
    path = folder / f"{stem}.md"
    path.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body,
                    encoding="utf-8")
    return path


def make_project(root: Path, samples: dict = SAMPLES, seeds: bool = True) -> dict:
    """A handbook project in ``root``: handbook.yml and docs/index.md from the repo, the sample
    essays, and (``seeds``) the repo's seeds cleaned by the cleaner. Returns its configuration."""
    from handbook import config as configuration

    (root / "docs" / "essays").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "handbook.yml", root / "handbook.yml")
    shutil.copy(REPO / "docs" / "index.md", root / "docs" / "index.md")
    if seeds:
        shutil.copytree(REPO / "seeds", root / "seeds")
        subprocess.run([str(Path(sys.executable).parent / "handbook"), "clean", "--quiet"], cwd=root, check=True)
    for stem, (meta, body) in samples.items():
        write_essay(root / "docs" / "essays", stem, meta, body)
    return dict(configuration.load.__wrapped__(root / "handbook.yml"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_project(tmp_path_factory):
    """The sample project, built (every edition) once per session."""
    from handbook import site

    root = tmp_path_factory.mktemp("handbook")
    config = make_project(root)
    site.build(config)
    return config


@pytest.fixture(scope="session")
def site_url(site_project, tmp_path_factory):
    """Base URL of the built site, served by a local HTTP server under a sub-path."""
    www = tmp_path_factory.mktemp("www")
    (www / SUB_PATH.strip("/")).symlink_to(Path(site_project["root"]) / "site", target_is_directory=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{SUB_PATH}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Recorder:
    """Everything a page did that a test may object to."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10000)
    page = context.new_page()
    page.recorder = Recorder(page)
    yield page
    context.close()
