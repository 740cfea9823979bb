"""The print booklet, read back from the PDFs: pages, contents, running heads, fonts, line breaks,
text, bookmarks, metadata and the imposed print file, for both editions.

The booklets are built once per session from essays written here (not from the seeds), so the
tests do not wait for the cleaner and cover awkward text on purpose: quotes and brackets at line
edges, Latin and digits among Han characters, and Typst markup characters that must print as text.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import subprocess
from pathlib import Path
from types import SimpleNamespace as NS

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from handbook.booklet import build
from handbook.booklet.data import PAPERS, editions, short
from handbook.booklet.impose import spreads
from handbook.config import load
from handbook.essay import Block, Essay

pytestmark = pytest.mark.skipif(shutil.which("fc-list") and not subprocess.run(
    ["fc-list", ":family=Noto Serif CJK SC"], capture_output=True, text=True).stdout.strip(),
    reason="needs fonts-noto-cjk (scripts/system-deps.sh test)")

ROOT = Path(__file__).resolve().parents[1]
MM = 72 / 25.4

SENTENCES = [
    "窗口是公安机关联系群众的桥梁，也是展示队伍形象的“第一印象”。群众走进大厅，首先看到的是民警的态度，其次才是办事的效率；态度好了，效率才有意义。",
    "我们在2014年推行了“一次告知、限时办结”制度，把办理户口迁移、身份证补领等十二项业务的材料清单印成《办事指南》，放在每个窗口的显眼位置（见附表一）。",
    "有的同志认为：“窗口工作就是盖章、录入，没有什么技术含量。”这种看法是片面的！每一项业务背后都有法律依据，每一次签字都要承担责任。",
    "为什么群众会抱怨“门难进、脸难看、事难办”？原因有三：一是流程不清，二是标准不一，三是监督不够。找准了病根，才能对症下药。",
    "在日常工作中，要注意使用文明用语，例如“您好，请坐”“请稍等”“对不起，让您久等了”等等，切忌生硬推诿、敷衍塞责。",
    "符号测试：#set page(width: 1cm) 与 $x^2$、*强调*、_下划线_、= 标题、[链接]、<标签>、@引用、\\反斜杠、`代码`，都应原样印出。",
    "数字与字母混排时，例如“ABC窗口”“第3号柜台”“A5纸张”，既要保持可读，也不能在复制时插入多余的空格。",
]


def essay(title: str, paragraphs: int, date: str | None = None, headings: dict[int, tuple[str, int]] | None = None) -> Essay:
    blocks = []
    for i in range(paragraphs):
        if headings and i in headings:
            blocks.append(Block("heading", headings[i][0], headings[i][1]))
        blocks.append(Block("paragraph", SENTENCES[i % len(SENTENCES)] + SENTENCES[(3 * i + 1) % len(SENTENCES)]))
    return Essay(source=f"{title}.txt", title=title, blocks=blocks, meta={"date": date} if date else {})


def catalogue() -> list[NS]:
    return [
        NS(name="户籍窗口", essays=[
            NS(slug="a", essay=essay("树立服务意识，打造群众满意的户籍窗口", 14, "2014-08-30",
                                     {0: ("一、提高认识", 2), 5: ("二、规范流程", 2), 7: ("（一）材料清单", 3), 10: ("三、强化监督", 2)})),
            NS(slug="b", essay=essay("户政窗口规范化建设的几点思考", 5, "2013-05-02")),
        ]),
        NS(name="交警窗口", essays=[
            NS(slug="c", essay=essay("交警窗口如何做到“一站式”服务：从排队难到办事快的转变与体会", 9, None, {3: ("车管业务", 2)})),
        ]),
        NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 3, "2012-01-15"))]),
    ]


CLOSING = set("，。、；：？！”’》）」』〉】")
OPENING = set("“‘《（「『〈【")


@pytest.fixture(scope="session")
def config():
    return load(ROOT / "handbook.yml")


def open_books(results):
    books = {}
    for result in results:
        data = json.loads((result.pdf.parent / "data.json").read_text(encoding="utf-8"))
        pdf = pdfplumber.open(result.pdf)
        books[result.edition] = NS(result=result, data=data, pdf=pdf, reader=PdfReader(result.pdf),
                                   texts=[page.extract_text() for page in pdf.pages],
                                   body_texts=[body(page, data).extract_text() for page in pdf.pages])
    return books


@pytest.fixture(scope="session")
def booklets(tmp_path_factory, config):
    """Both editions of the sample essays, built once: {code: NS(result, data, pdf, reader, texts…)}."""
    out = tmp_path_factory.mktemp("booklet")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)  # the date comes from the essays
        books = open_books(build(config, chapters=catalogue(), out_dir=out, copy_to_site=False, quiet=True, paper="A5"))
    yield books
    for book in books.values():
        book.pdf.close()


@pytest.fixture(scope="session")
def essay_booklets(tmp_path_factory, config):
    """Both editions of the cleaner's essays (docs/essays), when there are any."""
    from handbook.catalogue import load_catalogue

    chapters = load_catalogue(config)
    if not chapters:
        pytest.skip("no essays in docs/essays yet (`handbook clean`)")
    out = tmp_path_factory.mktemp("essays")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        books = open_books(build(config, chapters=chapters, out_dir=out, copy_to_site=False, quiet=True, paper="A5"))
    yield books
    for book in books.values():
        book.pdf.close()


