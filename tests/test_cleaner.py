"""The cleaner, stage by stage and end to end, on our own damaged essays and on the seeds."""

from __future__ import annotations

import codecs
import re

import pytest

from damage import ESSAY, FOOTERS, TITLE, body_text, damage
from handbook import repair
from handbook.clean import clean_text
from handbook.config import load
from handbook.faithful import signature
from handbook.footer import Furniture, is_furniture, split_footer
from handbook.essay import Essay, EssayError
from handbook.read import read_text
from handbook.render import parse
from handbook.typography import restore_full_width_punctuation

CONFIG = load()


def clean(raw: str | bytes, source: str = "test.txt"):
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return clean_text(data, source, CONFIG)


def blocks(result) -> list[tuple[str, str]]:
    return [("h" if b.kind == "heading" else "p", b.text) for b in result.essay.blocks]


# --- 1. Reading --------------------------------------------------------------------------------

ESSAY_TEXT = TITLE + "\n" + body_text()


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),  # with BOM, little-endian here
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
        lambda t: t.encode("gbk"),
        lambda t: t.encode("gb18030"),
        lambda t: t.replace("\n", "\r\n").encode("utf-8"),
        lambda t: t.replace("\n", "\r\n").encode("gbk"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "gbk", "gb18030", "crlf", "gbk-crlf"],
)
def test_reads_every_encoding_scrapers_produce(encode):
    text, _ = read_text(encode(ESSAY_TEXT))
    assert text == ESSAY_TEXT


def test_reads_big5_and_converts_it_to_simplified():
    from handbook.script import convert

    traditional = convert(ESSAY_TEXT, "s2tw")
    result = clean(traditional.encode("big5"), "big5.txt")
    assert result.error is None and result.encoding == "big5"
    assert result.essay.meta["original_script"] == "zh-Hant"
    assert signature("".join(b.text for b in result.essay.blocks)) == signature(convert(traditional, "t2s").split("\n", 1)[1])


def test_gb18030_only_characters_survive():
    text = "标题\n㐀䶵是扩展A区的字，𠀀是扩展B区的字。"
    assert read_text(text.encode("gb18030"))[0] == text


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"  \n\r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        (bytes(range(128, 256)) * 4, "not text"),
        (b"Just some English text, no Chinese at all.", "no Chinese"),
    ],
    ids=["empty", "blank", "png", "garbage", "english"],
)
def test_refuses_what_is_not_an_essay_with_a_reason(data, reason):
    result = clean(data, "bad.txt")
    assert result.essay is None
    assert reason in result.error


def test_refuses_page_furniture_alone():
    result = clean("浏览次数:  更新时间:2014-08-30 16:50:22\n上一篇:甲\n下一篇:乙\n评论功能已关闭\n")
    assert result.essay is None and "no body text" in result.error


def test_refuses_a_title_with_no_body():
    result = clean("只有标题\n\n评论功能已关闭\n")
    assert result.essay is None and "no body" in result.error


# --- 2. Entities --------------------------------------------------------------------------------

ENTITY_FORMS = {
    "&nbsp;": " ", "&nbsp": " ", "&bsp;": " ", "&amp;nbsp;": " ", "&ampnbsp": " ",
    "&ampldquo": "“", "&ampquot": '"', "&amp;amp;quot;": '"', "&hellip;": "…", "&#160;": " ", "&#x3000;": " ",
}


@pytest.mark.parametrize("damaged, meant", ENTITY_FORMS.items(), ids=list(ENTITY_FORMS))
def test_every_form_of_entity_damage_is_repaired(damaged, meant):
    fixed = repair.apply(f"甲乙{damaged}丙丁", repair.repairs(CONFIG), repair.Counter())
    assert fixed == f"甲乙{meant}丙丁".replace("  ", " ")
    assert not re.search(r"&[#A-Za-z]", fixed)


def test_literal_ampersands_stay():
    fixed = repair.apply("AT&T 与 R&D 部门，A & B，&T", repair.repairs(CONFIG), repair.Counter())
    assert fixed == "AT&T 与 R&D 部门，A & B，&T"


def test_no_entity_residue_in_a_damaged_essay():
    result = clean(damage(seed=3))
    text = result.markdown.split("---", 2)[2]
    assert not re.search(r"&(?!#\d+;)[A-Za-z#]", text), "only the cleaner's own character references remain"
    assert "\xa0" not in result.markdown and "\u3000" not in result.markdown


def test_each_repair_is_counted_in_the_report():
    result = clean(damage(seed=1))
    assert result.essay.repairs["unescape_repeated_ampersands"] >= 1
    assert result.essay.repairs["restore_full_width_punctuation"] >= 1


