"""One edition's MkDocs build, rendering again only the pages whose output can have changed.

This is MkDocs' own ``build`` (mkdocs/commands/build.py, MkDocs 1.6), step for step and with the
same plugin events, but into a working copy of the site that persists between builds
(``build/site/<edition>``), with a record beside it (``<edition>.pages``) of what made each page.
Every page's title and metadata after ``on_page_markdown`` are settled first, since other pages'
navigation shows them: a page is read and given to the hook as usual, but for one whose file and
hook inputs (``context.Run.page_inputs``) are as the record says, whose metadata and Markdown
digest after the hook the record gives (it is read should it be rendered); what costs (Markdown to
HTML and the theme's template) is done only for a page whose **key** differs from the recorded one, or whose
file is not as the record says. A page's key is a digest of everything its HTML is made from:

* the build's **global inputs** (``global_parts``): handbook.yml less the sections read by the
  cleaner and the search index only, mkdocs.yml, the theme overrides, this package's code, the
  installed packages' versions, the edition. When one of these changed, every page is rendered,
  and the log says which one;
* the page's own Markdown (its digest) and metadata after the hook (the essay's facts, a listing's entries);
* the navigation as the page shows it (``nav_views``): with Material's ``navigation.sections`` and
  ``navigation.prune``, the top level, each chapter's children, and the children of every section
  on the page's own path; an entry shows its title, URL, first page and whether it has none, one
  or more children;
* its previous and next pages' titles and URLs (the footer).

So an essay edited renders its page again (and a listing that shows its summary); one added or
removed, or retitled, also the pages that list it or whose navigation or footer shows it. The home
page, hand-written pages and the theme's templates (404, sitemap) are always rendered: they are few,
and they show what the whole handbook holds. Reused pages keep their search entries and anchors
from the record, so the search index and MkDocs' link checks see every page as in a cold build.

Files of the working copy are only ever replaced (a new file renamed over the old), never written
into, because published versions share them by hard links.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from mkdocs import utils
from mkdocs.commands.build import _build_extra_template, _build_template, get_context
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Section, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

from ..files import RACY_NS, as_text, copy_atomic, files_below, identity, read_once, write_atomic
from ..forked import after_answer
from . import context
from .search import FOLDER, Kept, entry_digest

log = logging.getLogger("handbook.site")
RECORD_VERSION = 8
# Keys of handbook.yml no page's HTML is made from: the cleaner's (its output, the pages, is keyed
# page by page), the named booklets (listed on the home page, which is always rendered) and the
# search ranking (read by the index alone).
PAGE_FREE_KEYS = ("root", "cleaner", "essays", "booklets", "search")
PACKAGES = "the installed packages"  # MkDocs among them: how a page's front matter is read
# What this process's last build rendered (``handbook build`` reports it per edition).
last: dict[str, Any] = {}


@dataclass
class Made:
    """What the record keeps of one page: its key, its file as written, and what other steps need
    of it without rendering it again (its anchors, its search entry)."""

    key: str
    size: int
    mtime_ns: int
    anchors: frozenset[str]
    search: str | None  # its search entry's digest (search.entry_digest); the index's state holds the entry


@dataclass
class Record:
    """The pages of a working copy, by source path, and the global inputs they were made from;
    and the pages' sources as MkDocs read them (Markdown and front matter), by digest."""

    parts: dict[str, str] = field(default_factory=dict)
    pages: dict[str, Made] = field(default_factory=dict)
    sources: dict[bytes, tuple[int | str, dict]] = field(default_factory=dict)  # (where the Markdown starts, or it)
    files: set[str] = field(default_factory=set)  # every file the build made, by path in the site
    theme: tuple[tuple[str, ...], list[tuple[str, str]]] = ((), [])  # the theme's folders and its files in them
    # By source path, a page the hook gives its inputs for (``context.Run.page_inputs``): its
    # file's identity, those inputs, its metadata after the hook, its Markdown's digest after the
    # hook, its source's digest.
    hooked: dict[str, tuple[list[int], str, dict, str, bytes]] = field(default_factory=dict)
    read_at: int = 0  # when the build began to read the pages (``time.time_ns``)

    @classmethod
    def load(cls, path: Path) -> Record:
        """The record at ``path``; an empty one when it is missing or unreadable (a killed build)."""
        try:
            with path.open("rb") as stream:
                version, *fields = pickle.load(stream)
            if version == RECORD_VERSION:
                parts, pages, *rest = fields
                return cls(parts, {path: Made(*made) for path, made in pages.items()}, *rest)
        except FileNotFoundError:
            return cls()
        except Exception as error:  # noqa: BLE001 - any damage: every page is rendered again
            log.warning("handbook: %s is damaged (%s); every page is rendered again", path, error)
        return cls()

    def save(self, path: Path) -> None:
        # Pages pickled as plain tuples: a third faster to read than the dataclass.
        pages = {path: (m.key, m.size, m.mtime_ns, m.anchors, m.search) for path, m in self.pages.items()}
        write_atomic(path, pickle.dumps((RECORD_VERSION, self.parts, pages, self.sources, self.files, self.theme,
                                         self.hooked, self.read_at), protocol=pickle.HIGHEST_PROTOCOL))