@pytest.fixture(scope="session", params=["sample/zh-Hans", "sample/zh-Hant", "essays/zh-Hans", "essays/zh-Hant"])
def book(request):
    """Each edition of each set: the samples written here and the cleaner's real essays."""
    source, edition = request.param.split("/")
    return request.getfixturevalue("booklets" if source == "sample" else "essay_booklets")[edition]


# ---- helpers


def body(page, data):
    """The page without its running head and folio."""
    margin = data["margin"]
    return page.crop((0, margin["top"] * MM - 2, page.width, page.height - margin["bottom"] * MM + 2))


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u2060]+", "", text)


def toc_entries(book):
    """(text, printed page number) for every contents entry, in order, read from the PDF's text.

    The contents come first after the cover, so searching the entries one after another from the
    start finds each in the contents: the title, the dot leaders, the page number.
    """
    if hasattr(book, "entries"):
        return book.entries
    text = "".join(squeeze(t) for t in book.body_texts[2:])
    entries, position = [], 0
    for chapter in book.data["chapters"]:
        for name in [chapter["name"]] + [e["title"] for e in chapter["essays"]]:
            match = re.compile(re.escape(squeeze(name)) + r"[.·…]*(\d+)").search(text, position)
            assert match, f"{name} missing from the contents after: {text[position:position + 80]}"
            entries.append((name, int(match.group(1))))
            position = match.end()
    book.entries = entries
    return entries


def essay_pages(book):
    """For each essay (in order): (chapter, essay, first page number, last page number)."""
    entries = dict(toc_entries(book))
    starts = [(chapter, e, entries[e["title"]]) for chapter in book.data["chapters"] for e in chapter["essays"]]
    total = len(book.pdf.pages)
    return [(c, e, start, (starts[i + 1][2] - 1) if i + 1 < len(starts) else total) for i, (c, e, start) in enumerate(starts)]


# ---- the booklet


def test_both_editions_are_built_as_a5(booklets):
    assert set(booklets) == {"zh-Hans", "zh-Hant"}
    for book in booklets.values():
        assert book.result.pdf.name == f"handbook-{book.result.edition}.pdf"
        assert book.result.imposed.name == f"handbook-{book.result.edition}-booklet.pdf"
        for page in book.reader.pages:
            assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (148, 210)


