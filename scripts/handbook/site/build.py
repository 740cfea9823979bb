"""Building and previewing the site: one MkDocs build per edition, each indexed for search.

Each edition is built into a working copy, ``build/site/<edition>``, that persists between
builds: ``handbook.site.incremental`` renders again only the pages whose inputs changed. The
finished copy is then published at once: its files are hard-linked into a new folder
``build/published/<edition>.<n>``, and the edition's ``site_dir`` (``site/``, ``site/zh-Hant/``)
is a symbolic link switched to it by one rename, so a web server serving ``site/`` never sees a
partial or empty site. The previous version is kept until the next publication, for requests under
way. An edition nested in another (``site/zh-Hant`` inside ``site/``) is a link inside the other's
folder, carried over to each new version of it, as are the booklets' ``downloads/``.

A build is skipped when none of its inputs changed since the last one and its published files
are as it left them (a stamp per edition in ``build/site``: the inputs' digest and the outputs'
listing), so a deleted or damaged page of ``site/`` is built again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ..files import RACY_NS, files_below, identity, write_atomic, written_here
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


def overrides_dir(mkfile: Path) -> Path:
    """The theme's ``custom_dir`` that ``mkfile`` names (relative to it), else ``overrides`` beside it."""
    import re

    found = re.search(r"^\s+custom_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", mkfile.read_text(encoding="utf-8"), re.M)
    return mkfile.parent / (found.group(1) if found else "overrides")


def editions(config: dict[str, Any]) -> list[str]:
    names = list(config.get("editions") or {context.DEFAULT_EDITION: {}})
    return [n for n in names if n == context.DEFAULT_EDITION or _converted_editions_supported()]


def _converted_editions_supported() -> bool:
    from importlib.util import find_spec

    return find_spec("handbook.site.edition") is not None


def site_dir(config: dict[str, Any], edition: str) -> Path:
    spec = (config.get("editions") or {}).get(edition) or {}
    return Path(config["root"]) / spec.get("site_dir", "site" if edition == context.DEFAULT_EDITION else f"site/{edition}")


def build(config: dict[str, Any], edition: str | None = None, *, force: bool = False, publish: bool = True,
          stamp: str | None = None) -> list[Path]:
    """Build ``edition`` (default: every edition in handbook.yml) and publish it into its site
    folder; with ``publish=False`` leave it staged for ``publish_staged``. ``stamp``: ``edition``'s
    (``stamp``), when the caller has just made it.

    Returns the site folders built (empty when everything was up to date)."""
    built = []
    for name in [edition] if edition else editions(config):
        if _build_edition(config, name, force=force, stamp=stamp if edition else None):
            built.append(site_dir(config, name))
    if publish:
        publish_staged(config)
        wait_behind()
    return built


def up_to_date(config: dict[str, Any], edition: str, stamp: str | None = None) -> bool:
    """Whether ``edition``'s published site was built from exactly the inputs there are now
    (``stamp``) and its files are as the build left them (walked only when the inputs are)."""
    stamp_file = _folder(config) / f"{edition}.stamp"
    if not (site_dir(config, edition).joinpath("index.html").is_file() and stamp_file.is_file()):
        return False
    built_from, _, files = stamp_file.read_text().partition("\n")
    return built_from == (stamp or inputs_stamp(config, edition)) and files == f"{_listing(config, edition)}\n"


def _folder(config: dict[str, Any]) -> Path:
    return Path(config["root"]) / "build" / "site"


def _build_edition(config: dict[str, Any], edition: str, *, force: bool, stamp: str | None = None) -> bool:
    staging = _folder(config) / edition
    stamp = stamp or inputs_stamp(config, edition)  # before building: an input changed during the build makes the next one rebuild
    if not force and up_to_date(config, edition, stamp):
        log.info("site %s: up to date", edition)
        return False
    pending = _folder(config) / f"{edition}.pending"
    pending.unlink(missing_ok=True)
    mkdocs_build(config, edition, _docs_dir(config, edition), staging)
    # The new version linked here, beside the other steps, not in the publication that waits for them all.
    _, listing = _make_version(config, edition, staging)
    pending.write_text(f"{stamp}\n{listing}")  # the staged build is complete
    log.info("site %s: built", edition)
    return True


