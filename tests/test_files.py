"""Atomic writes: the new bytes or the old, world-readable as the umask allows, no temporary left."""

from __future__ import annotations

import os
import stat

import pytest

from handbook.files import copy_atomic, write_atomic


def test_write_atomic_writes_readable_files_and_skips_same_bytes(tmp_path):
    page = tmp_path / "docs" / "页.md"
    old = os.umask(0o022)
    try:
        assert write_atomic(page, "窗口\n") is True
    finally:
        os.umask(old)
    assert page.read_text(encoding="utf-8") == "窗口\n"
    assert stat.S_IMODE(page.stat().st_mode) == 0o644  # a web server can read it
    assert write_atomic(page, "窗口\n") is False
    assert sorted(p.name for p in page.parent.iterdir()) == ["页.md"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    page = tmp_path / "页.md"
    write_atomic(page, "旧")
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        write_atomic(page, "新")
    assert page.read_text(encoding="utf-8") == "旧"
    assert [p.name for p in tmp_path.iterdir()] == ["页.md"]


def test_copy_atomic_keeps_the_time_and_skips_an_unchanged_copy(tmp_path):
    source, target = tmp_path / "a.pdf", tmp_path / "site" / "a.pdf"
    source.write_bytes(b"%PDF-1.7")
    assert copy_atomic(source, target) is True
    assert target.read_bytes() == b"%PDF-1.7" and target.stat().st_mtime_ns == source.stat().st_mtime_ns
    assert copy_atomic(source, target) is False
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]


def test_a_file_is_read_once_a_build_until_it_changes(tmp_path):
    """``read_once`` inside ``reading_once`` gives what was read while the file is the same, and
    reads a file replaced or written meanwhile again; outside, it always reads."""
    import hashlib

    from handbook.files import read_once, reading_once

    page = tmp_path / "page.md"
    page.write_bytes(b"first")
    with reading_once():
        assert read_once(page) == (b"first", hashlib.sha256(b"first").hexdigest())
        (tmp_path / "new").write_bytes(b"other")
        os.replace(tmp_path / "new", page)  # another file (inode) of the same size, as write_atomic makes
        assert read_once(page)[0] == b"other"
        with page.open("r+b") as stream:  # written in place: its time changes
            stream.write(b"again")
        os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
        assert read_once(page)[0] == b"again"
    with page.open("r+b") as stream:
        stream.write(b"later")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns - 1))
    assert read_once(page)[0] == b"later"