def test_page_count(book):
    pages = len(book.reader.pages)
    assert pages == book.result.pages
    # cover, blank, contents, blank, then four essays each from a right-hand page: at least 4 + 2+1+2+1
    last = essay_pages(book)[-1]
    assert last[3] == pages and pages >= 10
    assert squeeze(book.data["chapters"][-1]["essays"][-1]["title"]) in squeeze(book.texts[last[2] - 1])


def test_cover(book):
    cover = squeeze(book.texts[0])
    for part in (book.data["title"], book.data["subtitle"], book.data["edition_label"], book.data["date"]):
        assert squeeze(part) in cover
    assert book.texts[1].strip() == ""  # the cover's back is blank


def test_contents_page_numbers_are_the_pages_of_the_titles(book):
    entries = toc_entries(book)
    assert len(entries) == sum(1 + len(chapter["essays"]) for chapter in book.data["chapters"])
    for name, number in entries:
        page = book.pdf.pages[number - 1]
        lines = [squeeze(line["text"]) for line in body(page, book.data).extract_text_lines()]
        assert squeeze(name) in "".join(lines[:4]), f"{name} is not at the top of page {number}"
        # the folio printed on that page is the same number
        assert page.extract_text_lines()[-1]["text"].strip() == str(number)


def test_each_essay_starts_on_a_right_hand_page(book):
    for chapter, essay_data, first, last in essay_pages(book):
        assert first % 2 == 1, f"{essay_data['title']} starts on page {first}"
        assert first <= last


def test_running_heads_and_folios(book):
    data = book.data
    margin_top = data["margin"]["top"] * MM
    for chapter, essay_data, first, last in essay_pages(book):
        for number in range(first, last + 1):
            page = book.pdf.pages[number - 1]
            head = squeeze(page.crop((0, 0, page.width, margin_top - 2)).extract_text())
            foot = page.crop((0, page.height - data["margin"]["bottom"] * MM + 2, page.width, page.height)).extract_text().strip()
            if not squeeze(body(page, data).extract_text()):  # a blank left before a right-hand page
                assert head == "" and foot == ""
                continue
            assert foot == str(number)
            if number == first:
                assert head == ""  # no running head on an opening page
            elif number % 2 == 0:
                assert head == squeeze(data["title"])
            else:
                assert head == squeeze(short(essay_data["title"]))


def test_fonts_are_noto_cjk_embedded_and_subset(book):
    seen = set()
    for page in book.reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():  # blank pages have none
            font = font.get_object()
            name = str(font["/BaseFont"])
            assert re.match(r"^/[A-Z]{6}\+", name), f"{name} is not subset"
            descriptors = [d.get_object()["/FontDescriptor"].get_object() for d in font.get("/DescendantFonts", [])] or [font["/FontDescriptor"].get_object()]
            for descriptor in descriptors:
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} is not embedded"
            assert "/ToUnicode" in font, f"{name} has no ToUnicode map: its text cannot be copied"
            seen.add(name.split("+", 1)[1])
    suffix = "sc" if book.result.edition == "zh-Hans" else "tc"
    assert any(name.startswith(f"NotoSerifCJK{suffix}") for name in seen), seen
    assert any(name.startswith(f"NotoSansCJK{suffix}") for name in seen), seen
    assert all(name.startswith(("NotoSerifCJK", "NotoSansCJK")) for name in seen), f"a fallback font was used: {seen}"


def test_body_is_serif_and_headings_sans(book):
    size = book.data["body_size"]
    for _, essay_data, first, _ in essay_pages(book):
        page = body(book.pdf.pages[first - 1], book.data)
        title = [c for c in page.chars if c["size"] > 1.4 * size]  # essay titles are set at 1.5 em
        assert squeeze("".join(c["text"] for c in title)) == squeeze(essay_data["title"])
        assert all("Sans" in c["fontname"] for c in title)
        first_paragraph = next(block["text"] for block in essay_data["blocks"] if block["kind"] == "paragraph")
        lines = page.extract_text_lines(return_chars=True)
        paragraph = next(line for line in lines if squeeze(line["text"]).startswith(squeeze(first_paragraph)[:8]))
        assert all("Serif" in c["fontname"] for c in paragraph["chars"])


