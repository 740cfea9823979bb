"""Simplified and Traditional characters, converted with OpenCC (the ``opencc`` package)."""

from __future__ import annotations

from functools import lru_cache

import opencc

from .read import HAN


@lru_cache(maxsize=None)
def converter(config_name: str) -> opencc.OpenCC:
    """A cached OpenCC converter for a configuration such as ``t2s``, ``s2tw`` or ``s2hk``."""
    return opencc.OpenCC(config_name)


def convert(text: str, config_name: str) -> str:
    """Convert ``text`` with OpenCC's ``config_name``.

    >>> convert("網友評論", "t2s")
    '网友评论'
    >>> convert("户籍窗口", "s2tw")
    '戶籍窗口'
    """
    return converter(config_name).convert(text)


def traditional_share(text: str) -> float:
    """The share of Han characters that OpenCC's t2s would change: near 0 for Simplified text.

    >>> traditional_share("公安機關聯繫群眾的窗口") > 0.3
    True
    >>> traditional_share("公安机关联系群众的窗口")
    0.0
    """
    han = "".join(HAN.findall(text))
    if not han:
        return 0.0
    simplified = convert(han, "t2s")
    if simplified == han:
        return 0.0
    return sum(map(str.__ne__, han, simplified)) / len(han)


def variants(words: list[str]) -> list[str]:
    """``words`` as written, plus their forms in OpenCC's Traditional standards (s2t, s2tw, s2hk).

    >>> variants(["网友评论"])
    ['网友评论', '網友評論']
    """
    forms = dict.fromkeys(words)
    for config_name in ("s2t", "s2tw", "s2hk"):
        forms.update(dict.fromkeys(convert(word, config_name) for word in words))
    return list(forms)
