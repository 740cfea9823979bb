"""The words the generated pages use (in Simplified), and their conversion for other editions."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..script import convert as script_convert, convert_many

LABELS = {
    "home": "首页",
    "catalogue": "目录",
    "chapter_page": "本章目录",
    "count": "共 {n} 篇",
    "group": "第 {n} 组",                     # the n-th group of a large chapter's essays
    "group_of_groups": "第 {n} 部分",         # the n-th group of groups, in a very large chapter
    "group_title": "{parent} · {group}",      # a group page's title: its parent's, then its label
    "group_span": "从《{first}》到《{last}》",  # under a group's link: its first and last essays
    "parent": "上一级：",                      # a group page's link to the page listing it
    "date": "日期：",
    "source": "来源：",
    "chapter": "章节：",
    "date_words": "{y}年{m}月{d}日",
    "search_placeholder": "搜索",
    "search_hint": "输入词语搜索全部文章",
    "search_none": "没有找到包含“{q}”的文章",
    "search_count": "找到 {n} 篇文章",
    "search_count_unsure": "找到 {n} 篇文章；另有 {m} 篇可能包含，尚未核对（显示更多时核对）",
    "search_more": "显示更多",
    "search_loading": "正在搜索……",
    "search_error": "搜索暂时不可用",
    "edition": "版本",
    "downloads": "下载：",
    "pdf": "PDF 版",
    "booklet_pdf": "骑马钉印刷版",
    "chapter_downloads": "本章下载：",
    "named_booklets": "培训专题手册",
    "named_booklet_size": "{n} 篇文章，{p} 页",
    # meta descriptions (search engines' and link previews' one-line summary of a page)
    "description_home": "《{title}》{subtitle}，收录 {n} 篇文章，分{chapters} {c} 章。",
    "description_listing": "《{title}》{page}，共 {n} 篇文章，从《{first}》到《{last}》。",
    "description_essay": "《{essay}》，收入《{title}》{chapter}一章。",
}


def edition_config(config: dict[str, Any], edition: str) -> dict[str, Any]:
    return (config.get("editions") or {}).get(edition) or {}


def convert(text: str, edition: str, config: dict[str, Any]) -> str:
    """``text`` (Simplified) as the edition writes it; unchanged for the Simplified edition."""
    scheme = edition_config(config, edition).get("opencc")
    if not scheme or not text:
        return text
    return script_convert(text, scheme)


def labels(edition: str, config: dict[str, Any]) -> dict[str, str]:
    return {key: convert(value, edition, config) for key, value in LABELS.items()}


def convert_sections(sections, edition: str, config: dict[str, Any]):
    """``sections`` with their names and their items' chapters, titles and summaries as the
    edition writes them, converted in one call (``convert_many``) rather than one per text."""
    scheme = edition_config(config, edition).get("opencc")
    texts = [text for s in sections for text in (s.name, *(t for i in s.items for t in (i.chapter, i.title, i.summary)))]
    converted = iter(convert_many(texts, scheme) if scheme else texts)
    return [replace(s, name=next(converted),
                    items=[replace(i, chapter=next(converted), title=next(converted), summary=next(converted)) for i in s.items])
            for s in sections]


def date_words(date: str, words: dict[str, str]) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date.strip())
    if not match:
        return date
    y, m, d = match.groups()
    return words["date_words"].format(y=y, m=int(m), d=int(d))

