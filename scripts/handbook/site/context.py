"""What a build run tells the MkDocs hook: which handbook configuration and which edition.

MkDocs loads ``hooks.py`` from its path as a module of its own, so state shared between
``handbook.site.build`` and the hook lives here, in a module both import the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

DEFAULT_EDITION = "zh-Hans"


@dataclass
class Run:
    config: dict[str, Any]
    edition: str = DEFAULT_EDITION
    # Where the essays sit inside the docs folder, as MkDocs paths (``essays``).
    essays_uri: str = ""
    # Set by ``serve``: seeds' modification times seen so far, to re-clean only what changed.
    serving: bool = False
    seen: dict[Path, float] = field(default_factory=dict)
    # The search entries of the pages built, by source path: the hook's as it renders them, and
    # the incremental build's for the pages it reuses.
    search_pages: dict[str, tuple] = field(default_factory=dict)
    # Where the search index keeps what it needs to update itself (``search.write_index``).
    search_cache: Path | None = None
    # Set by the hook: what its ``on_page_markdown`` makes a page of besides the page's source, or
    # None for a page it cannot say this of. While both are as last time, the incremental build
    # takes the page's Markdown and metadata after the hook from its record, not reading the page.
    page_inputs: Callable[[Any], str | None] | None = None


current: Run | None = None
# True when the running MkDocs command is `serve` (set by the hook's on_startup).
serving: bool = False