def global_parts(config: dict[str, Any], edition: str, mkdocs_file: Path, overrides: Path, code: Iterable[Path],
                 versions: dict[str, str]) -> dict[str, str]:
    """The digests of the inputs every page is made from, by the name the log gives them."""
    def digest(*chunks: bytes) -> str:
        h = hashlib.sha256()
        for chunk in chunks:
            h.update(hashlib.sha256(chunk).digest())
        return h.hexdigest()

    def files(paths: Iterable[Path]) -> str:
        return digest(*(bytes(p) + b"\0" + p.read_bytes() for p in paths))

    settings = {k: v for k, v in config.items() if k not in PAGE_FREE_KEYS}
    return {
        "handbook.yml": digest(json.dumps(settings, sort_keys=True, default=str, ensure_ascii=False).encode()),
        "mkdocs.yml": files([mkdocs_file]),
        "overrides/": files(Path(p) for p in files_below(overrides, skip=lambda n: n == "__pycache__")) if overrides.is_dir() else "",
        "the handbook's code": files(code),
        PACKAGES: digest(json.dumps(versions, sort_keys=True).encode()),
        "the edition": digest(edition.encode()),
    }


def changed_part(old: dict[str, str], new: dict[str, str]) -> str | None:
    """Why every page must be rendered again: the first global input that differs, or None."""
    if not old:
        return "no earlier build"
    return next((name for name, value in new.items() if old.get(name) != value), None)


