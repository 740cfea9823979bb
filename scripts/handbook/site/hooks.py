"""MkDocs hooks of the handbook site (``hooks:`` in mkdocs.yml).

* on_config: reads handbook.yml and the catalogue, sets the site's name and the navigation.
* on_files: adds the generated listing pages: one per chapter and one per group of a large
  chapter (``handbook.site.nav``).
* on_env: gives the templates ``handbook_once``, which renders the navigation's repeated items
  once per build (``overrides/partials/nav-item.html``), and keeps the templates compiled
  (``TemplateCache``).
* on_page_markdown: escapes titles, adds the home page's title and catalogue (every essay, or the
  chapters only above ``site.home_catalogue_max_essays``), and an essay's date, source and chapter
  under its title.
* on_post_build: indexes the built pages for search (``handbook.site.search``).
* on_pre_build while serving: re-runs the cleaner for seeds that changed.

MkDocs loads this file as a module of its own: everything shared with ``handbook.site`` is
imported the ordinary (absolute) way.
"""

from __future__ import annotations

import bisect
import functools
import json
import logging
import os
import posixpath
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache, pass_context
from markupsafe import Markup, escape
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from handbook.site import context, labels as ui, nav as site_nav, search
from handbook.site.text import shorten
from handbook.catalogue import load_catalogue
from handbook.files import installed_cache

log = logging.getLogger("mkdocs.plugins.handbook")

_state: dict[str, Any] = {}
DESCRIPTION_CHARS = 120  # an essay's summary is cut to this many characters for its meta description


def _run(config) -> context.Run:
    run = context.current
    if run is None:  # plain `mkdocs build` / `mkdocs serve`: handbook.yml beside mkdocs.yml
        from handbook import config as handbook_config

        root = Path(config.config_file_path).resolve().parent
        run = context.Run(dict(handbook_config.load(root / handbook_config.CONFIG_NAME)))
        context.current = run
    return run


def on_startup(command: str, dirty: bool) -> None:
    context.serving = command == "serve"


def on_config(config):
    run = _run(config)
    hb = run.config
    root = Path(hb["root"])
    site = hb.get("site") or {}
    labels = ui.labels(run.edition, hb)
    essays_uri = run.essays_uri or Path(os.path.relpath(root / hb["paths"]["essays"], config.docs_dir)).as_posix()
    if context.serving or run.serving:
        _clean_changed_seeds(run)
    catalogue = load_catalogue(hb)
    sections = site_nav.sections(catalogue, essays_uri)
    if run.edition != context.DEFAULT_EDITION:
        sections = ui.convert_sections(sections, run.edition, hb)
    title = ui.convert(hb.get("title") or config.site_name, run.edition, hb)
    config.site_name = title
    if config.site_url and run.edition != context.DEFAULT_EDITION:  # each edition is a site of its own
        from handbook.site.build import site_dir

        rel = os.path.relpath(site_dir(hb, run.edition), site_dir(hb, context.DEFAULT_EDITION))
        config.site_url = config.site_url.rstrip("/") + "/" + Path(rel).as_posix() + "/"
    fanout = site_nav.nav_fanout(site)
    config.nav = site_nav.nav_config(sections, labels["home"], fanout, labels)
    _state.update(sections=sections, title=title, subtitle=ui.convert(hb.get("subtitle") or "", run.edition, hb),
                  labels=labels, items={i.src_uri: i for s in sections for i in s.items},
                  chapters={s.name: s for s in sections}, run=run, fanout=fanout,
                  digests={str(entry.path): entry.digest for chapter in catalogue for entry in chapter.essays},
                  home_max=site_nav.home_catalogue_max_essays(site),
                  listings=site_nav.listing_pages(sections, labels, fanout),
                  directory_urls=config.use_directory_urls)
    run.search_pages = {}
    run.page_inputs = _essay_inputs
    config.extra["handbook"] = {"edition": run.edition, "labels": labels,
                                "editions": _edition_links(hb, run.edition)}
    return config


