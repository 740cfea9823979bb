"""Building and previewing the site: one MkDocs build per edition, each indexed for search.

Each edition is built into a staging folder (``build/site/<edition>``) and then moved into its
``site_dir`` (``site/``, ``site/zh-Hant/``), so building one edition never wipes another nested
in it. A build is skipped when none of its inputs changed since the last one (a stamp per
edition in ``build/site``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Iterable

from ..files import files_below
from . import context

log = logging.getLogger("handbook.site")
# Material 9.8 prints an end-of-life banner on every build; the pins make it noise here.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[2]
VERSION_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "OpenCC")


def mkdocs_file(config: dict[str, Any]) -> Path:
    own = Path(config["root"]) / "mkdocs.yml"
    return own if own.is_file() else REPO_ROOT / "mkdocs.yml"


def editions(config: dict[str, Any]) -> list[str]:
    names = list(config.get("editions") or {context.DEFAULT_EDITION: {}})
    return [n for n in names if n == context.DEFAULT_EDITION or _converted_editions_supported()]


def _converted_editions_supported() -> bool:
    from importlib.util import find_spec

    return find_spec("handbook.site.edition") is not None


def site_dir(config: dict[str, Any], edition: str) -> Path:
    spec = (config.get("editions") or {}).get(edition) or {}
    return Path(config["root"]) / spec.get("site_dir", "site" if edition == context.DEFAULT_EDITION else f"site/{edition}")


def build(config: dict[str, Any], edition: str | None = None, *, force: bool = False) -> list[Path]:
    """Build ``edition`` (default: every edition in handbook.yml) into its site folder.

    Returns the site folders built (empty when everything was up to date)."""
    built = []
    for name in [edition] if edition else editions(config):
        if _build_edition(config, name, force=force):
            built.append(site_dir(config, name))
    return built


def up_to_date(config: dict[str, Any], edition: str, stamp: str | None = None) -> bool:
    """Whether ``edition``'s site was built from exactly the inputs there are now (``stamp``)."""
    stamp_file = Path(config["root"]) / "build" / "site" / f"{edition}.stamp"
    return site_dir(config, edition).joinpath("index.html").is_file() and stamp_file.is_file() \
        and stamp_file.read_text() == (stamp or _stamp(config, edition))


def _build_edition(config: dict[str, Any], edition: str, *, force: bool) -> bool:
    root = Path(config["root"])
    staging = root / "build" / "site" / edition
    target = site_dir(config, edition)
    stamp_file = root / "build" / "site" / f"{edition}.stamp"
    stamp = _stamp(config, edition)  # before building: an input changed during the build makes the next one rebuild
    if not force and up_to_date(config, edition, stamp):
        log.info("site %s: up to date", edition)
        return False
    docs_dir = _docs_dir(config, edition)
    mkdocs_build(config, edition, docs_dir, staging)
    _publish(staging, target, nested=[site_dir(config, e) for e in editions(config) if e != edition])
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    stamp_file.write_text(stamp)
    log.info("site %s: built into %s", edition, target)
    return True


def mkdocs_build(config: dict[str, Any], edition: str, docs_dir: Path, out: Path) -> None:
    """One MkDocs build (strict) of ``edition`` from ``docs_dir`` into ``out``; the hook indexes it."""
    from mkdocs.commands.build import build as run_build
    from mkdocs.config import load_config

    previous = context.current
    context.current = context.Run(dict(config), edition, essays_uri=_essays_uri(config))
    try:
        cfg = load_config(config_file=str(mkdocs_file(config)), docs_dir=str(docs_dir), site_dir=str(out), strict=True)
        if edition != context.DEFAULT_EDITION:
            cfg.theme["language"] = edition
        run_build(cfg)
    finally:
        context.current = previous


def build_nested(config: dict[str, Any], site_root: Path) -> None:
    """While serving: the other editions into their folders inside the served site."""
    for edition in editions(config):
        if edition != context.DEFAULT_EDITION:
            rel = os.path.relpath(site_dir(config, edition), site_dir(config, context.DEFAULT_EDITION))
            mkdocs_build(config, edition, _docs_dir(config, edition), site_root / rel)


def _essays_uri(config: dict[str, Any]) -> str:
    root = Path(config["root"])
    return Path(os.path.relpath(root / config["paths"]["essays"], root / "docs")).as_posix()


def _docs_dir(config: dict[str, Any], edition: str) -> Path:
    root = Path(config["root"])
    if edition == context.DEFAULT_EDITION:
        return root / "docs"
    from .edition import prepare_docs

    return prepare_docs(config, edition)


def _publish(staging: Path, target: Path, nested: Iterable[Path]) -> None:
    """Replace ``target``'s contents by ``staging``'s, keeping other editions' folders inside it.

    The staged files are moved, not copied: at 10,000 essays an edition is a gigabyte."""
    keep = {p.resolve() for p in nested}
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.resolve() in keep:
            continue
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    for child in list(staging.iterdir()):
        shutil.move(child, target / child.name)  # a rename on one file system


def _files(folder: Path) -> list[Path]:
    """The files below ``folder`` (``__pycache__`` left out), in a fixed order."""
    return [Path(path) for path in files_below(folder, skip=lambda name: name == "__pycache__")]


def _stamp(config: dict[str, Any], edition: str) -> str:
    """A digest of everything an edition's build reads."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in config.items() if k != "root"}, sort_keys=True, default=str,
                             ensure_ascii=False).encode())
    digest.update(json.dumps({p: version(p) for p in VERSION_PACKAGES}).encode())
    mkfile = mkdocs_file(config)
    # the catalogue (chapters, order) and the front-matter reader it uses are the cleaner's modules
    # (and the booklet's volume plan, which names the home page's download links)
    modules = [PACKAGE_DIR.parent / name for name in ("catalogue.py", "render.py", "essay.py", "booklet/data.py")]
    for path in [mkfile, *_files(mkfile.parent / "overrides"), *_files(PACKAGE_DIR), *modules]:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    # Thousands of pages: their size and modification time stand for their content (the cleaner
    # rewrites a page only when its bytes change, so an unchanged page keeps its time).
    for path in _files(Path(config["root"]) / "docs"):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    digest.update(edition.encode())
    return digest.hexdigest()


def serve(config: dict[str, Any], *, dev_addr: str = "127.0.0.1:8000") -> None:
    """Live preview: MkDocs' server, rebuilding on changes to docs/, seeds/, handbook.yml, the
    theme overrides and this package; changed seeds are cleaned again first (see the hook)."""
    from mkdocs.commands.serve import serve as mkdocs_serve

    if not logging.getLogger().handlers:  # say what is rebuilt, as `mkdocs serve` does
        logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    context.current = context.Run(dict(config), context.DEFAULT_EDITION, essays_uri=_essays_uri(config),
                                  serving=True)
    mkfile = mkdocs_file(config)
    root = Path(config["root"])
    mkdocs_serve(config_file=str(mkfile), docs_dir=str(root / "docs"), dev_addr=dev_addr,
                 watch=[str(root / "seeds"), str(root / "handbook.yml"), str(mkfile.parent / "overrides")],
                 livereload=True)
