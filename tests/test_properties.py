"""Properties of the cleaner on arbitrary input (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings, strategies as st

from damage import FOOTERS, TITLE, body_text, damage
from handbook.clean import clean_text
from handbook.config import load
from handbook.faithful import signature
from handbook.render import escape, parse, unescape

CONFIG = load()
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like a scrape: Chinese, both widths of punctuation, entity debris, tags, spaces.
pieces = st.sampled_from(
    ["窗口", "服务", "群众", "一是", "（一）", "(二)", "1.", "一、", "，", ",", "。", ":", "：", ";", "！", "?", "(", ")", "“", "”",
     "《", "》", " ", "\n", "\n\n", "&nbsp;", "&bsp;", "&ampnbsp", "&amp;amp;quot;", "&#160;", "<br/>", "<p>", "<span>", "*", "#",
     "- ", "> ", "|", "{{", "}}", "\\", "`", "AT&T", "16:50:22", "1,000", "http://a.cn/?x=1", "浏览次数:", "更新时间:2014-08-30",
     "相关文章", "评论功能已关闭", "\u3000", "\xa0", "上一篇:", "\r\n", "號", "網友評論"]
)
scrapes = st.lists(pieces, min_size=1, max_size=60).map("".join)


@PROFILE
@given(st.binary(max_size=2000))
def test_never_crashes_on_arbitrary_bytes(data):
    result = clean_text(data, "x.txt", CONFIG)
    assert (result.essay is None) != (result.error is None)


@PROFILE
@given(st.text(max_size=500))
def test_never_crashes_on_arbitrary_text(text):
    result = clean_text(text.encode("utf-8", "surrogatepass"), "x.txt", CONFIG)
    assert (result.essay is None) != (result.error is None)


@PROFILE
@given(scrapes)
# found by this test: footers glued behind a lost line break or a sentence's end, a related list
# glued onto a line, a numbering level first seen in a split paragraph, a lost line break after an
# ASCII ? that typography makes full width
@example("窗口窗口窗口窗口AT&T16:50:22窗口 更新时间:2014-08-3016:50:22http://a.cn/?x=1")
@example("窗口\n窗口 浏览次数:http://a.cn/?x=1")
@example("窗口\n一是;上一篇:;窗口")
@example("窗口\r\n窗口 相关文章 窗口")
@example("窗口<br/>窗口 相关文章\n窗口")
@example("窗口\n相关文章&nbsp;窗口\n窗口")
@example("窗口\r\n1.;（一）")
@example("窗口\n一是;相关文章 窗口")
@example("窗口窗口窗口窗口AT&T16:50:22http://a.cn/?x=1網友評論?&nbsp;窗口http://a.cn/?x=1窗口 窗口")
def test_accepted_essays_are_faithful_and_cleaning_them_again_changes_nothing(raw):
    first = clean_text(raw.encode(), "x.txt", CONFIG)
    if first.essay is None:
        assert first.error and "internal error" not in first.error, first.error
        return
    again = clean_text(("\n".join([first.essay.title] + [b.text for b in first.essay.blocks])).encode(), "x.txt", CONFIG)
    assert again.error is None, again.error
    assert again.essay.title == first.essay.title
    assert again.essay.blocks == first.essay.blocks
    assert parse(first.markdown).blocks == first.essay.blocks


@PROFILE
@given(st.integers(0, 10_000), st.sampled_from(sorted(FOOTERS)), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
def test_damaged_essays_keep_every_character_of_their_body(seed, footer, encoding):
    raw = damage(seed=seed, footer=footer)
    result = clean_text(raw.replace("\n", "\r\n" if seed % 2 else "\n").encode(encoding), "x.txt", CONFIG)
    assert result.error is None, result.error
    assert result.essay.title == TITLE
    assert signature("".join(b.text for b in parse(result.markdown).blocks)) == signature(body_text())


# Markdown's own characters, HTML and template openers, in every neighbourhood.
marked = st.lists(st.sampled_from(
    ["窗口", "a", "1", "1.", "2)", " ", "*", "_", "__", "`", "[", "]", "(", ")", "![", "{", "}", "{{", "{%", "{:", "#", "##", ">", "-", "+",
     "!!!", "<", "<b>", "</p>", "<!--", "<http://a.cn>", "&", "&amp;", "&#42;", "&copy;", "&copy", "\\", "~~", "==", "^^", "++", "|", "$",
     "。", "“", "”"]), min_size=1, max_size=25).map("".join).map(lambda s: " ".join(s.split()))


@PROFILE
@given(marked, st.booleans())
def test_escaped_text_shows_exactly_itself_in_the_built_page(text, heading):
    """What the site's Markdown makes of an escaped paragraph or heading is that text, no markup."""
    import html
    import re

    import markdown
    from mkdocs.config import load_config

    if not text:
        return
    site = SITE.setdefault("config", load_config(str(CONFIG["root"] / "mkdocs.yml")))
    source = ("## " if heading else "") + escape(text, heading=heading)
    page = markdown.markdown(source, extensions=site["markdown_extensions"], extension_configs=site["mdx_configs"])
    page = re.sub(r'<a class="headerlink"[^>]*>[^<]*</a>', "", page)
    inner = re.fullmatch(r'<(h2)[^>]*>(.*)</h2>|<(p)>(.*)</p>', page, re.S)
    assert inner, (source, page)
    body = inner.group(2) if heading else inner.group(4)
    assert "<" not in body, (source, page)  # no element: emphasis, code, link, tag
    assert html.unescape(body) == text, (source, page)
    assert unescape(escape(text, heading=heading)) == text


SITE: dict = {}
