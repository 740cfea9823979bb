"""The project's configuration, read from ``handbook.yml`` at the project's root."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = "handbook.yml"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working folder) holding handbook.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise FileNotFoundError(f"no {CONFIG_NAME} in {here} or any folder above it")


@lru_cache(maxsize=8)
def load(path: Path | None = None) -> dict[str, Any]:
    """The configuration as a dict, with ``root`` set to the folder the file lives in."""
    path = Path(path) if path else find_root() / CONFIG_NAME
    with path.open(encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    config["root"] = path.resolve().parent
    config.setdefault("essays", {})
    config["essays"] = config["essays"] or {}
    return config
