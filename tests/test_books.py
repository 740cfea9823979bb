"""Booklets for a class and per chapter, as trainers meet them: named in handbook.yml and built
by ``handbook build``, or asked for once with ``handbook booklet --essays … --title …``; the PDFs
read back (contents, the exact essays, fonts, pages), the home page and chapter pages read back."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from handbook.render import parse

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = str(Path(sys.executable).with_name("handbook"))
sys.path.insert(0, str(ROOT))
from bench.corpus import write_corpus  # noqa: E402

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
BOOKLETS = """
booklets:
  - title: 户籍窗口专题培训
    subtitle: 第一期
    file: huji-training
    chapters: [户籍窗口]
    layout: handout
  - title: 电话回访与交警
    file: mixed
    essays: [002_980270de91fa7613.txt]
    words: [驾驶人]
  - title: 二〇一四年以后
    file: recent
    since: 2014-01-01
"""


def handbook(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HANDBOOK, *args], cwd=project, capture_output=True, text=True, timeout=900, env=ENV)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The two seeds and six generated essays, with three named booklets, built once."""
    project = tmp_path_factory.mktemp("books") / "project"
    project.mkdir()
    (project / "handbook.yml").write_text((ROOT / "handbook.yml").read_text(encoding="utf-8") + BOOKLETS, encoding="utf-8")
    write_corpus(project / "seeds", 6)
    for seed in (ROOT / "seeds").iterdir():
        shutil.copy(seed, project / "seeds")
    (project / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", project / "docs" / "index.md")
    done = handbook(project, "build")
    assert done.returncode == 0, done.stderr
    return project


def essays(project: Path) -> list[dict]:
    """Every cleaned essay: seed, title, chapter (as the site shows it), date, text."""
    found = []
    for page in sorted((project / "docs" / "essays").glob("*.md")):
        essay = parse(page.read_text(encoding="utf-8"))
        found.append({"seed": essay.meta["source"], "title": essay.title, "date": essay.meta.get("date", ""),
                      "text": essay.title + "".join(b.text for b in essay.blocks)})
    for chapter_page in (project / "site" / "chapters").glob("*/index.html"):
        html = chapter_page.read_text(encoding="utf-8")
        name = re.search(r"<h1[^>]*>(.*?)<", html).group(1).strip()
        for essay in found:
            if f">{essay['title']}<" in html:
                essay["chapter"] = name
    return found


def text_of(pdf: Path) -> list[str]:
    """Each page's text without white space and without its printed page number (the footer's)."""
    pages = [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(pdf).pages]
    return [text.removesuffix(str(n)) if text.endswith(str(n)) else text for n, text in enumerate(pages, start=1)]


def contents_titles(pages: list[str], candidates: list[str]) -> list[str]:
    """The essay titles the contents page(s) list, in order (the contents follow the cover)."""
    contents = "".join(pages[1:3])
    found = [(contents.find(re.sub(r"\s+", "", t)), t) for t in candidates if re.sub(r"\s+", "", t) in contents]
    return [t for _, t in sorted(found)]


@pytest.mark.parametrize("edition", ["zh-Hans"])
def test_each_named_booklet_holds_exactly_its_selection(project, edition):
    all_essays = essays(project)
    expected = {
        "huji-training": [e for e in all_essays if e.get("chapter") == "户籍窗口"],
        "mixed": [e for e in all_essays if e["seed"] == "002_980270de91fa7613.txt" or "驾驶人" in e["text"]],
        "recent": [e for e in all_essays if e["date"] >= "2014-01-01"],
    }
    for stem, chosen in expected.items():
        assert chosen and len(chosen) < len(all_essays), stem  # a real selection, not everything
        pdf = project / "build" / "booklet" / edition / f"{stem}-{edition}.pdf"
        pages = text_of(pdf)
        titles = contents_titles(pages, [e["title"] for e in all_essays])
        assert sorted(titles) == sorted(e["title"] for e in chosen), stem
        for title in titles:  # each listed essay starts on the page the contents give
            number = int(re.search(re.escape(re.sub(r"\s+", "", title)) + r"[.·…]*(\d+)", "".join(pages[1:3])).group(1))
            assert re.sub(r"\s+", "", title)[:8] in pages[number - 1], (stem, title, number)
        imposed = PdfReader(pdf.with_name(f"{stem}-{edition}-booklet.pdf"))
        assert len(imposed.pages) == 2 * math.ceil(len(pages) / 4)  # two sides of each folded sheet


def test_a_handout_has_no_blank_page_and_a_book_starts_essays_on_the_right(project):
    handout = text_of(project / "build" / "booklet" / "zh-Hans" / "huji-training-zh-Hans.pdf")
    assert all(page for page in handout), [i + 1 for i, page in enumerate(handout) if not page]
    book = text_of(project / "build" / "booklet" / "zh-Hans" / "recent-zh-Hans.pdf")
    assert not book[1]  # the cover's back is blank: the contents start on a right-hand page


def test_booklet_fonts_are_embedded_cjk_fonts(project):
    from handbook.booklet import fonts_used
    import pikepdf

    for pdf in (project / "build" / "booklet" / "zh-Hant").glob("*-zh-Hant.pdf"):
        with pikepdf.open(pdf) as document:
            assert fonts_used(document) and all(name.startswith(("NotoSerifCJK", "NotoSansCJK")) for name in fonts_used(document)), pdf
            for page in document.pages:
                for font in page.resources.get("/Font", {}).values():
                    descendant = font.get("/DescendantFonts", [font])[0]
                    assert "/FontFile2" in descendant["/FontDescriptor"] or "/FontFile3" in descendant["/FontDescriptor"]


def test_home_page_lists_the_booklets_and_chapter_pages_link_their_pdfs(project):
    for site, edition in ((project / "site", "zh-Hans"), (project / "site" / "zh-Hant", "zh-Hant")):
        home = (site / "index.html").read_text(encoding="utf-8")
        for stem in ("huji-training", "mixed", "recent"):
            pdf = project / "build" / "booklet" / edition / f"{stem}-{edition}.pdf"
            pages = len(PdfReader(pdf).pages)
            data = json.loads((pdf.parent / ".books" / stem / "data.json").read_text(encoding="utf-8"))
            count = sum(len(c["essays"]) for c in data["chapters"])
            line = re.search(rf'hb-booklet">[^<]*</span>（(\d+) 篇文章，(\d+) [页頁]）：<a href="downloads/{stem}-{edition}\.pdf"', home)
            assert line and (int(line.group(1)), int(line.group(2))) == (count, pages), stem
            assert (site / "downloads" / pdf.name).read_bytes() == pdf.read_bytes()
        chapters = sorted((site / "chapters").glob("*/index.html"))
        assert chapters
        for page in chapters:
            links = re.findall(r'href="\.\./\.\./downloads/(chapter-\d+-[^"]+\.pdf)"', page.read_text(encoding="utf-8"))
            assert links and all((site / "downloads" / link).is_file() for link in links), page
            title = re.search(r"<h1[^>]*>(.*?)<", page.read_text(encoding="utf-8")).group(1).strip()
            assert text_of(site / "downloads" / links[0])[0].startswith(re.sub(r"\s+", "", title))  # its cover names the chapter


def test_an_unchanged_handbook_typesets_nothing_and_an_edit_only_the_books_holding_it(project):
    pdfs = sorted((project / "build" / "booklet").rglob("*.pdf"))
    before = {p: p.stat().st_mtime_ns for p in pdfs}
    again = handbook(project, "build")
    assert again.returncode == 0 and "handbook build:" not in again.stderr, again.stderr
    assert {p: p.stat().st_mtime_ns for p in pdfs} == before

    seed = project / "seeds" / "002_980270de91fa7613.txt"  # in `mixed` only (not 户籍窗口, not dated 2014 or later)
    original = seed.read_bytes()
    try:
        seed.write_bytes(original.replace("窗口".encode(), "窗口单位".encode(), 1))
        done = handbook(project, "build")
        assert done.returncode == 0, done.stderr
        changed = {p.name for p in pdfs if p.stat().st_mtime_ns != before[p]}
        assert {"mixed-zh-Hans.pdf", "mixed-zh-Hant.pdf"} <= changed
        assert not {p for p in changed if p.startswith(("huji-training", "recent"))}, changed
    finally:
        seed.write_bytes(original)
        assert handbook(project, "build").returncode == 0


def test_a_one_off_booklet_typesets_only_its_essays(project, tmp_path):
    fresh = tmp_path / "p"
    shutil.copytree(project, fresh, symlinks=True, ignore=shutil.ignore_patterns("build", "site"))
    done = handbook(fresh, "booklet", "--essays", "000_9b93f4d6943d791b.txt", "--title", "下周课程", "--file", "next-week",
                    "--edition", "zh-Hans", "--layout", "handout")
    assert done.returncode == 0, done.stderr
    out = fresh / "build" / "booklet" / "zh-Hans"
    assert sorted(p.name for p in out.glob("*.pdf")) == ["next-week-zh-Hans-booklet.pdf", "next-week-zh-Hans.pdf"]
    pages = text_of(out / "next-week-zh-Hans.pdf")
    assert pages[0].startswith("下周课程") and "树立五种意识" in "".join(pages[1:3])
    assert not (fresh / "site").exists()


@pytest.mark.parametrize("args, message", [
    (["--chapters", "户籍"], "booklet x: no chapter named 户籍"),
    (["--essays", "nope.txt"], "booklet x: no essay from the seed nope.txt"),
    (["--words", "火星探测"], "booklet x: its selection holds no essay"),
    (["--file", "中文名"], "--file: String should match pattern"),
])
def test_a_one_off_booklet_mistake_is_named(project, args, message):
    options = {"--title": "课", "--file": "x", **dict(zip(args[::2], args[1::2]))}
    done = handbook(project, "booklet", *[part for pair in options.items() for part in pair])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_named_booklet_that_selects_nothing_is_named_and_the_rest_is_built(project, tmp_path):
    broken = tmp_path / "p"
    shutil.copytree(project, broken, symlinks=True, ignore=shutil.ignore_patterns("build", "site"))
    yml = broken / "handbook.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("essays: [002_980270de91fa7613.txt]\n    words: [驾驶人]", "words: [火星探测]"),
                   encoding="utf-8")
    done = handbook(broken, "build")
    assert done.returncode == 2, done.stderr
    assert "booklet mixed: its selection holds no essay" in done.stderr
    assert (broken / "site" / "index.html").is_file() and (broken / "build" / "booklet" / "zh-Hans" / "handbook-zh-Hans.pdf").is_file()
