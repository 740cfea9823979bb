"""A stand-in for ``handbook.catalogue.load_catalogue`` while the cleaner's own one is being written.

Same contract: the generated Markdown in ``paths.essays`` ordered into the chapters configured in
handbook.yml. Only used when ``handbook.catalogue`` cannot be imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..essay import Essay


@dataclass
class Entry:
    path: Path
    slug: str
    essay: Essay


@dataclass
class Chapter:
    name: str
    essays: list[Entry] = field(default_factory=list)


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return yaml.safe_load(text[4:end]) or {}, text[end + 5 :]
    return {}, text


def load_catalogue(config: dict[str, Any]) -> list[Chapter]:
    folder = Path(config["root"]) / config["paths"]["essays"]
    chapters = [Chapter(c["name"]) for c in config.get("chapters") or []]
    default = Chapter(config.get("default_chapter") or "其他")
    by_name = {c.name: c for c in chapters}
    overrides = config.get("essays") or {}
    entries = []
    for path in sorted(folder.glob("*.md")):
        meta, _ = read_front_matter(path)
        meta = {k: str(v) for k, v in meta.items() if v is not None}
        essay = Essay(source=meta.get("source", path.name), title=meta.get("title", path.stem), meta=meta)
        entries.append(Entry(path, path.stem, essay))
    entries.sort(key=lambda e: (e.essay.source, e.slug))
    for entry in entries:
        wanted = (overrides.get(entry.essay.source) or {}).get("chapter")
        chapter = by_name.get(wanted) if wanted else None
        if chapter is None and wanted:
            chapter = by_name.setdefault(wanted, Chapter(wanted))
            chapters.append(chapter)
        if chapter is None:
            for candidate, spec in zip(chapters, config.get("chapters") or []):
                if any(word in entry.essay.title for word in spec.get("match") or []) or entry.essay.source in (spec.get("essays") or []):
                    chapter = candidate
                    break
        (chapter or default).essays.append(entry)
    if default.essays and default.name not in by_name:
        chapters.append(default)
    elif default.essays:
        by_name[default.name].essays.extend(default.essays)
    return [c for c in chapters if c.essays]
