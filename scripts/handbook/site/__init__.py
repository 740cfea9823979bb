"""The handbook site: MkDocs + Material, searchable (a static index of its own, ``handbook.site.search``), one site per edition.

``build(config, edition=None)`` builds one edition (or all of them) into its ``site_dir``;
``serve(config)`` previews the site live. The MkDocs side is in mkdocs.yml and ``hooks``.
"""

from __future__ import annotations

from .build import build, serve  # noqa: F401