def publish_staged(config: dict[str, Any]) -> list[str]:
    """Publish every edition whose build is complete and staged, outer folders first; the editions published."""
    published = []
    for edition in sorted(editions(config), key=lambda e: len(site_dir(config, e).parts)):
        pending = _folder(config) / f"{edition}.pending"
        staging = _folder(config) / edition
        if pending.is_file() and staging.is_dir():
            stamp, _, listing = pending.read_text().partition("\n")
            ready = _ready(config, edition)
            if not (listing and ready.is_dir()):  # staged by a build that did not make its version
                ready, listing = _make_version(config, edition, staging)
            _publish(config, edition, ready)
            _link_next_behind(config, edition, staging)
            (_folder(config) / f"{edition}.stamp").write_text(f"{stamp}\n{listing}\n")
            pending.unlink()
            published.append(edition)
            log.info("site %s: published in %s", edition, site_dir(config, edition))
    return published


def mkdocs_build(config: dict[str, Any], edition: str, docs_dir: Path, out: Path, record: Path | None = None) -> None:
    """One MkDocs build (strict) of ``edition`` from ``docs_dir`` into the working copy ``out``,
    rendering only what changed since the build ``record`` (default: ``out`` + ``.pages``)
    describes; the hook indexes it."""
    from mkdocs.config import load_config

    from . import incremental

    previous = context.current
    context.current = context.Run(dict(config), edition, essays_uri=_essays_uri(config))
    try:
        cfg = load_config(config_file=str(mkdocs_file(config)), docs_dir=str(docs_dir), site_dir=str(out), strict=True)
        if edition != context.DEFAULT_EDITION:
            cfg.theme["language"] = edition
        incremental.build(cfg, record or out.with_name(out.name + ".pages"), global_parts(config, edition),
                          keep=_kept_folders(config, edition))
    finally:
        context.current = previous


def preload(config: dict[str, Any]) -> None:
    """Import what an edition's build imports: its modules, MkDocs, and the theme and Markdown
    extensions its configuration names (``handbook build`` does this before forking the sites, so
    that each does not import them again)."""
    from mkdocs.config import load_config

    from . import hooks, incremental, search  # noqa: F401

    load_config(config_file=str(mkdocs_file(config)), docs_dir=str(Path(config["root"]) / "docs"))


def global_parts(config: dict[str, Any], edition: str) -> dict[str, str]:
    """The digests of what every page of ``edition`` is made from (``incremental.global_parts``)."""
    from importlib.metadata import version

    from . import incremental

    mkfile = mkdocs_file(config)
    return incremental.global_parts(config, edition, mkfile, overrides_dir(mkfile), _code_files(),
                                    {p: version(p) for p in VERSION_PACKAGES})


def _kept_folders(config: dict[str, Any], edition: str) -> list[str]:
    """The folders inside ``edition``'s site that other steps fill: the downloads, nested editions
    (as paths, not resolved: a published edition's folder is a link into its version)."""
    here = site_dir(config, edition)
    nested = [os.path.relpath(site_dir(config, e), here) for e in editions(config) if e != edition]
    return ["downloads"] + [Path(path).as_posix() for path in nested if not path.startswith("..")]


# While serving: held by a rebuild of the default edition, and then by the other editions' build,
# which runs behind it (the browser reloads as soon as the default edition is built).
_serving = threading.Lock()
_served: set[Path] = set()  # the served sites whose other editions were built once


def _build_editions_served(config: dict[str, Any], site_root: Path) -> None:
    for edition in editions(config):
        if edition != context.DEFAULT_EDITION:
            rel = os.path.relpath(site_dir(config, edition), site_dir(config, context.DEFAULT_EDITION))
            try:
                mkdocs_build(config, edition, _docs_dir(config, edition), site_root / rel,
                             _folder(config) / f"serve-{edition}.pages")
            except Exception as error:  # noqa: BLE001 - the preview goes on; the next save tries again
                log.warning("handbook: the %s edition was not built: %s", edition, error)


def build_nested(config: dict[str, Any], site_root: Path, index: Callable[[], Any]) -> None:
    """While serving: ``index`` (the default edition's search index), then the other editions into
    their folders inside the served site; the first time before the server starts, then in a
    thread of their own that starts once the default edition's build is over, so that the browser
    shows a saved change without waiting for them."""
    first = site_root not in _served
    _served.add(site_root)

    def work() -> None:
        index()
        _build_editions_served(config, site_root)

    def behind() -> None:
        with _serving:
            work()

    if first:  # the default edition's build holds the lock: this one runs in its stead
        work()
    else:
        threading.Thread(target=behind, name="handbook-editions", daemon=True).start()


def _essays_uri(config: dict[str, Any]) -> str:
    root = Path(config["root"])
    return Path(os.path.relpath(root / config["paths"]["essays"], root / "docs")).as_posix()