def build(config, record_path: Path, parts: dict[str, str], *, serve_url: str | None = None,
          keep: Iterable[str] = ()) -> dict[str, int]:
    """Build the site of MkDocs ``config`` into its ``site_dir`` (the working copy), reusing the
    pages ``record_path`` says are current; returns how many pages were rendered and reused.
    ``keep``: folders of the site that other steps fill (a nested edition, the downloads)."""
    warnings = utils.CountHandler()
    warnings.setLevel(logging.WARNING)
    if config.strict:
        logging.getLogger("mkdocs").addHandler(warnings)
    inclusion = InclusionLevel.is_in_serve if serve_url else InclusionLevel.is_included
    previous = Record.load(record_path)
    new_files = record_path.with_name(record_path.name + ".new-files")
    if new_files.is_file():  # files a build cut short may have left
        previous.files |= set(new_files.read_text(encoding="utf-8").split("\n")) - {""}
    reason = changed_part(previous.parts, parts)
    if reason:
        reason = reason if reason == "no earlier build" else f"{reason} changed"
        log.info("handbook: every page of %s is rendered: %s", Path(config.site_dir).name, reason)
        previous = Record(sources=previous.sources if previous.parts.get(PACKAGES) == parts.get(PACKAGES) else {})
    record = Record(parts, read_at=time.time_ns())
    if context.current is not None:
        context.current.search_cache = record_path.with_suffix(".search")
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files = get_files(config)
        env = config.theme.get_env()
        record.theme = _add_theme_files(files, env, config, previous.theme)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        doc_files = files.documentation_pages(inclusion=inclusion)
        run = context.current
        page_inputs = run.page_inputs if run is not None else None
        markdown: dict[str, str | None] = {}  # each page's Markdown's digest, when taken from the record
        for file in doc_files:
            if file.page is None:
                Page(None, file, config)
            markdown[file.src_uri] = _read(file.page, config, files, previous, record, page_inputs)
        views = nav_views(nav)
        site = Path(config.site_dir)
        rendered, kept = [], 0
        inputs = json.dumps(parts, sort_keys=True)
        for file in doc_files:
            page = file.page
            key = page_key(page, views, inputs, markdown[file.src_uri])
            made = previous.pages.get(file.src_uri)
            if made is not None and made.key == key and _unchanged(site / file.dest_uri, made) and _reusable(page):
                page.present_anchor_ids = set(made.anchors)
                if made.search is not None and run is not None:
                    run.search_pages[file.src_uri] = Kept(made.search)
                record.pages[file.src_uri] = made
                kept += 1
            else:
                if markdown[file.src_uri] is not None:  # not read: read now
                    with _on(page, config, "reading"):
                        _markdown(page, config, files, previous.sources, record, page_inputs)
                _render(page, config, files)
                rendered.append((file, key))

        env = config.plugins.on_env(env, config=config, files=files)
        written = {file.dest_uri for file in files if inclusion(file.inclusion)}
        # Should this build die, the next one is to remove what it wrote and no longer makes.
        write_atomic(new_files, "\n".join(sorted(written - previous.files)))
        for file in files:
            if not file.is_documentation_page() and inclusion(file.inclusion):
                _copy_static(file)
        for name in config.theme.static_templates:
            written |= _write_theme_template(name, env, files, config, nav)
        for name in config.extra_templates:
            (site / name).unlink(missing_ok=True)  # MkDocs writes into the file
            _build_extra_template(name, files, config, nav)
            written.add(name)
        for file, key in rendered:
            _write_page(file.page, config, doc_files, nav, env)
            stat = (site / file.dest_uri).stat()
            entry = run.search_pages.get(file.src_uri) if run is not None else None
            record.pages[file.src_uri] = Made(key, stat.st_size, stat.st_mtime_ns, frozenset(file.page.present_anchor_ids or ()),
                                              entry_digest(entry) if entry is not None else None)
        log_level = config.validation.links.anchors
        for file, _ in rendered:
            file.page.validate_anchor_links(files=files, log_level=log_level)
        _remove_stale(site, written, keep, None if reason else previous.files)
        record.files = written
        config.plugins.on_post_build(config=config)
        if counts := warnings.get_counts():
            raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
    except Exception as error:
        config.plugins.on_build_error(error=error)
        if isinstance(error, BuildError):
            log.error(str(error))
            raise Abort("Aborted with a BuildError!") from error
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)
    def keep() -> None:
        record.save(record_path)
        new_files.unlink(missing_ok=True)

    after_answer(keep)  # the site goes live meanwhile
    last.clear()
    last.update(rendered=len(rendered), reused=kept, reason=reason)
    log.info("handbook: %s: %s", site.name, summary())
    return dict(last)


def summary() -> str:
    """The last build's pages: ``3 of 1,025 pages rendered`` or ``every page rendered: mkdocs.yml changed``."""
    if not last:
        return ""
    if last["reason"]:
        return f"every page rendered: {last['reason']}"
    return f"{last['rendered']:,} of {last['rendered'] + last['reused']:,} pages rendered"


def _add_theme_files(files: Files, env, config, known: tuple[tuple[str, ...], list[tuple[str, str]]]
                     ) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """MkDocs' ``Files.add_files_from_theme``, the theme's files (path, folder) taken from
    ``known`` when it lists the same folders: Material's hold 14,000 icons, which MkDocs lists
    and filters by name on every build (a quarter of a second). ``known`` is the last build's,
    of the same global inputs (the packages' versions and the overrides among them)."""
    folders = tuple(config.theme.dirs)
    found = known[1] if known[0] == folders else None
    if found is None:
        theme = Files([])
        theme.add_files_from_theme(env, config)
        found = [(file.src_uri, file.src_dir) for file in theme]
    for path, folder in found:
        if files.get_file_from_path(path) is None:  # the docs' own files win, as in MkDocs
            files.append(File(path, folder, config.site_dir, config.use_directory_urls))
    return folders, found


def _reusable(page: Page) -> bool:
    """Whether a page may be taken from an earlier build: an essay or a listing page (its title
    set by the hook), not the home page, whose catalogue and downloads show the whole handbook."""
    return not page.is_homepage and page.meta.get("handbook_kind") in ("essay", "chapter", "group")


def _unchanged(path: Path, made: Made) -> bool:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (made.size, made.mtime_ns)


