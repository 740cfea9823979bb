"""Reading: raw bytes of any encoding the scrapers produce → Unicode text with LF line ends."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .essay import EssayError

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in order when there is no BOM and the bytes are not UTF-8. GB18030 is a superset of GBK
# and GB2312; Big5 is the Traditional encoding of Taiwan and Hong Kong.
LEGACY_ENCODINGS = ("gb18030", "big5")


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data``; return the text and the name of the encoding found.

    >>> decode("窗口".encode("gbk"))
    ('窗口', 'gb18030')
    >>> decode(codecs.BOM_UTF8 + "窗口".encode())
    ('窗口', 'utf-8-sig')
    """
    if not data.strip():
        raise EssayError("the file is empty")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise EssayError(f"it starts with a {encoding} byte-order mark but is not {encoding}: {error.reason} at byte {error.start}") from None
    if b"\x00" in data:
        raise EssayError("it is binary, not text (it holds NUL bytes and no UTF-16 byte-order mark)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in LEGACY_ENCODINGS:
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise EssayError("it is not text in UTF-8, UTF-16, GB18030/GBK or Big5")
    return max(candidates, key=lambda candidate: common_han_share(candidate[0]))


def common_han_share(text: str) -> float:
    """The share of Han characters that are among the everyday ones (GB2312 level 1 or Big5 level 1).

    Legacy encodings overlap: GBK bytes often decode as valid Big5 and the reverse, but the wrong
    decoding yields rare characters. The right one is the one whose characters are common.

    >>> common_han_share("窗口服务") > common_han_share("笫诩敉")
    True
    """
    han = HAN.findall(text)
    if not han:
        return 0.0
    return sum(map(_common_han().__contains__, han)) / len(han)


def _double_byte_characters(encoding: str, leads: range, trails: list[int]) -> frozenset[str]:
    pairs = (bytes((lead, trail)).decode(encoding, errors="ignore") for lead in leads for trail in trails)
    return frozenset(char for char in pairs if char)


@lru_cache(maxsize=1)
def _common_han() -> frozenset[str]:
    """GB2312 level 1 (the 3,755 most used Simplified characters) and Big5 level 1 (the 5,401 most
    used Traditional ones); made when a legacy encoding is first in doubt, not on every import."""
    return _double_byte_characters("gb2312", range(0xB0, 0xD8), list(range(0xA1, 0xFF))) | _double_byte_characters(
        "big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode's Cc, less tab and line feed
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


def is_han(char: str) -> bool:
    return HAN.match(char) is not None


def normalize_newlines(text: str) -> str:
    r"""CRLF, CR and Unicode line separators → LF.

    >>> normalize_newlines("甲\r\n乙\r丙\u2028丁")
    '甲\n乙\n丙\n丁'
    """
    return "\n".join(text.splitlines())


def read_text(data: bytes) -> tuple[str, str]:
    """Raw bytes → text with LF line ends and the encoding found; refuses what is not text."""
    text, encoding = decode(data)
    text = normalize_newlines(text)
    controls = len(_CONTROL.findall(text))
    if controls > max(3, len(text) // 100):
        raise EssayError(f"it is binary, not text ({controls} control characters in {len(text)})")
    return text, encoding