def _edition_links(hb: dict, current: str) -> list[dict]:
    """The switcher's entries: each edition built, with its site folder relative to this one's."""
    from handbook.site.build import editions, site_dir

    names = editions(hb)
    if len(names) < 2:
        return []
    here = site_dir(hb, current)
    return [{"edition": name, "label": ((hb.get("editions") or {}).get(name) or {}).get("label", name),
             "rel": Path(os.path.relpath(site_dir(hb, name), here)).as_posix(), "current": name == current}
            for name in names]


def on_files(files: Files, config) -> Files:
    for src_uri, listing in _state["listings"].items():
        if files.get_file_from_path(src_uri) is None:  # a hand-written page of that name wins
            files.append(File.generated(config, src_uri, content=listing.markdown))
    return files


def on_env(env, config, files):
    renderings: dict[tuple, Markup] = {}
    folders: dict[int, tuple[Any, list[str]]] = {}

    def folders_of(item) -> list[str]:
        """The sorted folders of the pages ``item`` links to: itself, or every page under it."""
        if id(item) not in folders:
            if item.children is None:
                found = [_folder(str(item.url))] if getattr(item, "url", None) is not None else []
            else:
                found = sorted(folder for child in item.children for folder in folders_of(child))
            folders[id(item)] = (item, found)  # the item is kept so that its id is not reused
        return folders[id(item)][1]

    @pass_context
    def handbook_once(context, item, *args, caller) -> Markup:
        """``caller()``: the markup of ``item`` with ``args`` as rendered on an earlier page whose
        links to it read the same, else rendered now; the current page's path is always rendered.

        A link from folder ``P/a`` to a page outside it reads the same from any sibling folder
        ``P/b``, so pages share a rendering by their parent folder when none of the item's pages
        is in their own folder, else by their own folder."""
        page = context["page"]
        if page is None or item.active:  # 404.html links from the site's root
            return caller()
        here = _folder(page.url)
        inside = _holds(folders_of(item), here)
        key = (id(item), args, "own" if inside else "parent", here if inside else posixpath.dirname(here))
        if key not in renderings:
            renderings[key] = caller()
        return renderings[key]

    env.globals["handbook_once"] = handbook_once
    env.bytecode_cache = TemplateCache.installed()
    return env


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's compiled templates, kept in the virtual environment beside Python's compiled
    modules, so a site build does not compile Material's templates again.

    Entries are keyed by the template's name alone, so their number stays bounded whatever the
    projects built; Jinja checks each entry against the template's source and compiles again
    (replacing the entry) when they differ.
    """

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(name)

    @classmethod
    def installed(cls) -> TemplateCache | None:
        """The cache in ``<sys.prefix>/var/cache/handbook/templates``, or None where it cannot be written."""
        folder = installed_cache("templates")
        return cls(str(folder)) if folder else None


def _folder(url: str) -> str:
    """The folder a link is made relative to, as ``mkdocs.utils.get_relative_url`` takes it: the
    URL less a file name, without slashes at the ends.

    >>> _folder("essays/a/"), _folder("essays/a.html"), _folder("")
    ('essays/a', 'essays', '')
    """
    head, tail = posixpath.split(url)
    return (head if "." in tail else url).strip("/")


def _holds(folders: list[str], folder: str) -> bool:
    """Whether any of the sorted ``folders`` is ``folder`` or inside it.

    >>> _holds(["a", "a-b", "b/c"], "b"), _holds(["a-b", "b"], "a"), _holds(["x"], "")
    (True, False, True)
    """
    if not folder:
        return bool(folders)
    i = bisect.bisect_left(folders, folder)
    if i < len(folders) and folders[i] == folder:
        return True
    j = bisect.bisect_left(folders, folder + "/")
    return j < len(folders) and folders[j].startswith(folder + "/")


def _downloads(booklet: dict[str, Any], labels: dict[str, str]) -> str:
    """The home page's links to the booklet's PDFs: one pair per volume when an edition has more
    essays than ``booklet.volume_max_essays`` (the booklet's own plan, so the names agree)."""
    from handbook.booklet import data as booklet_data

    run = _state["run"]
    limit = booklet.get("volume_max_essays", booklet_data.VOLUME_MAX_ESSAYS)
    count = len(booklet_data.plan_volumes([_page_names(s) for s in _state["sections"]], limit)) or 1
    groups = []
    for number, (pdf, imposed) in enumerate(booklet_data.volume_names(run.edition, count), start=1):
        links = [f'<a href="downloads/{escape(pdf)}">{escape(labels["pdf"])}</a>']
        if booklet.get("impose"):
            links.append(f'<a href="downloads/{escape(imposed)}">{escape(labels["booklet_pdf"])}</a>')
        name = booklet_data.LABELS["volume"].format(n=booklet_data.chinese_number(number))
        groups.append((f"{escape(ui.convert(name, run.edition, run.config))} " if count > 1 else "") + " · ".join(links))
    return f'<p class="hb-downloads">{escape(labels["downloads"])}{"；".join(groups)}</p>\n\n'


def _pdf_links(pdf: str, imposed: str | None, labels: dict[str, str], to_downloads: str) -> str:
    links = [f'<a href="{escape(to_downloads + pdf)}">{escape(labels["pdf"])}</a>']
    if imposed:
        links.append(f'<a href="{escape(to_downloads + imposed)}">{escape(labels["booklet_pdf"])}</a>')
    return " · ".join(links)


def _named_booklets(labels: dict[str, str]) -> str:
    """The home page's section of booklets for classes (handbook.yml's ``booklets``), with the
    number of essays and pages of each as last typeset (the build typesets them before the site)."""
    from handbook.booklet import books

    run = _state["run"]
    listing = books.named_listing(run.config, run.edition)
    if not listing:
        return ""
    to = lambda text: ui.convert(text, run.edition, run.config)  # noqa: E731
    lines = [f"## {site_nav.md_text(labels['named_booklets'])}", ""]
    for booklet in listing:
        title = booklet["title"] + (f"（{booklet['subtitle']}）" if booklet["subtitle"] else "")
        size = labels["named_booklet_size"].format(n=booklet["essays"], p=booklet["pages"])
        links = "；".join(_pdf_links(pdf, imposed, labels, "downloads/") for pdf, imposed in booklet["files"])
        lines.append(f'- <span class="hb-booklet">{escape(to(title))}</span>（{escape(size)}）：{links}')
    return "\n".join(lines) + "\n\n"


def _page_names(section) -> list[str]:
    """The names of a chapter's essays' pages, which choose where the booklet's volumes end."""
    return [item.page_name for item in section.items]


def _chapter_downloads(uri: str, page, labels: dict[str, str]) -> str:
    """A chapter page's links to the chapter's own PDF (``booklet.chapter_pdfs``)."""
    from handbook.booklet import books, data as booklet_data

    run = _state["run"]
    booklet = run.config.get("booklet") or {}
    if not booklet.get("chapter_pdfs", True):
        return ""
    numbers = {section.src_uri: n for n, section in enumerate(_state["sections"], start=1)}
    if uri not in numbers:
        return ""
    section = _state["sections"][numbers[uri] - 1]
    files = books.chapter_files(run.edition, numbers[uri], _page_names(section),
                                booklet.get("volume_max_essays", booklet_data.VOLUME_MAX_ESSAYS))
    to_downloads = get_relative_url("downloads/", page.url)
    to_downloads = to_downloads if to_downloads.endswith("/") else to_downloads + "/"
    links = "；".join(_pdf_links(pdf, imposed if booklet.get("impose", True) else None, labels, to_downloads) for pdf, imposed in files)
    return f'<p class="hb-downloads">{escape(labels["chapter_downloads"])}{links}</p>\n\n'


def _essay_inputs(page) -> str | None:
    """What ``on_page_markdown`` makes an essay's page of besides its Markdown (the labels and
    URL style are the configuration's, the code is the build's global inputs); None for any other
    page."""
    item = _state["items"].get(page.file.src_uri)
    if item is None or page.is_homepage:
        return None
    return json.dumps([item.title, item.date, item.chapter, item.source, _state["chapters"][item.chapter].src_uri, page.url],
                      ensure_ascii=False)


def on_page_markdown(markdown: str, page, config, files) -> str:
    uri = page.file.src_uri
    labels = _state["labels"]
    if page.is_homepage:
        page.meta["handbook_kind"] = "home"  # no meta title: the browser's title is the site's name
        head = f"# {site_nav.md_text(_state['title'])}\n\n"
        if _state["subtitle"]:
            head += f"{site_nav.md_text(_state['subtitle'])}\n{{: .hb-subtitle }}\n\n"
        booklet = _state["run"].config.get("booklet")
        if booklet:  # the booklet step copies its PDFs into <site>/downloads/ after the site is built
            head += _downloads(booklet, labels) + _named_booklets(labels)
        catalogue = site_nav.home_catalogue(_state["sections"], uri, labels, _state["fanout"], _state["home_max"])
        return head + site_nav.with_catalogue(markdown, catalogue)
    item = _state["items"].get(uri)
    if item is None:
        listing = _state["listings"].get(uri)
        if listing is not None and page.meta.get("handbook_kind") in ("chapter", "group"):
            page.meta["title"] = Markup(escape(listing.title))
            if page.meta.get("handbook_kind") == "chapter":
                head, _, rest = markdown.partition("\n\n")
                return f"{head}\n\n{_chapter_downloads(uri, page, labels)}{rest}"
        elif "title" in page.meta:
            page.meta["title"] = Markup(escape(str(page.meta["title"])))
        return markdown
    page.meta["title"] = Markup(escape(item.title))
    page.meta["handbook_kind"] = "essay"
    chapter = _state["chapters"][item.chapter]
    chapter_url = get_relative_url(_url_of(chapter.src_uri, _state["directory_urls"]), page.url)
    parts = []
    if item.date:
        parts.append(f'<span class="hb-meta__item">{escape(labels["date"])}<time datetime="{escape(item.date)}">{escape(ui.date_words(item.date, labels))}</time></span>')
    parts.append(f'<span class="hb-meta__item">{escape(labels["chapter"])}<a href="{escape(chapter_url)}">{escape(item.chapter)}</a></span>')
    if item.source:
        parts.append(f'<span class="hb-meta__item">{escape(labels["source"])}<code>{escape(item.source)}</code></span>')
    meta_html = f'<p class="hb-meta" data-hb-search-ignore>{"".join(parts)}</p>\n\n'
    heading = 0 if markdown.startswith("# ") else markdown.find("\n# ") + 1  # the title's line, if any
    if heading or markdown.startswith("# "):
        end = markdown.find("\n", heading)
        end = len(markdown) if end < 0 else end
        return markdown[:end] + "\n\n" + meta_html + markdown[end + 1 :]
    return f"# {site_nav.md_text(item.title)}\n\n" + meta_html + markdown


def on_pre_build(config) -> None:
    """The home page's sentence is also the site's description, for pages of no description of
    their own (404.html), unless mkdocs.yml sets ``site_description``."""
    if not config.site_description:
        config.site_description = _description(None)


def on_page_context(context, page, config, nav):
    """Every page's meta description: an essay's summary, a sentence of its own for the home page
    and each chapter or group page; a hand-written page's own ``description`` is kept."""
    if not page.meta.get("description"):
        page.meta["description"] = Markup(escape(_description(page)))  # the templates do not escape
    return context


def _description(page) -> str:
    """An essay's summary (or a sentence naming it), a listing page's sentence, or (any other page,
    or None) the home page's."""
    labels, title = _state["labels"], _state["title"]
    uri = page.file.src_uri if page is not None else None
    item = _state["items"].get(uri)
    if item is not None:
        summary = str(page.meta.get("summary") or item.summary)
        return shorten(summary, DESCRIPTION_CHARS) if summary else labels["description_essay"].format(
            essay=item.title, title=title, chapter=item.chapter)
    listing = _listing_items().get(uri)
    if listing is not None:
        name, items = listing
        return labels["description_listing"].format(title=title, page=name, n=len(items), first=items[0].title,
                                                     last=items[-1].title)
    sections = _state["sections"]
    return labels["description_home"].format(title=title, subtitle=_state["subtitle"], c=len(sections),
                                             n=sum(len(s.items) for s in sections),
                                             chapters="、".join(s.name for s in sections))


def _listing_items() -> dict[str, tuple[str, list]]:
    """Each chapter's and group's page (by path in the docs): its title and essays, made once per build."""
    sections = _state["sections"]
    if _state.get("listing_items_of") is not sections:
        found = {}
        for section in sections:
            if section.items:
                found[section.src_uri] = (section.name, section.items)
            for group in site_nav.walk(site_nav.tree(section, _state["fanout"], _state["labels"])):
                found[group.src_uri] = (group.title, group.items)
        _state.update(listing_items=found, listing_items_of=sections)
    return _state["listing_items"]


def _url_of(src_uri: str, directory_urls: bool) -> str:
    """A page's URL; ``directory_urls``: mkdocs.yml's ``use_directory_urls``, read once a build
    (``on_config``), not once a page: a MkDocs setting is looked up through its schema."""
    stem = src_uri[: -len(".md")]
    if stem.endswith("/index") or stem == "index":
        return stem[: -len("index")]
    return stem + "/" if directory_urls else stem + ".html"


def on_post_page(output: str, page, config) -> str:
    """The sidebars (navigation and table of contents) without the theme's indentation, which
    grows with the depth of nested chapter groups.
    An essay's title and text are kept for the search index, which so needs not read the pages back."""
    entry = search.page_entry(output)
    if entry is not None:
        _state["run"].search_pages[page.file.src_uri] = entry
    start = output.find('<div class="md-sidebar md-sidebar--primary"')
    end = output.find('<div class="md-content"', start)
    if start == -1 or end == -1:
        return output
    chunk = output[start:end]
    # str.split() and re's \s agree on what whitespace is; split is three times faster.
    sidebars = " ".join(chunk.split()).replace("> <", "><") + (" " if chunk[-1:].isspace() else "")
    return output[:start] + sidebars + output[end:]


def on_post_build(config) -> None:
    run = _state["run"]
    pages = {_url_of(src_uri, _state["directory_urls"]): entry for src_uri, entry in run.search_pages.items()}
    run.search_pages = {}
    index = functools.partial(search.index_site, Path(config.site_dir), run.config, run.edition, _search_order(), pages,
                              run.search_cache, _state["digests"])
    if (context.serving or run.serving) and run.edition == context.DEFAULT_EDITION:
        from handbook.site.build import build_nested

        # `make serve` previews every edition; the browser reloads before the search index follows
        build_nested(run.config, Path(config.site_dir), index)
    else:
        index()


def _search_order() -> list[tuple[str, str]]:
    """The essays' URLs and chapters (this edition's names) in catalogue order, for the search index."""
    return [(_url_of(item.src_uri, _state["directory_urls"]), section.name) for section in _state["sections"] for item in section.items]


def _clean_changed_seeds(run: context.Run) -> None:
    """While serving: run the cleaner on the seeds changed since the last build."""
    hb = run.config
    seeds = sorted((Path(hb["root"]) / hb["paths"]["seeds"]).glob("*"))
    current = {p: p.stat().st_mtime for p in seeds if p.is_file()}
    changed = [p for p, t in current.items() if run.seen.get(p) != t]
    first = not run.seen
    run.seen = current
    if first or not changed:
        return
    log.info("handbook: %d seed(s) changed, cleaning", len(changed))
    try:  # the cleaner's batch keeps a cache: only the changed seeds are cleaned again
        from handbook import batch
        from handbook.files import one_at_a_time

        root = Path(hb["root"])
        with one_at_a_time(root / "build" / ".lock"):  # a `make` meanwhile cleans too
            batch.run(hb, [os.path.relpath(root / hb["paths"]["seeds"])], Path(os.path.relpath(root / hb["paths"]["essays"])),
                      jobs=1, progress=False)
    except Exception as error:  # the preview keeps running; the cleaner reports what it refused
        log.warning("handbook: the cleaner failed on %s: %s", ", ".join(p.name for p in changed), error)