# --- 3. Footer ----------------------------------------------------------------------------------

@pytest.mark.parametrize("footer", list(FOOTERS))
def test_footers_go_and_the_body_stays_whole(footer):
    result = clean(damage(footer=footer, seed=2))
    assert result.error is None
    assert signature("".join(b.text for b in result.essay.blocks)) == signature(body_text())
    assert len(result.essay.removed) == len([line for line in FOOTERS[footer] if line.strip()])


@pytest.mark.parametrize("footer, date", [("seed", "2015-03-12"), ("print", "2016-04-05"), ("traditional", "2017-11-20"), ("related", None)])
def test_footer_date_becomes_the_essays_date(footer, date):
    assert clean(damage(footer=footer)).essay.meta.get("date") == date


def test_furniture_words_inside_the_body_stay():
    raw = "标题\n正文第一段。\n上一篇文章中我们讨论了窗口服务。\n相关文章指出，窗口是门面。\n相关文章\n某文\n"
    result = clean(raw)
    assert [text for _, text in blocks(result)] == ["正文第一段。", "上一篇文章中我们讨论了窗口服务。", "相关文章指出，窗口是门面。"]
    assert result.essay.removed == ["相关文章", "某文"]


def test_a_related_list_with_a_sentence_in_it_is_not_taken_for_a_footer():
    raw = "标题\n正文。\n相关文章\n这是正文的最后一句话，不是标题列表。\n"
    result = clean(raw)
    assert blocks(result)[-1] == ("p", "这是正文的最后一句话，不是标题列表。")


@pytest.mark.parametrize(
    "line",
    ["【打印本页】【关闭窗口】", "【打印本頁】 【關閉窗口】", "字体:【大 中 小】", "字體：【大 中 小】", "扫一扫在手机打开当前页",
     "責任編輯：王芳", "上一篇:没有了", "来源：某县公安局 作者：张三 发布时间：2013-05-06 点击数：88", "網友評論《標題》"],
)
def test_common_furniture_variants_are_recognised(line):
    assert is_furniture(line, Furniture.from_config(CONFIG["cleaner"]["footer"]))


# --- 4. Title -----------------------------------------------------------------------------------

def test_title_is_repaired():
    assert clean("树立五种意识&ampnbsp&ampnbsp践行科学发展观\n\n正文。").essay.title == "树立五种意识 践行科学发展观"


def test_a_long_first_line_gives_its_glued_body_back():
    raw = "窗口服务的思考 " + "正文很长的一段话，" * 10 + "结束。\n第二段。"
    result = clean(raw)
    assert result.essay.title == "窗口服务的思考"
    assert blocks(result)[0][1].startswith("正文很长")


# --- 5. Paragraphs and outline -------------------------------------------------------------------

def test_our_damaged_essay_gets_its_outline_back():
    result = clean(damage(seed=5))
    assert result.essay.title == TITLE
    assert [(kind, text) for kind, text in blocks(result)] == ESSAY
    levels = {b.text: b.level for b in result.essay.blocks if b.kind == "heading"}
    assert levels["一、端正服务态度"] == 2 and levels["（一）热情接待每一位群众。"] == 3 and levels["1.坚持每周集中学习"] == 3
    assert levels["三、完善监督机制"] == 2


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["一、总则", "正文。", "（一）细则", "正文。", "1.条目", "正文。", "（1）小项", "正文。", "二、附则", "正文。"],
         [2, 3, 4, 5, 2]),
        (["第一，要坚持学习。内容。", "第二，要坚持实践。内容。"], [2, 2]),
        (["（一）先出现的括号级。内容。", "一、后出现的上级", "正文。", "（一）括号级。内容。"], [3, 2, 3]),
    ],
    ids=["gbt-levels", "di-yi", "higher-level-later"],
)
def test_heading_levels_follow_the_numbering(lines, expected):
    result = clean("标题\n引言。\n" + "\n".join(lines))
    assert [b.level for b in result.essay.blocks if b.kind == "heading"] == expected


def test_numbers_that_are_not_headings_stay_in_the_text():
    result = clean("标题\n1.5亿人口。\n一是一，二是二，这是常识，说明了很多道理，而这句话很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。")
    assert all(b.kind == "paragraph" for b in result.essay.blocks)


def test_a_short_line_before_no_real_paragraph_is_not_a_heading():
    assert blocks(clean("标题\n正文。\n某某派出所 张三")) == [("p", "正文。"), ("p", "某某派出所"), ("p", "张三")]


