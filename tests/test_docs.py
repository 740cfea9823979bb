"""The guides a newcomer reads first: the README stays a short user's guide whose links and
commands exist; the maintainer's guide names every module of the package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_is_a_short_guide_whose_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 8 * 1024
    assert "make test" in readme and "make serve" in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme) + re.findall(r"\]\(([^)#]+)\)", (ROOT / "README.zh-Hans.md").read_text(encoding="utf-8")):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


def test_the_maintainers_guide_names_every_module():
    guide = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [p.name for p in (ROOT / "scripts" / "handbook").rglob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert [name for name in modules if name not in guide] == []