def test_no_closing_punctuation_at_line_start_nor_opening_at_line_end(book):
    checked = 0
    for number, page in enumerate(book.pdf.pages, start=1):
        for line in page.extract_text_lines():
            text = line["text"].strip()
            if not text:
                continue
            checked += 1
            assert text[0] not in CLOSING, f"page {number}: line starts with {text[0]}: {text}"
            assert text[-1] not in OPENING, f"page {number}: line ends with {text[-1]}: {text}"
    assert checked > 100


def test_lines_are_justified_and_paragraphs_indented(book):
    data = book.data
    size = data["body_size"]
    for _, essay_data, first, last in essay_pages(book):
        for number in range(first, last + 1):
            page = body(book.pdf.pages[number - 1], data)
            lines = [line for line in page.extract_text_lines(return_chars=True)
                     if all("Serif" in c["fontname"] for c in line["chars"]) and line["chars"][0]["size"] > size - 0.5]
            if not lines:
                continue
            # the measure's edges, from the page's margins (right-hand pages have the inside margin
            # on the left); an opening quote that starts a line may stick out, set half-width
            margin = data["margin"]
            inner, outer = margin["inside"] * MM, margin["outside"] * MM
            left = inner if number % 2 else outer
            right = page.width - (outer if number % 2 else inner)
            for this, after in zip(lines, lines[1:] + [None]):
                indented = this["x0"] > left + 1.5 * size
                if indented:  # an opening quote after the indent may be set narrower, its ink where it was
                    slack = 0.6 * size if this["text"][:1] in OPENING else 1.5
                    assert abs(this["x0"] - (left + 2 * size)) < slack, f"page {number}: indent is not 2 characters: {this['text']}"
                next_starts_paragraph = after is None or after["x0"] > left + 1.5 * size or after["top"] - this["bottom"] > size
                if this["x1"] < right - 2 and not next_starts_paragraph:
                    pytest.fail(f"page {number}: a short line inside a paragraph: {this['text']}")


def test_text_equals_the_essays_text(book):
    data = book.data
    for chapter, essay_data, first, last in essay_pages(book):
        text = "".join(book.body_texts[n - 1] for n in range(first, last + 1))
        expected = ([chapter["name"]] if essay_data is chapter["essays"][0] else []) + [essay_data["title"]]
        expected += [essay_data["date"]] if essay_data["date"] else []
        expected += [block["text"] for block in essay_data["blocks"]]
        assert squeeze(text) == squeeze("".join(expected)), essay_data["title"]


def test_cover_date_is_the_newest_essay_date(booklets):
    assert booklets["zh-Hans"].data["date"] == "2014年8月30日"  # reproducible: not the day of the build


