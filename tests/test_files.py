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


def test_digests_read_only_the_files_that_may_have_changed(tmp_path, monkeypatch):
    """A file whose inode, size and times are as recorded is not read again; one written since
    is, even with its size and modification time set back (its change time moved); and so is
    one that changed just before the record was written (in the same clock tick, it may change
    again unseen)."""
    import hashlib

    from handbook import files

    read = []
    real = files.read_once
    monkeypatch.setattr(files, "read_once", lambda path: read.append(os.path.basename(path)) or real(path))
    a, b, record = tmp_path / "a.md", tmp_path / "b.md", tmp_path / "cache" / "digests.json"
    a.write_bytes(b"aaaa")
    b.write_bytes(b"bbbb")
    paths = [str(a), str(b)]
    assert files.digests(paths, record) == [hashlib.sha256(b"aaaa").hexdigest(), hashlib.sha256(b"bbbb").hexdigest()]
    assert read == ["a.md", "b.md"]
    read.clear()
    files.digests(paths, record)
    assert read == ["a.md", "b.md"]  # changed within RACY_NS of the record: read again
    monkeypatch.setattr(files, "RACY_NS", 0)
    read.clear()
    files.digests(paths, record)
    assert read == []
    before = a.stat()
    a.write_bytes(b"AAAA")
    os.utime(a, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert files.digests(paths, record)[0] == hashlib.sha256(b"AAAA").hexdigest() and read == ["a.md"]
    record.write_text("{damaged", encoding="utf-8")
    read.clear()
    assert files.digests(paths, record)[1] == hashlib.sha256(b"bbbb").hexdigest() and read == ["a.md", "b.md"]
