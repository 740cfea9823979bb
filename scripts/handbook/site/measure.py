"""How the site scales: ``python -m handbook.site.measure 100 2000 [...]``.

Builds a synthetic handbook of each size (essays spread over the configured chapters) in a
temporary folder and prints, per size, the build time, the bytes of one and the same essay page,
the number of links in that page's navigation, and the mean bytes of an essay page.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

WORDS = ["户籍", "交通", "窗口", "服务", "群众", "民警", "规范", "效率", "便民", "预约", "材料", "流程", "作风", "落实"]


def synthetic_project(root: Path, count: int, repo: Path) -> dict:
    from handbook import config as configuration

    essays = root / "docs" / "essays"
    essays.mkdir(parents=True)
    shutil.copy(repo / "handbook.yml", root / "handbook.yml")
    shutil.copy(repo / "docs" / "index.md", root / "docs" / "index.md")
    rng = random.Random(7)
    for n in range(count):
        topic = ("户籍", "交通", "窗口")[n % 3]
        title = f"{topic}工作经验第{n + 1}篇"
        paragraphs = ["".join(rng.choice(WORDS) for _ in range(60)) + "。" for _ in range(8)]
        meta = {"title": title, "date": f"20{10 + n % 10}-0{1 + n % 9}-1{n % 10}", "source": f"{n:05d}_synthetic.txt",
                "original_script": "zh-Hans", "summary": paragraphs[0][:40], "generator": "handbook"}
        body = f"# {title}\n\n" + "\n\n".join(
            (f"## 第{i + 1}部分\n\n" if i % 3 == 0 else "") + p for i, p in enumerate(paragraphs))
        (essays / f"essay-{n:05d}.md").write_text(
            "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body + "\n", encoding="utf-8")
    return dict(configuration.load.__wrapped__(root / "handbook.yml"))


def measure(count: int, repo: Path) -> dict:
    from handbook.site import build

    with tempfile.TemporaryDirectory() as tmp:
        config = synthetic_project(Path(tmp), count, repo)
        start = time.perf_counter()
        build(config, "zh-Hans", force=True)
        seconds = time.perf_counter() - start
        site = Path(tmp) / "site"
        one = (site / "essays" / "essay-00000" / "index.html").read_text(encoding="utf-8")
        sizes = [p.stat().st_size for p in (site / "essays").glob("*/index.html")]
        nav = one[one.find('class="md-nav md-nav--primary"'):one.find('class="md-sidebar md-sidebar--secondary"')]
        return {"essays": count, "build_s": round(seconds, 1), "page_bytes": len(one.encode()),
                "nav_links": len(re.findall(r'class="md-nav__link', nav)),
                "mean_page_bytes": sum(sizes) // len(sizes),
                "home_bytes": (site / "index.html").stat().st_size}


if __name__ == "__main__":
    from handbook.site.build import REPO_ROOT

    sizes = [int(a) for a in sys.argv[1:]] or [100, 2000]
    for size in sizes:
        print(measure(size, REPO_ROOT), flush=True)