def test_editor_can_correct_a_heading(monkeypatch):
    config = dict(CONFIG, essays={"e.txt": {"headings": {"一是要学习。": 0}, "title": "改过的标题"}})
    result = clean_text("标题\n引言。\n一是要学习。内容。".encode(), "e.txt", config)
    assert result.essay.title == "改过的标题"
    assert all(b.kind == "paragraph" for b in result.essay.blocks)


# --- 6. Punctuation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("意识:一是服务,二是效率;(一)需要!对吗?", "意识：一是服务，二是效率；（一）需要！对吗？"),
        ("时间 2014-08-30 16:50:22", "时间 2014-08-30 16:50:22"),
        ("满意率50%,共1,200人", "满意率50%，共1,200人"),
        ("网址 http://x.cn/a?b=1,2 见说明", "网址 http://x.cn/a?b=1,2 见说明"),
        ("Hello, world! (Latin)", "Hello, world! (Latin)"),
        ("甲:乙:丙", "甲：乙：丙"),
        ("世界贸易组织(WTO)成员", "世界贸易组织（WTO）成员"),
    ],
)
def test_punctuation_goes_back_to_full_width_inside_chinese_only(text, expected):
    assert restore_full_width_punctuation(text) == expected
    assert restore_full_width_punctuation(expected) == expected


# --- 8. Faithful --------------------------------------------------------------------------------

def test_every_body_character_survives_once_in_order():
    for seed in range(20):
        result = clean(damage(seed=seed, footer=list(FOOTERS)[seed % len(FOOTERS)]))
        assert result.error is None, result.error
        assert signature("".join(b.text for b in parse(result.markdown).blocks)) == signature(body_text())


def plain(essay: Essay) -> str:
    """A cleaned essay as a plain-text input again: title, then one block a line."""
    return "\n".join([essay.title] + [b.text for b in essay.blocks])


def test_cleaning_clean_text_changes_nothing():
    first = clean(damage(seed=7))
    second = clean(plain(first.essay))
    assert second.essay.title == first.essay.title and second.essay.blocks == first.essay.blocks
    assert second.essay.repairs == {}


def test_a_faithfulness_failure_is_refused_not_written(monkeypatch):
    import handbook.clean as pipeline

    def lossy(essay, rules):
        essay.text = essay.text[:-3]
        return pipeline.take_title.__globals__["outline"](essay, rules)

    monkeypatch.setattr(pipeline, "outline", lossy)
    result = clean(damage())
    assert result.essay is None and "internal error" in result.error and "lost" in result.error


# --- 9. Safe Markdown ---------------------------------------------------------------------------

HOSTILE = [
    "# 不是标题", "> 不是引用", "- 不是列表", "1. 不是列表", "*重点*与_特别_", "| a | b |", "{{ config }}与{% raw %}",
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[点我](javascript:alert(1))", "`代码`与\\反斜杠",
    "~~删除~~与==标记==与^上标^", "$x$与!!!", "++ctrl+alt++",
]


def test_text_that_looks_like_markup_shows_literally_in_the_built_page():
    markdown = pytest.importorskip("markdown")
    from mkdocs.config import load_config

    site = load_config(str(CONFIG["root"] / "mkdocs.yml"))
    raw = "标题\n" + "\n".join(f"{line}的说明文字。" if i % 2 else line for i, line in enumerate(HOSTILE))
    result = clean(raw)
    assert result.error is None, result.error
    html = markdown.markdown(result.markdown.split("---", 2)[2], extensions=site["markdown_extensions"], extension_configs=site["mdx_configs"])
    html = re.sub(r'<a class="headerlink"[^>]*>[^<]*</a>', "", html)  # the site's own permalinks
    assert not re.search(r"<(script|img|em|strong|blockquote|ul|ol|li|table|code|del|mark|sup|kbd|a)\b", html)
    import html as htmllib

    shown = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
    for line in HOSTILE:
        assert signature(line) in signature(shown), line


def test_leftover_tags_become_paragraph_breaks():
    result = clean("标题\n第一段。<br/>第二段。</p><p>第三段。<span style='x'>第四段</span>的内容。")
    assert [text for _, text in blocks(result)] == ["第一段。", "第二段。", "第三段。第四段的内容。"]


# ---- OpenCC's forms of the furniture words, kept in the installed cache


@pytest.fixture
def forms_cache(tmp_path, monkeypatch):
    """``handbook.script``'s installed cache in a folder of the test's own, nothing remembered."""
    from handbook import script

    monkeypatch.setattr(script, "installed_cache", lambda name: tmp_path)
    script._known_forms.cache_clear()
    yield tmp_path / script._FORMS
    script._known_forms.cache_clear()


