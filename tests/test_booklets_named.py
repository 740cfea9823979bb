"""Booklets for a class (issue 15), as `make` and `handbook booklet` make them, read back from the
PDFs: the named booklets of handbook.yml in both editions, the PDF of each chapter, a booklet asked
for once on the command line, the handout layout, the cache per booklet, and the mistakes a trainer
makes (a chapter, seed or selection that does not exist), each run as a process.

One project is built once for the module: the repository's two seeds and ten essays from the
bench's generator of damaged scrapes, cleaned by the cleaner. The booklets are chosen from what the
cleaner made (a chapter holding two essays or more, a word some essays hold and others do not), and
the essays each must hold are worked out here from the Markdown pages themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace as NS

import pdfplumber
import pytest
import yaml

from test_booklet import CLOSING, MM, OPENING, body, squeeze

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = str(Path(sys.executable).with_name("handbook"))
EDITIONS = ("zh-Hans", "zh-Hant")

pytestmark = pytest.mark.skipif(not subprocess.run(["fc-list", ":family=Noto Serif CJK SC"], capture_output=True, text=True).stdout.strip()
                                if shutil.which("fc-list") else True, reason="needs fonts-noto-cjk (scripts/system-deps.sh test)")


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HANDBOOK, *args], cwd=project, capture_output=True, text=True, timeout=600)


def pages_of(project: Path) -> list[NS]:
    """The cleaner's essays in catalogue order: seed, title, date, text (title and body) and chapter."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from handbook.catalogue import load_catalogue
    from handbook.config import load

    found = []
    for chapter in load_catalogue(load.__wrapped__(project / "handbook.yml")):
        for entry in chapter.essays:
            essay = getattr(entry, "essay", entry)
            found.append(NS(seed=str(essay.meta["source"]), title=essay.title, chapter=chapter.name,
                            date=str(essay.meta.get("date") or ""),
                            text=essay.title + "".join(block.text for block in essay.blocks)))
    return found