def _docs_dir(config: dict[str, Any], edition: str) -> Path:
    root = Path(config["root"])
    if edition == context.DEFAULT_EDITION:
        return root / "docs"
    from .edition import prepare_docs

    return prepare_docs(config, edition)


def _store(config: dict[str, Any]) -> Path:
    """Where the published versions of the sites are kept."""
    return Path(config["root"]) / "build" / "published"


def _ready(config: dict[str, Any], edition: str) -> Path:
    """Where ``edition``'s next version waits to be published."""
    return _store(config) / f".{edition}.ready"


def _versions_but(config: dict[str, Any], edition: str, *kept: Path | None) -> list[Path]:
    """``edition``'s published versions other than ``kept``, oldest first."""
    return sorted((old for old in _store(config).glob(f"{edition}.*") if old not in kept and old.is_dir()),
                  key=lambda old: old.name)


def _make_version(config: dict[str, Any], edition: str, staging: Path) -> tuple[Path, str]:
    """``edition``'s next version (``_ready``): hard links to exactly the files of the working copy
    ``staging``; and its listing (``_listing``). It is made from the version before the live one,
    whose files the working copy's mostly are (``_mirror``: only the folders that changed are
    compared, and only the files that changed are linked again), or the ready one a build left
    unpublished; the live one is never touched."""
    store = _store(config)
    store.mkdir(parents=True, exist_ok=True)
    ready = _ready(config, edition)
    target = site_dir(config, edition)
    live = target.resolve() if target.is_dir() else None
    if not ready.is_dir():
        earlier = _versions_but(config, edition, live)
        if earlier:  # the working copy's files are never written into: a version shares most of them
            _rename_version(earlier[-1], ready)
    skip = frozenset(_kept_folders(config, edition))
    if ready.is_dir():
        listing = _mirror(str(staging), str(ready), _folders_record(ready), skip)
    else:
        listing = _link_tree(str(staging), str(ready), _folders_record(ready), skip=skip)
    return ready, listing


def _publish(config: dict[str, Any], edition: str, ready: Path) -> None:
    """Publish the version ``ready`` as ``edition``: what other steps keep in the published
    folder carried over to it, then one atomic switch of the edition's link."""
    store = ready.parent
    version = store / f"{edition}.{time.time_ns()}"
    for left in store.glob(f".{edition}.*.gone"):  # of a build that ended half-way
        _remove_behind(left)
    for left in store.glob(f".{edition}.*{FOLDERS}"):  # of a version gone, or renamed by a build killed half-way
        if not left.with_name(left.name[1:-len(FOLDERS)]).is_dir() and not left.with_name(left.name[:-len(FOLDERS)]).is_dir():
            left.unlink(missing_ok=True)
    target = site_dir(config, edition)
    live = target.resolve() if target.is_dir() else None
    _rename_version(ready, version)
    if live is not None:
        # What other steps keep in the published folder: the booklets' PDFs, nested editions.
        if (live / "downloads").is_dir() and not (version / "downloads").exists():
            _link_tree(str(live / "downloads"), str(version / "downloads"))
        for other in editions(config):
            inner = site_dir(config, other)
            if other != edition and inner.parent.resolve() == live:  # nested in this edition's folder
                if inner.is_symlink():
                    _link(version / inner.name, inner.resolve())
                elif inner.is_dir():  # published before links were used: moved to the store once
                    moved = store / f"{other}.{time.time_ns()}"
                    os.rename(inner, moved)
                    _link(inner, moved)
                    _link(version / inner.name, moved)
    if target.is_dir() and not target.is_symlink():  # published before links were used
        os.rename(target, store / f"{edition}.{time.time_ns()}")
    target.parent.mkdir(parents=True, exist_ok=True)
    _link(target, version)
    for old in _versions_but(config, edition, version, live):  # the previous version stays, for requests under way
        _remove_behind(old)


# The work on versions left to threads while the build goes on (``_behind``); ``wait_behind`` ends it.
_threads: list[threading.Thread] = []