def test_traditional_forms_are_converted_once_then_read_back(forms_cache):
    from handbook import script

    words = ["网友评论", "更新时间", "关闭窗口", "发表评论"]
    first = script.variants(words)
    assert first[:4] == words and {"網友評論", "更新時間", "關閉窗口", "發表評論"} <= set(first)
    script._known_forms.cache_clear()
    script.converter.cache_clear()
    assert script.variants(words) == first
    assert script.converter.cache_info().currsize == 0  # no converter was built: the forms were read back


def test_forms_of_another_opencc_or_a_damaged_file_are_not_used(forms_cache):
    from handbook import script

    forms_cache.write_text('{"opencc": "0.0.1", "forms": {"s2t": {"网友评论": "偽造"}, "s2tw": {}, "s2hk": {}}}', encoding="utf-8")
    assert "偽造" not in script.variants(["网友评论"])
    forms_cache.write_text("{not json", encoding="utf-8")
    script._known_forms.cache_clear()
    assert script.variants(["网友评论"]) == ["网友评论", "網友評論"]


def test_decoded_straight_quotes_become_chinese_quotes_in_the_page():
    result = clean("标题\n推进户籍业务&quot;网上办&quot;，实行&amp;quot;一窗通办&amp;quot;。He said &quot;OK&quot;.")
    assert result.error is None, result.error
    assert [text for _, text in blocks(result)] == ["推进户籍业务“网上办”，实行“一窗通办”。He said \"OK\"."]
    assert result.essay.repairs["pair_straight_double_quotes"] == 1


def test_numbered_headings_and_plain_text_are_written_without_needless_escapes():
    result = clean("标题\n总述。\n1.警力与业务量不匹配。\n窗口民警a_b工作，AT&T公司。")
    page = result.markdown.split("---", 2)[2]
    assert "### 1.警力与业务量不匹配。" in page or "## 1.警力与业务量不匹配。" in page, page
    assert "a_b" in page and "AT&T" in page and "&#" not in page and "\\" not in page, page


@pytest.mark.parametrize("kind", sorted(__import__("bench.pathological", fromlist=["INPUTS"]).INPUTS))
def test_pathological_inputs_clean_faithfully(kind):
    """Small versions of the benchmark's hostile inputs: cleaned, every character kept (the
    faithfulness check runs inside the cleaner and refuses an essay that lost one)."""
    from bench.pathological import scrape

    raw = scrape(kind, 6000)
    result = clean(raw)
    assert result.error is None, result.error
    han = re.compile(r"[\u4e00-\u9fff]")
    kept = sum(len(han.findall(text)) for text in [block.text for block in result.essay.blocks] + result.essay.removed)
    assert kept == len(han.findall(raw.decode())) - len("标题")


def test_lone_marks_stay_as_typed_and_paired_ones_are_escaped():
    result = clean("标题\n总述。\n按5*3计，见C:\\Windows目录，[注另见，{甲同上。\n*重点*在[附件]里。")
    page = result.markdown.split("---", 2)[2]
    assert "按5*3计，见C:\\Windows目录，[注另见，{甲同上。" in page, page
    assert "\\*重点\\*在\\[附件]里。" in page, page
    assert [text for _, text in blocks(result)][-1] == "*重点*在[附件]里。"


def test_a_seed_is_recorded_by_its_real_path(tmp_path, monkeypatch):
    """The manifest names a seed by its real path (relative to the project when inside it): a
    linked seeds folder and a linked seed resolved, as ``os.path.realpath`` resolves them."""
    import os

    from handbook.batch import _relative

    root = tmp_path / "project"
    (root / "scraped").mkdir(parents=True)
    (root / "seeds").symlink_to("scraped")
    (root / "scraped" / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "elsewhere.txt").write_text("乙", encoding="utf-8")
    (root / "scraped" / "b.txt").symlink_to(tmp_path / "elsewhere.txt")
    (root / "scraped" / "c.txt").symlink_to("a.txt")
    monkeypatch.chdir(root)
    real_root, folders = os.path.realpath(root), {}
    got = [_relative(source, real_root, folders) for source in
           (str(root / "seeds" / "a.txt"), str(root / "seeds" / "b.txt"), "seeds/c.txt", "seeds/a.txt")]
    assert got == ["scraped/a.txt", os.path.realpath(tmp_path / "elsewhere.txt"), "scraped/a.txt", "scraped/a.txt"]
    assert len(folders) == 2  # the folder, named two ways, resolved once per name
