"""Reading: raw bytes of any encoding the scrapers produce → Unicode text with LF line ends."""

from __future__ import annotations

import codecs
import unicodedata

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
    han = [c for c in text if is_han(c)]
    if not han:
        return 0.0
    return sum(is_common_han(c) for c in han) / len(han)


def is_common_han(char: str) -> bool:
    try:
        if 0xB0 <= char.encode("gb2312")[0] <= 0xD7:  # GB2312 level 1: the 3,755 most used
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA4 <= char.encode("big5")[0] <= 0xC6  # Big5 level 1: the 5,401 most used
    except UnicodeEncodeError:
        return False


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\U00020000" <= char <= "\U0003134f"


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
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t")
    if controls > max(3, len(text) // 100):
        raise EssayError(f"it is binary, not text ({controls} control characters in {len(text)})")
    return text, encoding