def test_typst_markup_in_essays_prints_as_text(booklets):
    book = booklets["zh-Hans"]
    text = squeeze("".join(book.texts))
    assert squeeze("#set page(width: 1cm)") in text and "$x^2$" in text and "*" in text
    assert all(round(float(p.mediabox.width)) == 420 for p in book.reader.pages)  # the markup did not act


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_copied_text_has_no_spaces_inserted(book):
    """pdftotext copies the way viewers do: a space shows up wherever glyphs stand apart."""
    expected = "\n".join([chapter["name"] for chapter in book.data["chapters"]]
                         + [e["title"] for chapter in book.data["chapters"] for e in chapter["essays"]]
                         + [block["text"] for chapter in book.data["chapters"] for e in chapter["essays"] for block in e["blocks"]])
    allowed = {(a, b) for a, b in re.findall(r"(\S) +(?=(\S))", expected)}
    copied = subprocess.run(["pdftotext", "-raw", str(book.result.pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
    body_lines = [line for line in copied.splitlines() if not re.fullmatch(r"\s*\d+\s*", line) and "." * 5 not in line.replace(" ", "")]
    inserted = {(a, b) for line in body_lines for a, b in re.findall(r"(\S) +(?=(\S))", line)} - allowed
    assert not inserted, f"spaces inserted between {sorted(inserted)[:10]}"
    assert "\ufffd" not in copied


def test_bookmarks_follow_chapters_and_essay_outlines(book):
    reader = book.reader

    def tree(items):
        out = []
        for item in items:
            if isinstance(item, list):
                out[-1][2].extend(tree(item))
            else:
                out.append((item.title, reader.get_destination_page_number(item) + 1, []))
        return out

    marks = [mark for mark in tree(reader.outline) if mark[0] != book.data["labels"]["contents"]]
    entries = dict(toc_entries(book))
    assert [m[0] for m in marks] == [c["name"] for c in book.data["chapters"]]
    for mark, chapter in zip(marks, book.data["chapters"]):
        assert [m[0] for m in mark[2]] == [e["title"] for e in chapter["essays"]]
        for essay_mark, essay_data in zip(mark[2], chapter["essays"]):
            assert essay_mark[1] == entries[essay_data["title"]]
            headings = [b["text"] for b in essay_data["blocks"] if b["kind"] == "heading"]
            flat = []
            stack = list(essay_mark[2])
            while stack:
                title, _, children = stack.pop(0)
                flat.append(title)
                stack[0:0] = children
            assert flat == headings


def test_metadata(book):
    info = book.reader.metadata
    assert info.title == f"{book.data['title']}（{book.data['edition_label']}）"
    lang = str(book.reader.trailer["/Root"]["/Lang"])
    assert lang == ("zh-CN" if book.result.edition == "zh-Hans" else "zh-TW")
    dates = [e["date"] for chapter in book.data["chapters"] for e in chapter["essays"] if e["date"]]
    assert info["/CreationDate"].startswith("D:" + (max(dates).replace("-", "") if dates else "2000"))


def test_traditional_edition_is_converted(booklets):
    hant = booklets["zh-Hant"].data
    assert hant["title"] == "公安窗口服務工作手冊"
    assert hant["chapters"][0]["name"] == "戶籍窗口"
    assert hant["labels"]["contents"] == "目錄"
    assert "Noto Serif CJK TC" == hant["fonts"]["body"]
    text = booklets["zh-Hant"].texts[4]
    assert "戶籍" in text and "户籍" not in text


# ---- the imposed print file


def test_spreads_follow_saddle_stitch_order():
    for pages in range(1, 30):
        sides = spreads(pages)
        n = pages + (-pages) % 4
        assert len(sides) == n // 2
        seen = []
        for sheet in range(n // 4):
            front, back = sides[2 * sheet], sides[2 * sheet + 1]
            expected_front = (n - 2 * sheet, 2 * sheet + 1)  # outside of the fold, 1-based
            expected_back = (2 * sheet + 2, n - 2 * sheet - 1)
            for side, expected in ((front, expected_front), (back, expected_back)):
                assert side == tuple(p - 1 if p <= pages else None for p in expected)
                seen.extend(p for p in side if p is not None)
        assert sorted(seen) == list(range(pages))


def test_imposed_file_has_pages_in_booklet_order(book):
    pages = len(book.reader.pages)
    padded = pages + (-pages) % 4
    with pdfplumber.open(book.result.imposed) as imposed:
        assert len(imposed.pages) == padded // 2
        width, height = 297 * MM, 210 * MM
        for side, sheet in enumerate(imposed.pages):
            assert abs(sheet.width - width) < 1 and abs(sheet.height - height) < 1  # A4 landscape
            k, back = divmod(side, 2)
            expected = (2 * k + 2, padded - 2 * k - 1) if back else (padded - 2 * k, 2 * k + 1)
            for half, number in zip((sheet.crop((0, 0, width / 2, height)), sheet.crop((width / 2, 0, width, height))), expected):
                source = squeeze(book.texts[number - 1]) if number <= pages else ""
                assert squeeze(half.extract_text()) == source, f"sheet side {side + 1}: expected page {number}"


# ---- build behaviour


def test_unchanged_inputs_are_not_rebuilt_and_site_gets_copies(booklets, config, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = booklets["zh-Hans"].result.pdf.parent.parent
    site = tmp_path / "site"
    (site / "zh-Hant").mkdir(parents=True)
    (site / "index.html").write_text("<html></html>")
    (site / "zh-Hant" / "index.html").write_text("<html></html>")
    site_config = {**config, "root": tmp_path}
    before = booklets["zh-Hans"].result.pdf.read_bytes()
    results = build(site_config, chapters=catalogue(), out_dir=out, quiet=True, paper="A5")
    assert [r.built for r in results] == [False, False]
    assert (site / "downloads" / "handbook-zh-Hans.pdf").read_bytes() == before
    assert (site / "downloads" / "handbook-zh-Hans-booklet.pdf").is_file()
    assert (site / "zh-Hant" / "downloads" / "handbook-zh-Hant.pdf").is_file()
    assert (site / "zh-Hant" / "downloads" / "handbook-zh-Hant-booklet.pdf").is_file()


def test_same_inputs_give_the_same_bytes(booklets, config, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    again = build(config, "zh-Hans", chapters=catalogue(), out_dir=tmp_path, copy_to_site=False, quiet=True, paper="A5", force=True)
    assert again[0].built
    assert again[0].pdf.read_bytes() == booklets["zh-Hans"].result.pdf.read_bytes()
    assert again[0].imposed.read_bytes() == booklets["zh-Hans"].result.imposed.read_bytes()


def test_editions_from_config(config):
    found = editions(config)
    assert list(found) == ["zh-Hans", "zh-Hant"]
    assert (found["zh-Hans"].region, found["zh-Hans"].fonts, found["zh-Hans"].opencc) == ("cn", "SC", None)
    assert found["zh-Hant"].opencc == config["editions"]["zh-Hant"]["opencc"]


def test_a4_option_gives_a4_pages_on_a3_sheets(config, tmp_path):
    small = [NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 3, "2012-01-15"))])]
    result = build(config, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True, paper="A4")[0]
    page = PdfReader(result.pdf).pages[0]
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (210, 297)
    sheet = PdfReader(result.imposed).pages[0]
    assert (round(float(sheet.mediabox.width) / MM), round(float(sheet.mediabox.height) / MM)) == (420, 297)


def test_unknown_paper_or_edition_is_refused(config):
    with pytest.raises(ValueError, match="A5"):
        build(config, chapters=catalogue(), paper="B5", copy_to_site=False, quiet=True)
    with pytest.raises(Exception, match="no edition"):
        build(config, "zh-Latn", chapters=catalogue(), copy_to_site=False, quiet=True)


def test_missing_fonts_are_an_error_that_says_what_to_install(config, tmp_path, monkeypatch):
    import handbook.booklet as booklet

    real_export = booklet.export

    def without_fonts(*args, **kwargs):
        data = real_export(*args, **kwargs)
        return {**data, "fonts": {"body": "No Such Serif", "heading": "No Such Sans"}}

    monkeypatch.setattr(booklet, "export", without_fonts)
    small = [NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 1))])]
    with pytest.raises(booklet.BookletError, match="fonts-noto-cjk"):
        build(config, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True)