def with_booklets(project: Path, booklets: list[dict]) -> None:
    """The project's handbook.yml with ``booklets`` in place of the repository's."""
    config = yaml.safe_load((ROOT / "handbook.yml").read_text(encoding="utf-8"))
    config["booklets"] = booklets
    (project / "handbook.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def a_word(essays: list[NS]) -> str:
    """A two-character word about a third of the essays hold (two at least, and not all)."""
    counts: dict[str, int] = {}
    for essay in essays:
        for word in {essay.text[i:i + 2] for i in range(len(essay.text) - 1)}:
            if re.fullmatch(r"[\u4e00-\u9fff]{2}", word):
                counts[word] = counts.get(word, 0) + 1
    return min((w for w, n in counts.items() if 2 <= n <= len(essays) - 2), key=lambda w: (abs(counts[w] - len(essays) / 3), w))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> NS:
    from bench.corpus import write_corpus

    root = tmp_path_factory.mktemp("named")
    write_corpus(root / "seeds", 10)
    for seed in (ROOT / "seeds").iterdir():
        shutil.copy(seed, root / "seeds" / seed.name)
    (root / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    with_booklets(root, [])
    assert run(root, "clean", "--quiet").returncode in (0, 1)
    essays = pages_of(root)
    chapters = [c for c in dict.fromkeys(e.chapter for e in essays) if sum(e.chapter == c for e in essays) >= 2]
    chapter = chapters[0]
    outside = [e for e in essays if e.chapter != chapter]
    word = a_word(essays)
    days = sorted({e.date[:10] for e in essays if e.date})
    since, until = days[1], days[-2]  # a window that leaves out the oldest and the newest day
    booklets = [
        {"title": "专题培训甲", "subtitle": "第一期", "file": "by-chapter", "chapters": [chapter]},
        {"title": "专题培训乙", "file": "mixed", "essays": [outside[-1].seed], "words": [word], "layout": "handout"},
        {"title": "专题培训丙", "file": "dated", "since": since, "until": until, "layout": "handout"},
    ]
    with_booklets(root, booklets)
    done = run(root, "build")
    assert done.returncode in (0, 1), done.stderr
    expected = {
        "by-chapter": [e for e in essays if e.chapter == chapter],
        "mixed": [e for e in essays if e.seed == outside[-1].seed or word in e.text],
        "dated": [e for e in essays if e.date and since <= e.date[:10] <= until],
    }
    assert all(expected.values()) and expected["mixed"] != essays
    return NS(root=root, essays=essays, booklets={b["file"]: b for b in booklets}, expected=expected, word=word, build=done)


def pdf_path(project: NS, file: str, edition: str, imposed: bool = False) -> Path:
    return project.root / "build" / "booklet" / edition / f"{file}-{edition}{'-booklet' if imposed else ''}.pdf"


def read_book(path: Path) -> NS:
    """A typeset book: its pages' texts (whole, and without running head and folio), the folio
    printed on each page, and the data it was typeset from."""
    stem = path.stem.rsplit("-", 2)[0]
    data = json.loads((path.parent / ".books" / stem / "data.json").read_text(encoding="utf-8"))
    with pdfplumber.open(path) as pdf:
        return NS(path=path, data=data, pages=len(pdf.pages), texts=[page.extract_text() or "" for page in pdf.pages],
                  bodies=[body(page, data).extract_text() or "" for page in pdf.pages],
                  folios=[(page.extract_text_lines() or [{"text": ""}])[-1]["text"].strip() for page in pdf.pages])


def titles(essays: list[NS], edition: str) -> list[str]:
    """The essays' titles as the edition prints them."""
    from handbook.script import convert

    return [squeeze(e.title if edition == "zh-Hans" else convert(e.title, "s2tw")) for e in essays]


def contents(book: NS) -> list[tuple[str, int]]:
    """(entry, printed page) of the contents: the chapters and essays named in the data, in order,
    found one after another in the text of the pages after the cover."""
    text = "".join(squeeze(t) for t in book.bodies[1:])
    entries, position = [], 0
    for chapter in book.data["chapters"]:
        for name in [chapter["name"]] + [e["title"] for e in chapter["essays"]]:
            match = re.compile(re.escape(squeeze(name)) + r"[.·…]*(\d+)").search(text, position)
            assert match, f"{name} missing from the contents of {book.path.name}"
            entries.append((name, int(match.group(1))))
            position = match.end()
    return entries


def essay_starts(book: NS) -> list[tuple[str, int]]:
    """(essay title, printed first page) in the book's order."""
    titles = {e["title"] for chapter in book.data["chapters"] for e in chapter["essays"]}
    return [(name, page) for name, page in contents(book) if name in titles]


# ---- named booklets, both editions


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("file", ["by-chapter", "mixed", "dated"])
def test_a_named_booklet_holds_exactly_its_essays_in_catalogue_order(project, file, edition):
    book = read_book(pdf_path(project, file, edition))
    starts = essay_starts(book)
    assert [squeeze(title) for title, _ in starts] == titles(project.expected[file], edition)
    for title, page in starts:  # each at the top of the page the contents give
        assert squeeze(body_lines(book, page)).startswith(squeeze(title)) or squeeze(title) in squeeze(body_lines(book, page))[:80], \
            f"{title} is not at the top of page {page} of {book.path.name}"
    cover = squeeze(book.texts[0])
    spec = project.booklets[file]
    from handbook.script import convert

    for part in (spec["title"], spec.get("subtitle", "")):
        assert squeeze(part if edition == "zh-Hans" else convert(part, "s2tw")) in cover
    # The cover is dated by the booklet's own newest essay, not by the whole handbook's.
    newest = max(e.date[:10] for e in project.expected[file] if e.date)
    assert tuple(map(int, re.findall(r"\d+", book.data["date"]))) == tuple(map(int, newest.split("-")))
    assert squeeze(book.data["date"]) in cover


def body_lines(book: NS, page: int) -> str:
    """The first lines of a page's body (an essay's page may begin with its chapter's name)."""
    return "".join(book.bodies[page - 1].splitlines()[:4])


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("file", ["by-chapter", "mixed"])
def test_contents_page_numbers_are_the_printed_folios(project, file, edition):
    book = read_book(pdf_path(project, file, edition))
    for name, number in contents(book):
        assert squeeze(name) in squeeze(book.bodies[number - 1]), f"{name} is not on page {number}"
        assert book.folios[number - 1] == str(number)


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_book_starts_each_essay_on_a_right_hand_page_and_a_handout_wastes_no_page(project, edition):
    book = read_book(pdf_path(project, "by-chapter", edition))
    assert all(page % 2 == 1 for _, page in essay_starts(book))
    for file in ("mixed", "dated"):
        handout = read_book(pdf_path(project, file, edition))
        blank = [n for n, text in enumerate(handout.texts, start=1) if not squeeze(text)]
        assert blank == [], f"{handout.path.name}: blank pages {blank}"
        assert squeeze("目录" if edition == "zh-Hans" else "目錄") in squeeze(handout.texts[1])  # contents right after the cover
        starts = [page for _, page in essay_starts(handout)]
        # Each essay starts on the page after the previous one ends: no right-hand-page rule.
        for previous, start in zip(starts, starts[1:]):
            assert squeeze(handout.bodies[start - 2]), f"the page before page {start} is blank"
        if len(starts) > 2:
            assert any(start % 2 == 0 for start in starts), starts


@pytest.mark.parametrize("edition", EDITIONS)
def test_fonts_are_embedded_noto_cjk(project, edition):
    from pypdf import PdfReader

    suffix = "sc" if edition == "zh-Hans" else "tc"
    for file in ("by-chapter", "mixed", "chapter-1"):  # a chapter's pages bring the handbook's fonts
        seen = set()
        for page in PdfReader(pdf_path(project, file, edition)).pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                name = str(font["/BaseFont"]).split("+", 1)[-1]
                descriptors = [d.get_object()["/FontDescriptor"].get_object() for d in font.get("/DescendantFonts", [])]
                assert descriptors and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors), name
                seen.add(name)
        assert {re.sub(r"-.*", "", n) for n in seen} == {f"NotoSerifCJK{suffix}", f"NotoSansCJK{suffix}"}, seen


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_closing_punctuation_at_line_start_nor_opening_at_line_end(project, edition):
    checked = 0
    with pdfplumber.open(pdf_path(project, "mixed", edition)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for line in page.extract_text_lines():
                text = line["text"].strip()
                checked += bool(text)
                assert not text or text[0] not in CLOSING, f"page {number}: line starts with {text[0]}: {text}"
                assert not text or text[-1] not in OPENING, f"page {number}: line ends with {text[-1]}: {text}"
    assert checked > 50


@pytest.mark.parametrize("edition", EDITIONS)
def test_imposed_booklet_has_the_pages_in_saddle_stitch_order(project, edition):
    for file in ("by-chapter", "mixed"):
        book = read_book(pdf_path(project, file, edition))
        padded = book.pages + (-book.pages) % 4
        with pdfplumber.open(pdf_path(project, file, edition, imposed=True)) as imposed:
            assert len(imposed.pages) == padded // 2
            for side, sheet in enumerate(imposed.pages):
                assert (round(sheet.width / MM), round(sheet.height / MM)) == (297, 210)
                k, back = divmod(side, 2)
                expected = (2 * k + 2, padded - 2 * k - 1) if back else (padded - 2 * k, 2 * k + 1)
                halves = (sheet.crop((0, 0, sheet.width / 2, sheet.height)), sheet.crop((sheet.width / 2, 0, sheet.width, sheet.height)))
                for half, number in zip(halves, expected):
                    source = squeeze(book.texts[number - 1]) if number <= book.pages else ""
                    assert squeeze(half.extract_text() or "") == source, f"{file}: sheet side {side + 1} should hold page {number}"


def test_traditional_edition_is_converted(project):
    hans, hant = (read_book(pdf_path(project, "mixed", e)) for e in EDITIONS)
    assert hans.pages > 2 and hant.pages > 2
    assert "專題培訓乙" in squeeze(hant.texts[0]) and "专题培训乙" in squeeze(hans.texts[0])


# ---- the sites


@pytest.fixture(scope="module")
def served(project, tmp_path_factory):
    import functools
    import http.server
    import threading

    from browser import QuietHandler

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(project.root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("edition", EDITIONS)
def test_home_page_lists_each_named_booklet_with_essays_and_pages(project, served, page, edition):
    page.goto(served + ("" if edition == "zh-Hans" else "zh-Hant/"))
    items = page.locator("li:has(.hb-booklet)")
    assert items.count() == 3
    for n, file in enumerate(["by-chapter", "mixed", "dated"]):
        book = read_book(pdf_path(project, file, edition))
        text = items.nth(n).inner_text()
        assert f"{len(project.expected[file])} 篇" in text and f"{book.pages} 页" in text.replace("頁", "页"), text
        links = items.nth(n).locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert hrefs == [f"downloads/{file}-{edition}.pdf", f"downloads/{file}-{edition}-booklet.pdf"]
        for href in hrefs:
            response = page.request.get(page.url + href)
            assert response.ok and response.body()[:5] == b"%PDF-"
        assert response.body() == pdf_path(project, file, edition, imposed=True).read_bytes()


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_chapter_page_links_its_own_pdf(project, served, page, edition):
    from handbook.script import convert

    chapters = list(dict.fromkeys(e.chapter for e in project.essays))
    for number, name in enumerate(chapters, start=1):
        page.goto(served + ("" if edition == "zh-Hans" else "zh-Hant/") + f"chapters/{name}/")
        links = page.locator(".hb-downloads a")
        hrefs = [links.nth(i).evaluate("a => a.href") for i in range(links.count())]
        assert [h.rsplit("/", 1)[1] for h in hrefs] == [f"chapter-{number}-{edition}.pdf", f"chapter-{number}-{edition}-booklet.pdf"]
        for href in hrefs:
            response = page.request.get(href)
            assert response.ok and response.body() == (project.root / "build" / "booklet" / edition / href.rsplit("/", 1)[1]).read_bytes()
        book = read_book(project.root / "build" / "booklet" / edition / f"chapter-{number}-{edition}.pdf")
        members = [e for e in project.essays if e.chapter == name]
        assert [squeeze(t) for t, _ in essay_starts(book)] == titles(members, edition)
        assert squeeze(name if edition == "zh-Hans" else convert(name, "s2tw")) in squeeze(book.texts[0])  # the cover's title


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_chapter_pdf_is_its_chapters_pages_of_the_handbook_and_its_contents_give_their_folios(project, edition):
    from pypdf import PdfReader

    folder = project.root / "build" / "booklet" / edition
    with pdfplumber.open(folder / f"handbook-{edition}.pdf") as pdf:
        handbook = [page.extract_text() or "" for page in pdf.pages]
    for number in range(1, len(dict.fromkeys(e.chapter for e in project.essays)) + 1):
        path = folder / f"chapter-{number}-{edition}.pdf"
        book, reader = read_book(path), PdfReader(path)
        labels = reader.page_labels
        first = labels.index(str(contents(book)[0][1]))
        assert first % 2 == 0 and first >= 2, labels  # after the front matter, on a right-hand page
        assert labels[:first] == ["i", "ii", "iii", "iv", "v", "vi"][:first]
        for index in range(first, book.pages):  # the handbook's pages as they are, labelled as printed (blank pages: no folio)
            assert book.folios[index] == (labels[index] if squeeze(book.texts[index]) else "")
            assert squeeze(book.texts[index]) == squeeze(handbook[int(labels[index]) - 1]), f"{path.name}: page {labels[index]}"
        for name, page in contents(book):  # each entry on the page its contents give, an essay on a right-hand page
            index = labels.index(str(page))
            assert squeeze(name) in squeeze(book.bodies[index]) and index % 2 == 0, f"{path.name}: {name} not on page {page}"
        [chapter, essays] = reader.outline[-2:]
        assert [reader.get_destination_page_number(mark) for mark in [chapter, *essays]] == \
            [labels.index(str(page)) for _, page in contents(book)]


# ---- the cache


def mtimes(project: NS) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (project.root / "build" / "booklet").glob("*/*.pdf")}


def test_an_unchanged_build_typesets_nothing_and_a_changed_essay_only_its_booklets(project):
    before = mtimes(project)
    again = run(project.root, "build")
    assert again.returncode in (0, 1) and mtimes(project) == before, again.stderr
    # An essay that one named booklet holds and another does not, edited at its seed.
    target = next(e for e in project.essays if any(e in held for held in project.expected.values())
                  and not all(e in held for held in project.expected.values()))
    # The handbook is one volume here, and every chapter's PDF is cut from it: the target's
    # chapter changes, and a later one only if its pages moved (their folios); an earlier one
    # keeps its bytes, so it is not written again.
    assert pdf_path(project, "handbook", "zh-Hans").is_file()
    chapters = list(dict.fromkeys(e.chapter for e in project.essays))
    holding = ["handbook", f"chapter-{chapters.index(target.chapter) + 1}"]
    holding += [file for file, held in project.expected.items() if target in held]
    later = [f"chapter-{n}" for n in range(chapters.index(target.chapter) + 2, len(chapters) + 1)]
    files = lambda stems: {f"{stem}-{edition}{suffix}.pdf" for edition in EDITIONS for suffix in ("", "-booklet") for stem in stems}
    seed = project.root / "seeds" / target.seed
    original = seed.read_bytes()
    encoding = seed_encoding(original)
    try:
        seed.write_bytes(original.decode(encoding).replace("。", "！", 1).encode(encoding))
        changed = run(project.root, "build")
        assert changed.returncode in (0, 1), changed.stderr
        after = mtimes(project)
        retypeset = {name for name in after if after[name] != before.get(name)}
        assert files(holding) <= retypeset <= files(holding + later), sorted(retypeset)
    finally:
        seed.write_bytes(original)
        assert run(project.root, "build").returncode in (0, 1)


def seed_encoding(data: bytes) -> str:
    """The encoding a seed's bytes read in (the generator writes UTF-8, UTF-16, GB18030 and Big5)."""
    for encoding in ("utf-8", "utf-16", "gb18030", "big5"):
        try:
            if "。" in data.decode(encoding):
                return encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("no 。 in the seed")


# ---- one booklet asked for once


def test_one_off_booklet_typesets_only_its_essays(project):
    chosen = project.essays[1::3][:3]
    before = mtimes(project)
    done = run(project.root, "booklet", "--essays", *[e.seed for e in chosen], "--title", "本周课程", "--file", "week-12",
               "--edition", "zh-Hans", "--layout", "handout")
    assert done.returncode == 0, done.stderr
    after = mtimes(project)
    assert sorted(set(after) - set(before)) == ["week-12-zh-Hans-booklet.pdf", "week-12-zh-Hans.pdf"]
    assert all(after[name] == before[name] for name in before)  # nothing else typeset again
    book = read_book(pdf_path(project, "week-12", "zh-Hans"))
    assert [squeeze(t) for t, _ in essay_starts(book)] == [squeeze(e.title) for e in chosen]
    assert "本周课程" in squeeze(book.texts[0])
    assert not (project.root / "site" / "downloads" / "week-12-zh-Hans.pdf").exists()  # asked for once: not published
    assert f"({len(chosen)} essays, {book.pages} pages)" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--words", "火星探测器", "--title", "T", "--file", "nothing"], "booklet nothing: its selection holds no essay"),
    (["--chapters", "无此章", "--title", "T", "--file", "nochapter"], "booklet nochapter: no chapter named 无此章"),
    (["--essays", "999_none.txt", "--title", "T", "--file", "noseed"], "booklet noseed: no essay from the seed 999_none.txt"),
    (["--essays", "x.txt", "--title", "T"], "--file"),
    (["--words", "窗口", "--title", "T", "--file", "bad name"], "--file"),
    (["--since", "2014-13-01", "--title", "T", "--file", "d"], "--since"),
    (["--words", "窗口", "--file", "notitle"], "booklet: --title is required"),
    (["--title", "T", "--file", "noselection"], "booklet: a booklet needs at least one of --chapters, --essays, --words, --since, --until"),
])
def test_one_off_mistakes_are_one_line_and_exit_2(project, args, message):
    done = run(project.root, "booklet", *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("booklet, message", [
    ({"title": "T", "file": "empty", "words": ["火星探测器"]}, "booklet empty: its selection holds no essay"),
    ({"title": "T", "file": "nochapter", "chapters": ["无此章"]}, "booklets[nochapter].chapters: no chapter named 无此章"),
    ({"title": "T", "file": "noseed", "essays": ["999_none.txt"]}, "booklets[noseed].essays"),
    ({"title": "T", "file": "nothing"}, "a booklet needs at least one of chapters, essays, words, since, until"),
])
def test_a_named_booklet_in_error_is_named_and_the_build_exits_2(project, tmp_path, booklet, message):
    root = tmp_path / "p"
    shutil.copytree(project.root / "seeds", root / "seeds")
    (root / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    with_booklets(root, [booklet])
    done = run(root, "build")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if message in line]
    assert len(problems) == 1


def test_one_off_booklet_by_a_word_in_traditional_characters(project):
    """The word as a Traditional reader types it selects the same essays as in Simplified."""
    from handbook.script import convert

    word = convert(project.word, "s2tw")
    done = run(project.root, "booklet", "--words", word, "--title", "专题", "--file", "by-word", "--edition", "zh-Hant")
    assert done.returncode == 0, done.stderr
    book = read_book(pdf_path(project, "by-word", "zh-Hant"))
    wanted = [e for e in project.essays if project.word in e.text]
    assert [squeeze(t) for t, _ in essay_starts(book)] == titles(wanted, "zh-Hant")
    assert not pdf_path(project, "by-word", "zh-Hans").exists()  # only the edition asked for