def _behind(work: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``work`` in a thread of its own, while the build goes on (tens of thousands of entries
    take seconds to link or remove)."""
    thread = threading.Thread(target=work, args=args, kwargs=kwargs, name="handbook-versions")
    thread.start()
    _threads.append(thread)


def _remove_behind(folder: Path) -> None:
    """Remove ``folder``: renamed at once out of the versions' names, then deleted behind."""
    gone = folder if folder.name.endswith(".gone") else folder.with_name(f".{folder.name.lstrip('.')}.gone")
    if gone != folder:
        os.rename(folder, gone)
        _folders_record(folder).unlink(missing_ok=True)
    _behind(shutil.rmtree, gone, ignore_errors=True)


def _rename_version(folder: Path, to: Path) -> None:
    """Rename the version ``folder`` and its folders' record (``_folders_record``)."""
    os.rename(folder, to)
    record = _folders_record(folder)
    if record.is_file():
        os.replace(record, _folders_record(to))


def _link_next_behind(config: dict[str, Any], edition: str, staging: Path) -> None:
    """After ``edition``'s first publication, its next version linked behind (while the booklets
    are typeset): with no version before the live one to recycle, the next build would link all
    of it, 20,000 entries at 10,000 essays, before its sites could go live."""
    ready = _ready(config, edition)
    if not ready.exists() and not _versions_but(config, edition, site_dir(config, edition).resolve()):
        _behind(_link_tree, str(staging), str(ready), _folders_record(ready), skip=frozenset(_kept_folders(config, edition)))


def wait_behind() -> None:
    """Wait until the work left to threads is done."""
    while _threads:
        _threads.pop().join()


def _mirror(source: str, target: str, record: Path | None = None, skip: frozenset[str] = frozenset()) -> str:
    """Make the folder ``target`` hold hard links to exactly the files below ``source``, linking
    again only those whose file (inode) is not the one ``source`` has; return its listing
    (``_tree_digest``, leaving out the paths ``skip`` names).

    With ``record`` (``_folders_record``): a folder below the top is compared only when it or its
    counterpart in ``target`` changed since ``target`` was last made so (their identities, kept
    in the record and trusted as ``files.digests`` trusts a file's); else only its sub-folders
    are visited, and the listing of its files is the record's. A folder's identity moves with
    every name added, removed or renamed in it, and the working copy's files are only ever
    replaced, never written into. The top folder is always compared: publication adds the
    downloads and the nested editions there."""
    known, since = _load_folders(record, target, skip)
    if record is not None:
        record.unlink(missing_ok=True)  # until ``target`` is whole again
    found: dict[str, list] = {}
    below: dict[str, list[str]] = {}
    for rel in known:
        if rel:
            parent, _, name = rel.rpartition("/")
            below.setdefault(parent, []).append(name)

    def sync(source: str, target: str, rel: str) -> str:
        mark = identity(os.stat(source))
        kept = known.get(rel)
        if rel and kept is not None and kept[:8] == mark + identity(os.stat(target)) and max(mark[3], kept[7]) < since - RACY_NS:
            found[rel] = kept
            return _folder_digest(kept[8], [(name, sync(os.path.join(source, name), os.path.join(target, name), _below(rel, name)))
                                            for name in below.get(rel, ()) if _below(rel, name) not in skip])
        with os.scandir(source) as entries:
            wanted = {entry.name: entry for entry in entries}
        with os.scandir(target) as entries:
            present = {entry.name: entry for entry in entries}
        folders = []
        for name, there in present.items():
            entry = wanted.get(name)
            path, child = os.path.join(target, name), _below(rel, name)
            if entry is not None and entry.is_dir() and there.is_dir(follow_symlinks=False):
                folders.append((name, sync(entry.path, path, child)))
            elif entry is None or entry.is_dir() or there.is_dir(follow_symlinks=False) or entry.inode() != there.inode():
                if there.is_dir(follow_symlinks=False):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
                if entry is not None:
                    folders.append((name, _hard_link(entry, path, found, child, skip)))
        for name, entry in wanted.items():
            if name not in present:
                folders.append((name, _hard_link(entry, os.path.join(target, name), found, _below(rel, name), skip)))
        files = _files_digest((name, entry.stat()) for name, entry in wanted.items()
                              if not entry.is_dir() and _below(rel, name) not in skip)
        found[rel] = mark + identity(os.stat(target)) + [files]
        return _folder_digest(files, [(name, digest) for name, digest in folders
                                      if digest is not None and _below(rel, name) not in skip])

    try:
        listing = sync(source, target, "")
    except FileNotFoundError:  # a folder the record knows is gone: both compared whole
        if not known:
            raise
        known.clear()
        found.clear()
        listing = sync(source, target, "")
    if record is not None:
        _save_folders(record, found, skip)
    return listing


def _link_tree(source: str, target: str, record: Path | None = None, found: dict[str, list] | None = None,
               rel: str = "", skip: frozenset[str] = frozenset()) -> str:
    """``target``: a new folder of hard links to the files below ``source`` (``shutil.copytree``
    with ``os.link`` makes the same, at ten times the cost, copying each folder's times too);
    its listing returned (``_mirror``), the folders' identities written to ``record`` or put in
    ``found``."""
    found = {} if found is None else found
    mark = identity(os.stat(source))
    os.mkdir(target)
    files, folders = [], []
    with os.scandir(source) as entries:
        for entry in entries:
            child = _below(rel, entry.name)
            digest = _hard_link(entry, os.path.join(target, entry.name), found, child, skip)
            if child in skip:
                continue
            if digest is None:
                files.append((entry.name, entry.stat()))
            else:
                folders.append((entry.name, digest))
    listed = _files_digest(files)
    found[rel] = mark + identity(os.stat(target)) + [listed]
    if record is not None:
        _save_folders(record, found, skip)
    return _folder_digest(listed, folders)


def _hard_link(entry: os.DirEntry, path: str, found: dict[str, list] | None = None, rel: str = "",
               skip: frozenset[str] = frozenset()) -> str | None:
    """``path``: a hard link to the file ``entry``, or a folder of links to the files below it,
    whose listing is returned."""
    if entry.is_dir():
        return _link_tree(entry.path, path, None, found, rel, skip)
    os.link(entry.path, path)
    return None


def _below(rel: str, name: str) -> str:
    """The path of ``name`` inside the folder ``rel`` ("" for the top)."""
    return f"{rel}/{name}" if rel else name


def _files_digest(files: Iterable[tuple[str, os.stat_result]]) -> str:
    """A digest of a folder's files: their names, sizes and modification times."""
    digest = hashlib.sha256()
    for name, stat in sorted(files, key=lambda file: file[0]):
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _folder_digest(files: str, folders: Iterable[tuple[str, str]]) -> str:
    """A folder's listing: the digest of its files (``_files_digest``) and its sub-folders' listings."""
    digest = hashlib.sha256(files.encode())
    for name, listing in sorted(folders):
        digest.update(f"{name}/\0{listing}\n".encode())
    return digest.hexdigest()


FOLDERS = ".folders"


def _folders_record(version: Path) -> Path:
    """Where the identities of ``version``'s folders and of the working copy's are kept as they
    were when ``version`` was last made the working copy's (``_mirror``), with the listing of
    each folder's files."""
    return version.with_name(f".{version.name.lstrip('.')}{FOLDERS}")


def _save_folders(record: Path, found: dict[str, list], skip: frozenset[str]) -> None:
    """Keep the folders' identities ``found``, taken while nothing but this build writes into
    either tree: a folder changed within ``RACY_NS`` of now is compared next time all the same."""
    write_atomic(record, pickle.dumps((time.time_ns(), sorted(skip), found), protocol=pickle.HIGHEST_PROTOCOL))


def _load_folders(record: Path | None, target: str, skip: frozenset[str]) -> tuple[dict[str, list], int]:
    """The folders' identities ``record`` keeps and when they were taken; none when it is
    missing or damaged, or was made of another folder than ``target`` or listed leaving out
    other paths than ``skip``."""
    if record is None:
        return {}, 0
    try:
        since, skipped, found = pickle.loads(record.read_bytes())
        if found[""][4] == os.stat(target).st_ino and skipped == sorted(skip):
            return found, since
    except Exception:  # noqa: BLE001 - missing or damaged: every folder is compared
        pass
    return {}, 0


def _link(path: Path, to: Path) -> None:
    """Point ``path`` at ``to`` (a relative link) by one rename: it never does not exist."""
    for left in path.parent.glob(f".{path.name}.*.link"):  # of a publication killed half-way
        left.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.link")
    os.symlink(os.path.relpath(to, path.parent.resolve()), tmp)
    os.replace(tmp, path)


def _listing(config: dict[str, Any], edition: str) -> str:
    """A digest of the published files of ``edition`` (names, sizes, times), leaving out the
    booklets' ``downloads/`` and nested editions, which other steps check."""
    top = site_dir(config, edition)
    return _tree_digest(str(top.resolve()), frozenset(_kept_folders(config, edition))) if top.is_dir() else ""


def _tree_digest(folder: str, skip: frozenset[str], rel: str = "") -> str:
    """The listing of ``folder`` (``_folder_digest``, as ``_mirror`` makes it), leaving out the
    paths below it that ``skip`` names."""
    files, folders = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            path = _below(rel, entry.name)
            if path in skip:
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.name, _tree_digest(entry.path, skip, path)))
            elif not entry.is_dir():  # a file, or a link to one; a link to a folder is another edition
                files.append((entry.name, entry.stat()))
    return _folder_digest(_files_digest(files), folders)