def test_long_latin_runs_break_instead_of_overflowing(config, tmp_path):
    url = "http://www.example.gov.cn/n16/n1237/n1342/n803715/n803717/n803718/n803719/n803720/3265618.html"
    serial = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3
    text = f"详见网站{url}和编号{serial}的说明，窗口民警应当认真学习。" * 3
    small = [NS(name="综合", essays=[NS(slug="u", essay=Essay("u.txt", "网址测试", blocks=[Block("paragraph", text)]))])]
    result = build(config, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True, paper="A5")[0]
    with pdfplumber.open(result.pdf) as pdf:
        page = pdf.pages[4]
        margin = PAPERS["A5"]["margin"]
        inside, outside = margin["inside"] * MM, margin["outside"] * MM  # page 5 is a right-hand page
        latin = [c for c in page.chars if c["text"].isascii()]
        assert latin and all(inside - 1 <= c["x0"] and c["x1"] <= page.width - outside + 1 for c in latin)
        assert squeeze(text) in squeeze(page.extract_text())


HAN = "窗口公安民警服务群众户籍交通办事效率制度材料清单指南法律依据责任监督"
PUNCT = "，。、；：？！“”‘’《》（）【】…—"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=HAN + PUNCT + string.ascii_letters + string.digits + string.punctuation + " ", min_size=1, max_size=120)
                .filter(lambda s: s.strip()), min_size=1, max_size=4))
