"""Editions other than the Simplified one: the docs folder converted with OpenCC.

``prepare_docs(config, "zh-Hant")`` writes ``build/editions/zh-Hant/docs``: every page of
``docs/`` converted with the edition's OpenCC configuration (``editions.<edition>.opencc`` in
handbook.yml: s2tw by default there, s2hk, s2twp or s2t as options), file names unchanged so an
essay has the same path in every edition. A hand-written version of a page for the edition
(``docs/index.zh-Hant.md`` beside ``docs/index.md``) is used as it is instead of the conversion.
Link targets and HTML tags are kept verbatim; only text is converted.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from ..script import converter as script_converter
from .labels import edition_config

# What is not text: link targets `](…)`, reference definitions, HTML tags and comments, code.
VERBATIM = re.compile(r"\]\([^)\n]*\)|^\s*\[[^\]\n]+\]:.*$|<!--.*?-->|<[^>\n]+>|`[^`\n]*`", re.M | re.S)


def converter(config: dict[str, Any], edition: str):
    scheme = edition_config(config, edition).get("opencc")
    if not scheme:
        raise ValueError(f"edition {edition} has no `opencc` configuration in handbook.yml")
    return script_converter(scheme)


def convert_markdown(text: str, convert) -> str:
    """``text`` with everything but link targets, tags, comments and code converted."""
    out, last = [], 0
    for match in VERBATIM.finditer(text):
        out.append(convert(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(convert(text[last:]))
    return "".join(out)


def prepare_docs(config: dict[str, Any], edition: str) -> Path:
    """The converted docs folder of ``edition`` (rewritten only where a page changed)."""
    root = Path(config["root"])
    source = root / "docs"
    target = root / "build" / "editions" / edition / "docs"
    convert = converter(config, edition).convert
    suffix = f".{edition}.md"
    others = tuple(f".{name}.md" for name in config.get("editions") or {} if name != edition)
    wanted: set[Path] = set()
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.name.endswith(others):
            continue  # another edition's hand-written page
        if path.name.endswith(suffix):
            dest = target / rel.with_name(path.name[: -len(suffix)] + ".md")
            content = path.read_bytes()
        else:
            dest = target / rel
            hand_written = path.with_name(path.stem + suffix)
            if path.suffix == ".md" and hand_written.is_file():
                continue  # the edition's own version wins
            content = (convert_markdown(path.read_text(encoding="utf-8"), convert).encode("utf-8")
                       if path.suffix == ".md" else path.read_bytes())
        wanted.add(dest)
        if not dest.is_file() or dest.read_bytes() != content:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content)
    for path in sorted(target.rglob("*"), reverse=True):  # pages removed from docs/ go here too
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return target


def remove(config: dict[str, Any], edition: str) -> None:
    shutil.rmtree(Path(config["root"]) / "build" / "editions" / edition, ignore_errors=True)
