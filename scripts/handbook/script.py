"""Simplified and Traditional characters, converted with OpenCC (the ``opencc`` package)."""

from __future__ import annotations

import json
from functools import lru_cache

import opencc

from .files import installed_cache, write_atomic
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


def convert_many(texts: list[str], config_name: str) -> list[str]:
    """``convert`` of each of ``texts``, in one call to OpenCC when no text holds a line end.
    A line end is in none of OpenCC's phrases, so the texts joined by it convert as each alone,
    and one call costs less than many small ones.

    >>> convert_many(["户籍窗口", "", "网友评论"], "s2t")
    ['戶籍窗口', '', '網友評論']
    """
    if any("\n" in text for text in texts):
        return [convert(text, config_name) for text in texts]
    return converter(config_name).convert("\n".join(texts)).split("\n") if texts else []


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

    The forms are kept in the installed cache (``_known_forms``), so a clean does not build the
    three converters for the same few dozen words.
    """
    known = _known_forms()
    missing = [(name, word) for name in TRADITIONAL_STANDARDS for word in words if word not in known[name]]
    for name, word in missing:
        known[name][word] = convert(word, name)
    if missing:
        _save_forms(known)
    forms = dict.fromkeys(words)
    for name in TRADITIONAL_STANDARDS:
        forms.update(dict.fromkeys(known[name][word] for word in words))
    return list(forms)


TRADITIONAL_STANDARDS = ("s2t", "s2tw", "s2hk")
_FORMS = "forms.json"


@lru_cache(maxsize=1)
def _known_forms() -> dict[str, dict[str, str]]:
    """{standard: {word: its form}} as this OpenCC converted them before; nothing from another version."""
    folder = installed_cache("opencc")
    try:
        saved = json.loads((folder / _FORMS).read_text(encoding="utf-8")) if folder else {}
    except (OSError, ValueError):
        saved = {}
    forms = saved.get("forms") if saved.get("opencc") == opencc.__version__ else None
    return {name: dict((forms or {}).get(name) or {}) for name in TRADITIONAL_STANDARDS}


def _save_forms(known: dict[str, dict[str, str]]) -> None:
    folder = installed_cache("opencc")
    if folder:
        write_atomic(folder / _FORMS, json.dumps({"opencc": opencc.__version__, "forms": known}, ensure_ascii=False, sort_keys=True))