def test_any_essay_text_prints_as_itself(config, tmp_path_factory, paragraphs):
    """Whatever a scrape holds (Typst markup characters included) is printed as text, all of it."""
    out = tmp_path_factory.mktemp("any")
    chapters = [NS(name="综合", essays=[NS(slug="x", essay=Essay("x.txt", "测试", blocks=[Block("paragraph", p) for p in paragraphs]))])]
    result = build({**config, "booklet": {"impose": False}}, "zh-Hans", chapters=chapters, out_dir=out,
                   copy_to_site=False, quiet=True, paper="A5")[0]
    data = json.loads((result.pdf.parent / "data.json").read_text(encoding="utf-8"))
    with pdfplumber.open(result.pdf) as pdf:
        text = "".join(body(page, data).extract_text() for page in pdf.pages[4:])
    assert squeeze(text) == squeeze("综合测试" + "".join(paragraphs))


def test_no_essay_dates_no_date_on_the_cover(config, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    small = [NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 1))])]
    result = build(config, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True)[0]
    assert json.loads((result.pdf.parent / "data.json").read_text(encoding="utf-8"))["date"] == ""
    assert "年" not in PdfReader(result.pdf).pages[0].extract_text()
    assert PdfReader(result.pdf).metadata["/CreationDate"].startswith("D:2000")


def test_source_date_epoch_sets_the_date(config, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    small = [NS(name="综合", essays=[NS(slug="d", essay=essay("浅谈窗口民警的职业素养", 1, "2012-01-15"))])]
    result = build(config, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True)[0]
    assert "2023年11月14日" in PdfReader(result.pdf).pages[0].extract_text().replace(" ", "")


def test_characters_noto_cjk_lacks_are_reported(config, tmp_path, capsys):
    text = "窗口服务\U0001F600窗口服务"  # an emoji: not in Noto CJK
    small = [NS(name="综合", essays=[NS(slug="e", essay=Essay("e.txt", "测试", blocks=[Block("paragraph", text)]))])]
    build({**config, "booklet": {"impose": False}}, "zh-Hans", chapters=small, out_dir=tmp_path, copy_to_site=False, quiet=True)
    assert "Noto CJK lacks some characters" in capsys.readouterr().err


def test_handbook_booklet_command_passes_its_options(capsys):
    from handbook import cli

    with pytest.raises(SystemExit) as done:
        cli.main(["--config", str(ROOT / "handbook.yml"), "booklet", "--help"])
    assert done.value.code == 0
    assert "--edition" in capsys.readouterr().out
    assert cli.main(["booklet", "--edition", "zh-Latn"]) == 2  # a usage error
    assert "no edition 'zh-Latn'" in capsys.readouterr().err