@contextmanager
def _on(page: Page, config, doing: str):
    """What MkDocs does around each step on a page: the configuration's current page set, and an
    error logged the way MkDocs logs it (``Error reading page 'essays/x.md': …``)."""
    config._current_page = page
    try:
        yield
    except Exception as error:
        log.error(f"Error {doing} page '{page.file.src_uri}':" + ("" if isinstance(error, BuildError) else f" {error}"))
        raise
    finally:
        config._current_page = None


def _read(page: Page, config, files, previous: Record, record: Record, page_inputs) -> str | None:
    """MkDocs' ``_populate_page`` up to its Markdown: the source (its front matter parsed only
    when not known by its digest) and ``on_page_markdown``. A page whose file and inputs
    (``page_inputs``, the hook's) are as the ``previous`` record says is not read: its metadata
    after the hook is the record's, and the digest of its Markdown after the hook is returned
    (the page is read should it be rendered); else None."""
    with _on(page, config, "reading"):
        page = config.plugins.on_pre_page(page, config=config, files=files)
        source = config.plugins.on_page_read_source(page=page, config=config)
        if source is None and page.file.abs_src_path is not None and page_inputs is not None:
            kept = previous.hooked.get(page.file.src_uri)
            stat = os.stat(page.file.abs_src_path)  # before reading: a file written meanwhile is read again next time
            # trusted as ``files.digests`` trusts a file: changed well before the record's reading
            if (kept is not None and kept[0] == identity(stat) and stat.st_ctime_ns < previous.read_at - RACY_NS
                    and kept[1] == page_inputs(page)):
                page.markdown, page.meta = "", dict(kept[2])  # not None: MkDocs titles no page whose Markdown is None
                record.hooked[page.file.src_uri] = kept
                if kept[4] in previous.sources:
                    record.sources[kept[4]] = previous.sources[kept[4]]
                return kept[3]
            _markdown(page, config, files, previous.sources, record, page_inputs, stat=stat)
        else:
            _markdown(page, config, files, previous.sources, record, page_inputs, source)
        return None


def _markdown(page: Page, config, files, known: dict[bytes, tuple[int | str, dict]], record: Record, page_inputs,
              source: str | None = None, stat: os.stat_result | None = None) -> None:
    """The page's Markdown and metadata: its ``source`` (else its file's) parsed, then
    ``on_page_markdown``; what the hook made of it recorded in ``record`` when the hook gives its
    inputs. ``stat``: the file's, taken before it is read."""
    path = page.file.abs_src_path
    if source is None and path is not None:  # as MkDocs reads it, once a build
        stat = stat or os.stat(path)  # before reading: a file written meanwhile is read again next time
        source = as_text(read_once(path)[0], "utf-8-sig")
    elif source is None:
        source = page.file.content_string
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).digest()
    parsed = known.get(key) or record.sources.get(key)
    if parsed is None:
        markdown, data = meta.get_data(source)
        # Where the Markdown starts, when it is the source's end (always, but for line ends
        # MkDocs changes): the record then holds no copy of the text.
        parsed = (len(source) - len(markdown) if source.endswith(markdown) else markdown, data)
    record.sources[key] = parsed
    cut, data = parsed
    page.markdown = source[cut:] if isinstance(cut, int) else cut
    page.meta = dict(data)  # the hook writes into the metadata
    page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    inputs = page_inputs(page) if stat is not None and page_inputs is not None else None
    if inputs is not None:
        record.hooked[page.file.src_uri] = (identity(stat), inputs, dict(page.meta), _digest(page.markdown), key)


def _digest(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8", "surrogatepass")).hexdigest()


def _render(page: Page, config, files) -> None:
    """The rest of MkDocs' ``_populate_page``: the HTML and ``on_page_content``."""
    with _on(page, config, "reading"):
        page.render(config, files)
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)