def _files(folder: Path) -> list[Path]:
    """The files below ``folder`` (``__pycache__`` left out), in a fixed order."""
    return [Path(path) for path in files_below(folder, skip=lambda name: name == "__pycache__")]


def _code_files() -> list[Path]:
    """The code a site is built by: this package, and the cleaner's modules it uses (the catalogue
    and its front-matter reader) and the booklet's volume plan (it names the home page's downloads)."""
    modules = [PACKAGE_DIR.parent / name for name in ("catalogue.py", "render.py", "essay.py", "booklet/data.py")]
    return [*_files(PACKAGE_DIR), *modules]


def inputs_stamp(config: dict[str, Any], edition: str) -> str:
    """A digest of everything an edition's build reads."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in config.items() if k != "root"}, sort_keys=True, default=str,
                             ensure_ascii=False).encode())
    digest.update(json.dumps({p: version(p) for p in VERSION_PACKAGES}).encode())
    mkfile = mkdocs_file(config)
    for path in [mkfile, *_files(overrides_dir(mkfile)), *_code_files()]:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    # Thousands of pages: their size and modification time stand for their content (the cleaner
    # rewrites a page only when its bytes change, so an unchanged page keeps its time).
    named = Path(config["root"]) / str((config.get("booklet") or {}).get("output", "build/booklet")) / ".named.json"
    if named.is_file():  # the home page lists the named booklets' page counts
        digest.update(named.read_bytes())
    for path in files_below(Path(config["root"]) / "docs", skip=lambda name: name == "__pycache__"):
        stat = os.stat(path)
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    digest.update(edition.encode())
    return digest.hexdigest()


def serve(config: dict[str, Any], *, dev_addr: str = "127.0.0.1:8000") -> None:
    """Live preview: MkDocs' server, rebuilding on changes to docs/, seeds/, handbook.yml, the
    theme overrides and this package; changed seeds are cleaned again first (see the hook)."""
    from mkdocs.commands import serve as mkdocs_serve_module

    from . import incremental

    if not logging.getLogger().handlers:  # say what is rebuilt, as `mkdocs serve` does
        logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    context.current = context.Run(dict(config), context.DEFAULT_EDITION, essays_uri=_essays_uri(config),
                                  serving=True)
    mkfile = mkdocs_file(config)
    root = Path(config["root"])
    record = _folder(config) / f"serve-{context.DEFAULT_EDITION}.pages"

    def rebuild(cfg, *, serve_url=None, dirty=False):  # MkDocs' build, made incremental
        with _serving:
            incremental.build(cfg, record, global_parts(config, context.DEFAULT_EDITION), serve_url=serve_url,
                              keep=_kept_folders(config, context.DEFAULT_EDITION))

    mkdocs_serve_module.build = rebuild
    mkdocs_serve_module.LiveReloadServer = _server_class()
    mkdocs_serve_module.serve(config_file=str(mkfile), docs_dir=str(root / "docs"), dev_addr=dev_addr,
                                   watch=[str(root / "seeds"), str(root / "handbook.yml"), str(overrides_dir(mkfile))],
                                   livereload=True)


def _server_class():
    """MkDocs' preview server, told of a saved file by the system (inotify) at once rather than by
    its poll of every file each half second; as it is where inotify is missing."""
    from mkdocs.livereload import LiveReloadServer

    try:
        from watchdog import events
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:  # not Linux
        return LiveReloadServer

    class NotOurs(events.FileSystemEventHandler):
        """The watcher's handler, told of every change but this process's own atomic writes: the
        pages the cleaner rewrites during a rebuild are in that rebuild already, and a second
        rebuild for them held up the next save's."""

        def __init__(self, handler):
            self.handler = handler

        def dispatch(self, event):
            if not written_here(os.fsdecode(event.src_path)):
                self.handler.dispatch(event)

    class Changes(InotifyObserver):
        """The changes the poll reports (files made, changed, moved, removed), not each file read."""

        def schedule(self, handler, path, *, recursive=False, **_):
            return super().schedule(NotOurs(handler), path, recursive=recursive, event_filter=[
                events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent, events.FileDeletedEvent])

    class Server(LiveReloadServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.observer = Changes()

    return Server
