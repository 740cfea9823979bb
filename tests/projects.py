"""Scratch handbook projects for the tests that build one as a user does (``handbook build`` run
as a process) and compare what it made, byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = str(Path(sys.executable).with_name("handbook"))
sys.path.insert(0, str(ROOT))
from bench.corpus import write_corpus  # noqa: E402

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}


def build(project: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([HANDBOOK, "build"], cwd=project, capture_output=True, text=True, timeout=600, env=ENV, **kwargs)


def new_project(folder: Path, essays: int = 0) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "handbook.yml", folder / "handbook.yml")
    if essays:
        write_corpus(folder / "seeds", essays)  # into an emptied folder: the repository's seeds after it
    shutil.copytree(ROOT / "seeds", folder / "seeds", dirs_exist_ok=True)
    (folder / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", folder / "docs" / "index.md")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, links followed (the published site is made of them)."""
    found = {}
    for top, _, files in os.walk(folder, followlinks=True):
        for name in files:
            path = Path(top, name)
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def outputs(project: Path, pdfs: bool = False) -> dict[str, bytes]:
    """The pages of docs/ (less the cleaner's manifest) and the published site (its PDFs only
    when ``pdfs``)."""
    return {f"docs/{k}": v for k, v in tree(project / "docs").items() if not k.endswith(".manifest.json")} | \
           {f"site/{k}": v for k, v in tree(project / "site").items() if pdfs or not k.endswith(".pdf")}


def same_outputs(project: Path, reference: Path, pdfs: bool = False) -> None:
    got, want = outputs(project, pdfs), outputs(reference, pdfs)
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
