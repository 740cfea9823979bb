"""The floor: a bare ``mkdocs build`` of the same clean Markdown with the same theme.

Same Material theme, ``overrides/``, features and Markdown extensions as ``mkdocs.yml``, the same
navigation (written out statically, as the hook would generate it), the same listing pages (one
per chapter and one per group of a large chapter) and home-page catalogue (written as files, by
the same ``handbook.site.nav`` functions the hook calls) — but no hook and no search index, and
Material's own ``partials/nav-item.html`` (ours renders repeated navigation items once, through
the hook): what MkDocs alone costs for this content.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def prepare(project: Path, bare: Path) -> Path:
    """Write the bare project for ``project`` (already cleaned) into ``bare``; return its mkdocs.yml."""
    from handbook import config as configuration
    from handbook.site import labels as ui, nav as site_nav
    from handbook.catalogue import load_catalogue

    hb = dict(configuration.load.__wrapped__(project / "handbook.yml"))
    if bare.exists():
        shutil.rmtree(bare)
    docs = bare / "docs"
    shutil.copytree(project / "docs", docs)
    labels = ui.labels("zh-Hans", hb)
    site = hb.get("site") or {}
    fanout = site_nav.nav_fanout(site)
    sections = site_nav.sections(load_catalogue(hb), "essays")
    for src_uri, listing in site_nav.listing_pages(sections, labels, fanout).items():
        page = docs / src_uri
        if not page.exists():  # as the hook: a hand-written page of that name wins
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(listing.markdown, encoding="utf-8")
    catalogue = site_nav.home_catalogue(sections, site_nav.HOME, labels, fanout, site_nav.home_catalogue_max_essays(site))
    index = docs / site_nav.HOME
    index.write_text(site_nav.with_catalogue(index.read_text(encoding="utf-8"), catalogue), encoding="utf-8")

    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text = re.sub(r"^(hooks|watch):\n(?:[ \t]+-.*\n)+", "", text, flags=re.M)
    text = re.sub(r"^extra:\n(?:[ \t]+.*\n?)+", "", text, flags=re.M)  # written below, with what the hook adds
    overrides = bare / "overrides"
    shutil.copytree(REPO / "overrides", overrides, ignore=lambda folder, names: ["nav-item.html"] if folder.endswith("partials") else [])
    text = re.sub(r"^(\s*custom_dir:).*$", rf"\1 {overrides}", text, flags=re.M)
    text = re.sub(r"^strict:.*$", "strict: false", text, flags=re.M)
    text = re.sub(r"^site_name:.*$", f"site_name: {hb['title']}", text, flags=re.M)
    nav = site_nav.nav_config(sections, labels["home"], fanout, labels)
    extra = {"generator": False, "handbook": {"edition": "zh-Hans", "labels": labels, "editions": []}}
    text += "\n" + yaml.safe_dump({"extra": extra, "nav": nav}, allow_unicode=True, sort_keys=False)
    config = bare / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    return config
