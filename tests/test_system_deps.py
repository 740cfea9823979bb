"""``scripts/system-deps.sh``, which `make` runs first, as a process: with fontconfig and apt-get
replaced by stand-ins on PATH, so the test sees what it would install without installing anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-deps.sh"


def run(tmp_path: Path, families: list[str], target: str = "build") -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run the script with an ``fc-list`` printing ``families`` and an ``apt-get`` that only logs its
    arguments; returns the process and the apt-get calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (tmp_path / "families.txt").write_text("".join(f + "\n" for f in families), encoding="utf-8")
    log = tmp_path / "apt-get.log"
    stand_ins = {
        "fc-list": f'#!/bin/sh\ncat "{tmp_path / "families.txt"}"\n',
        "apt-get": f'#!/bin/sh\necho "$*" >> "{log}"\n',
    }
    for name, text in stand_ins.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    process = subprocess.run(["bash", str(SCRIPT), target], env=env, capture_output=True, text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return process, calls


def test_present_fonts_install_nothing_even_when_the_font_list_is_long(tmp_path):
    # The fonts come first and many others after them: a `grep -q` that stops reading at the
    # first match made fc-list die of SIGPIPE, which pipefail took for "not installed".
    families = ["Noto Serif CJK SC", "Noto Sans CJK SC"] + [f"Other Font {n}" for n in range(200_000)]
    process, calls = run(tmp_path, families)
    assert process.returncode == 0, process.stderr
    assert calls == [] and process.stderr == ""


def test_missing_fonts_are_installed_as_root_or_named_otherwise(tmp_path):
    process, calls = run(tmp_path, ["DejaVu Sans", "Noto Sans CJK SC"])
    if os.geteuid() == 0:
        assert process.returncode == 0, process.stderr
        assert "fonts-noto-cjk" in process.stderr
        assert calls[-1].split()[-1] == "fonts-noto-cjk" and calls[-1].startswith("install")
    else:
        assert process.returncode == 1
        assert "sudo apt-get install fonts-noto-cjk" in process.stderr and calls == []
