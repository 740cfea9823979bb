"""Editions other than the Simplified one: the docs folder converted with OpenCC.

``prepare_docs(config, "zh-Hant")`` writes ``build/editions/zh-Hant/docs``: every page of
``docs/`` converted with the edition's OpenCC configuration (``editions.<edition>.opencc`` in
handbook.yml: s2tw by default there, s2hk, s2twp or s2t as options), file names unchanged so an
essay has the same path in every edition. A hand-written version of a page for the edition
(``docs/index.zh-Hant.md`` beside ``docs/index.md``) is used as it is instead of the conversion.
Link targets and HTML tags are kept verbatim; only text is converted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..catalogue import essay_digests, essays_folder
from ..files import files_below, read_once, write_atomic
from ..script import converter as script_converter
from .labels import edition_config

RECORD_NAME = ".converted.json"
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
    """The converted docs folder of ``edition``: a page is converted again only when its source's
    bytes or the conversion changed since the record (``.converted.json`` in the folder) was
    written, or its converted file is not as the record says."""
    root = Path(config["root"])
    source = root / "docs"
    target = root / "build" / "editions" / edition / "docs"
    conversion = _conversion(edition_config(config, edition).get("opencc"))
    record_path = target / RECORD_NAME
    record = _load_record(record_path, conversion)
    convert = None
    suffix = f".{edition}.md"
    others = tuple(f".{name}.md" for name in config.get("editions") or {} if name != edition)
    wanted: dict[str, list] = {}
    # Strings and os.path, not pathlib: ten thousand pages on every build.
    paths = files_below(source, skip=lambda name: name.startswith("."))
    present = set(paths)
    essays = str(essays_folder(config))
    known = {os.path.join(essays, name): digest for name, digest in essay_digests(config)}  # not read again
    start, target_dir = len(str(source)) + 1, str(target)
    for path in paths:
        if path.endswith(others):
            continue  # another edition's hand-written page
        rel = path[start:].replace(os.sep, "/")
        own = path.endswith(suffix)
        if own:
            rel = rel[: -len(suffix)] + ".md"
        elif path.endswith(".md") and path[: -len(".md")] + suffix in present:
            continue  # the edition's own version wins
        dest = os.path.join(target_dir, rel)
        digest = known.get(path) or read_once(path)[1]
        done = record.get(rel)
        if done and done[0] == digest and _unchanged(dest, done):
            wanted[rel] = done
            continue
        data, digest = read_once(path)
        if not own and path.endswith(".md"):
            convert = convert or converter(config, edition).convert
            data = convert_markdown(data.decode("utf-8"), convert).encode("utf-8")
        write_atomic(Path(dest), data)
        stat = os.stat(dest)
        wanted[rel] = [digest, stat.st_size, stat.st_mtime_ns]
    folders = set()
    for path in reversed(files_below(target)):  # pages removed from docs/ go here too
        rel = path[len(target_dir) + 1 :].replace(os.sep, "/")
        if rel not in wanted and rel != RECORD_NAME:
            os.unlink(path)
            folders.add(os.path.dirname(path))
    for folder in sorted(folders, reverse=True):  # the folders they leave empty
        while folder != target_dir and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)
    write_atomic(record_path, json.dumps({"conversion": conversion, "pages": wanted}))
    return target


def _conversion(scheme: str | None) -> str:
    """What a conversion is made by: the OpenCC configuration and version, and this module."""
    from importlib.metadata import version

    return f"{scheme} {version('OpenCC')} {hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}"


def _load_record(path: Path, conversion: str) -> dict[str, list]:
    """The converted pages' record, when made by ``conversion``; else (or damaged) an empty one."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return record["pages"] if record.get("conversion") == conversion and isinstance(record.get("pages"), dict) else {}
    except (OSError, ValueError, AttributeError, KeyError):
        return {}


def _unchanged(path: str, done: list) -> bool:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == done[1:]


def remove(config: dict[str, Any], edition: str) -> None:
    shutil.rmtree(Path(config["root"]) / "build" / "editions" / edition, ignore_errors=True)