def _write_page(page: Page, config, doc_files, nav, env) -> None:
    """MkDocs' ``_build_page``, the file replaced rather than written into."""
    with _on(page, config, "building"):
        page.active = True
        try:
            page_context = get_context(nav, doc_files, config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            page_context = config.plugins.on_page_context(page_context, page=page, config=config, nav=nav)
            output = config.plugins.on_post_page(template.render(page_context), page=page, config=config)
        finally:
            page.active = False
        if output.strip():
            write_atomic(Path(page.file.abs_dest_path), output.encode("utf-8", errors="xmlcharrefreplace"))
        else:
            log.info(f"Page skipped: '{page.file.src_uri}'. Generated empty output.")


def _write_theme_template(name: str, env, files, config, nav) -> set[str]:
    """MkDocs' ``_build_theme_template`` (404.html, sitemap.xml and its .gz), files replaced; the
    names written."""
    import gzip
    import io

    from jinja2.exceptions import TemplateNotFound

    try:
        template = env.get_template(name)
    except TemplateNotFound:
        log.warning(f"Template skipped: '{name}' not found in theme directories.")
        return set()
    output = _build_template(name, template, files, config, nav)
    if not output.strip():
        log.info(f"Template skipped: '{name}' generated empty output.")
        return set()
    path = Path(config.site_dir) / name
    write_atomic(path, output.encode("utf-8"))
    if name != "sitemap.xml":
        return {name}
    timestamp = utils.get_build_timestamp(pages=[f.page for f in files.documentation_pages() if f.page is not None])
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, filename=f"{path}.gz", mode="wb", mtime=timestamp) as gz:
        gz.write(output.encode("utf-8"))
    write_atomic(path.with_name(name + ".gz"), buffer.getvalue())
    return {name, name + ".gz"}


def _copy_static(file) -> None:
    """A theme asset or a file of the docs copied into the site, unless already there; generated
    content written."""
    target = Path(file.abs_dest_path)
    if file.generated_by is not None or file.abs_src_path is None:
        write_atomic(target, file.content_bytes)
    else:
        copy_atomic(Path(file.abs_src_path), target)


def _remove_stale(site: Path, written: set[str], keep: Iterable[str], before: set[str] | None) -> None:
    """Remove the files of the working copy that this build did not make (a page removed): of
    those the last build made (``before``), or, without a record of them, of every file there;
    never the search index (the hook writes it next) or the folders in ``keep``."""
    kept = tuple(f"{folder.strip('/')}/" for folder in (FOLDER, *keep))
    found = before if before is not None else {os.path.relpath(path, site) for path in files_below(site)}
    for rel in found - written:
        if not rel.startswith(kept):
            (site / rel).unlink(missing_ok=True)
            folder = (site / rel).parent
            while folder != site and folder.is_dir() and not any(folder.iterdir()):  # a removed page's folder
                folder.rmdir()
                folder = folder.parent


def nav_views(nav) -> dict[int, str]:
    """For each section of ``nav`` (by id) and for the top level (id 0), a digest of its children
    as Material shows them; ``page_key`` joins those on a page's path."""
    views: dict[int, str] = {}

    def first_url(item) -> str:
        while isinstance(item, Section) and item.children:
            item = item.children[0]
        return str(getattr(item, "url", "") or "")

    def view(item) -> list:
        meta = getattr(item, "meta", None) or {}
        # Material tells sections apart by whether they have one child, or more
        return [type(item).__name__, str(item.title or ""), str(getattr(item, "url", "") or ""), first_url(item),
                min(2, len(item.children or ())), [str(meta.get(k, "")) for k in ("icon", "subtitle", "status")]]

    def children(item) -> str:
        return hashlib.sha256(json.dumps([view(c) for c in item.children or ()], ensure_ascii=False).encode()).hexdigest()

    def walk(items) -> None:
        for item in items:
            if isinstance(item, Section):
                views[id(item)] = children(item)
                walk(item.children)

    walk(nav.items)
    top = [view(item) for item in nav.items] + [views.get(id(item), "") for item in nav.items]
    views[0] = hashlib.sha256(json.dumps(top, ensure_ascii=False).encode()).hexdigest()
    return views


def page_key(page: Page, views: dict[int, str], inputs: str, markdown: str | None = None) -> str:
    """A digest of everything ``page``'s HTML is made from (see the module's docstring); ``inputs``:
    the global inputs' digests (``global_parts``) as JSON; ``markdown``: the digest of its
    Markdown after the hook, when it was not read (``_read``)."""
    path = [views[0]] + [views.get(id(ancestor), "") for ancestor in reversed(page.ancestors)]
    neighbours = [(str(p.title), p.url) if p is not None else None for p in (page.previous_page, page.next_page)]
    meta = json.dumps(page.meta, sort_keys=True, default=str, ensure_ascii=False)
    h = hashlib.sha256()
    for chunk in (inputs, page.file.src_uri, page.url, markdown or _digest(page.markdown or ""), meta,
                  json.dumps(neighbours, ensure_ascii=False), *path):
        h.update(chunk.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
