"""Output files: stable readable names, atomic writes, and a manifest of what the cleaner owns.

The cleaner writes only pages it generated, never over a hand-written page, and removes a
generated page once its seed is gone. A page says itself that it is generated (its front matter
holds ``generator: handbook`` and its seed's name under ``source:``); the output folder's manifest
is a cache of that, rebuilt from the pages when it is lost or damaged.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

MANIFEST = ".manifest.json"
SLUG_MAX_CHARS = 40
RACY_NS = 2_000_000_000  # how long before its record a file must have changed to be trusted unchanged (``digests``)
_SERIAL = itertools.count()


def slugify(title: str) -> str:
    """A readable file name from a title: its words, joined by hyphens.

    >>> slugify("树立五种意识 践行科学发展观"), slugify("关于“窗口”的思考：AT&T / R&D?")
    ('树立五种意识-践行科学发展观', '关于-窗口-的思考-AT-T-R-D')
    """
    slug = re.sub(r"[^\w]+", "-", title).strip("-_")
    return slug[:SLUG_MAX_CHARS].rstrip("-_")


def files_below(folder: str | Path, skip=lambda name: False) -> list[str]:
    """The files below ``folder``, as sorted string paths; a file or folder whose name ``skip``
    accepts is left out. os.walk and strings, not pathlib: thousands of files on every `make`."""
    found = []
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not skip(name)]
        found += [os.path.join(parent, name) for name in names if not skip(name)]
    return sorted(found)


# The files read during one build (``read_once``), by path: their ``identity`` then, bytes, digest.
_read: dict[str, tuple[list[int], bytes, str]] | None = None


@contextmanager
def reading_once() -> Iterator[None]:
    """Within, ``read_once`` reads a file only once while it stays the same file: a page that
    changed is read for the essays' digests, the catalogue and each edition's site, and the
    processes a build forks share what was read before."""
    global _read
    outer, _read = _read, {} if _read is None else _read
    try:
        yield
    finally:
        _read = outer


def read_once(path: str | os.PathLike) -> tuple[bytes, str]:
    """The bytes of the file ``path`` and their SHA-256 (hex); inside ``reading_once``, as read
    before while the file is the same (``identity``; a file replaced or written meanwhile is read
    again).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as file, reading_once():
    ...     _ = file.write(b"x"); file.flush()
    ...     read_once(file.name)[1] == read_once(file.name)[1] == hashlib.sha256(b"x").hexdigest()
    True
    """
    path = os.fspath(path)
    if _read is not None:
        known = _read.get(path)
        if known is not None and known[0] == identity(os.stat(path)):
            return known[1], known[2]
    with open(path, "rb") as stream:
        opened = identity(os.fstat(stream.fileno()))
        data = stream.read()
    digest = hashlib.sha256(data).hexdigest()
    if _read is not None:
        _read[path] = (opened, data, digest)
    return data, digest


def identity(stat: os.stat_result) -> list[int]:
    """What tells a file apart from itself written since: a write, a rename or ``touch`` moves its
    change time, which nothing sets back."""
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def digests(paths: list[str], record: Path) -> list[str]:
    """The SHA-256 (hex) of each of the files ``paths``; a file is read only when it may have
    changed since ``record`` (a file of the caller's, rewritten when a digest was made) said its
    digest. As git's index does, it may not have when its ``identity`` (inode, size, modification
    and change times) is the recorded one and it last changed at least ``RACY_NS`` before the
    record was written (a write within the same clock tick as the record is not told apart).
    """
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        written, known = int(kept["written"]), dict(kept["files"])
    except (OSError, ValueError, KeyError, TypeError):
        written, known = 0, {}
    found, made = {}, False
    for path in paths:
        stat = os.stat(path)
        now = identity(stat)
        entry = known.get(path)
        if isinstance(entry, list) and entry[:4] == now and stat.st_ctime_ns < written - RACY_NS:
            found[path] = entry
        else:
            found[path], made = [*now, read_once(path)[1]], True
    if made or found.keys() != known.keys():
        record.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(record, json.dumps({"written": time.time_ns(), "files": found}))
    return [found[path][4] for path in paths]


def as_text(data: bytes, encoding: str = "utf-8") -> str:
    """``data`` as ``open(..., encoding=encoding)`` reads it: decoded, line ends made ``\\n``.

    >>> as_text(b"a\\r\\nb\\rc\\n"), as_text("\\ufeffx".encode(), "utf-8-sig")
    ('a\\nb\\nc\\n', 'x')
    """
    text = data.decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def installed_cache(name: str) -> Path | None:
    """``<sys.prefix>/var/cache/handbook/<name>``, for what is derived from the installed software alone
    (compiled templates, OpenCC's forms of the configuration's words): kept in the virtual
    environment beside Python's compiled modules and shared by every project built with it. None
    where it cannot be written."""
    folder = Path(sys.prefix) / "var" / "cache" / "handbook" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def write_atomic(path: Path, content: str | bytes) -> bool:
    """Write ``content`` (text as UTF-8) to ``path`` through a temporary file and a rename; skip
    it when the file already holds those bytes. Returns whether the file was written.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _replace(path, lambda tmp: tmp.write_bytes(data))
    return True


def copy_atomic(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` (with its modification time) through a temporary file and a
    rename; skip it when ``target`` has the source's size and modification time, as a copy made
    here has. Returns whether the file was copied."""
    stat = source.stat()
    try:
        have = target.stat()
        if (have.st_size, have.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return False
    except FileNotFoundError:
        pass

    def fill(tmp: Path) -> None:
        shutil.copyfile(source, tmp)
        os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    _replace(target, fill)
    return True


def _replace(path: Path, fill) -> None:
    """Make ``path`` by ``fill``-ing a temporary file beside it, then renaming it over ``path``:
    a reader sees the old file or the new one, never a part.

    The temporary name holds the process id and a serial number, so no live writer shares it; one
    left by a killed process is removed by ``remove_leftovers``. The file is created by ``fill``
    with the usual permissions (cheaper than ``tempfile.mkstemp``'s random name and 0600 file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{next(_SERIAL)}.tmp"
    try:
        fill(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_LEFTOVER = re.compile(r"\..+\.(\d+)-\d+\.tmp")  # the writing process's id, then a serial number (``_replace``)


def written_here(path: str) -> bool:
    """Whether ``path`` is a temporary file through which this process writes (``write_atomic``).

    >>> written_here(f"docs/.a.md.{os.getpid()}-7.tmp"), written_here("docs/.a.md.1-7.tmp"), written_here("docs/a.md")
    (True, False, False)
    """
    found = _LEFTOVER.fullmatch(os.path.basename(path))
    return found is not None and found[1] == str(os.getpid())


def remove_leftovers(folder: Path) -> list[str]:
    """Remove the temporary files of writes cut short (a process killed) in ``folder``; their names.
    Call it only where no other process writes (under the build lock).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / ".a.md.123-4.tmp").write_text("half"), (Path(d) / "a.md").write_text("whole")
    ...     remove_leftovers(Path(d)), sorted(p.name for p in Path(d).iterdir())
    (['.a.md.123-4.tmp'], ['a.md'])
    """
    if not folder.is_dir():
        return []
    gone = sorted(entry.name for entry in os.scandir(folder) if _LEFTOVER.fullmatch(entry.name) and entry.is_file())
    for name in gone:
        (folder / name).unlink(missing_ok=True)
    return gone


_GENERATED = re.compile(r"\A---\n(?:.*\n)*?generator: handbook\n", re.M)
_SOURCE = re.compile(r"^source: (.+)$", re.M)


def generated_source(page: Path) -> str | None:
    """The seed's name a generated page's front matter names, or None for any other file.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     page = Path(folder) / "a.md"
    ...     _ = page.write_text("---\\ntitle: 甲\\nsource: 1.txt\\ngenerator: handbook\\n---\\n\\n# 甲\\n", encoding="utf-8")
    ...     generated_source(page), generated_source(Path(folder) / "b.md")
    ('1.txt', None)
    """
    try:
        with page.open(encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return None
    front = head[: head.find("\n---\n", 3) + 1] if head.startswith("---\n") else ""
    source = _SOURCE.search(front)
    return source.group(1).strip().strip("'\"") if source and _GENERATED.match(front) else None


class Manifest:
    """The output folder's record of the pages the cleaner generated: file name → source path.

    ``locate`` turns a seed's name (a page's ``source:``) into the path the record keeps; it is
    used when the record is rebuilt from the pages."""

    def __init__(self, folder: Path, locate=lambda name: name) -> None:
        self.folder = folder
        self.path = folder / MANIFEST
        self.warning = ""
        try:
            files = json.loads(self.path.read_text(encoding="utf-8"))["files"]
            if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
                raise ValueError("not a record of pages")
            self.files: dict[str, str] = files
        except FileNotFoundError:
            self.files = self._from_pages(locate)
            if self.files:
                self.warning = f"{self.path} is missing: rebuilt from the pages' front matter"
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            self.files = self._from_pages(locate)
            self.warning = f"{self.path} is damaged ({error}): rebuilt from the pages' front matter"
        self._pages: dict[str, set[str]] = {}  # seed -> its pages: a scan of all per essay made a clean quadratic
        for name, seed in self.files.items():
            self._pages.setdefault(seed, set()).add(name)

    def _from_pages(self, locate) -> dict[str, str]:
        pages = sorted(self.folder.glob("*.md")) if self.folder.is_dir() else []
        return {page.name: locate(source) for page in pages if (source := generated_source(page))}

    def owns(self, name: str) -> bool:
        return name in self.files

    def record(self, name: str, seed: str) -> list[str]:
        """Record ``name`` as the page of ``seed``; return the seed's other pages, no longer
        recorded (removing their files is the caller's business).

        >>> m = Manifest(Path("/nonexistent"))
        >>> m.record("a.md", "seeds/1.txt"), m.record("b.md", "seeds/1.txt"), m.record("a.md", "seeds/2.txt")
        ([], ['a.md'], [])
        >>> m.record("c.md", "seeds/1.txt"), m.files  # a.md is no longer seed 1's to remove
        (['b.md'], {'a.md': 'seeds/2.txt', 'c.md': 'seeds/1.txt'})
        """
        previous = self.files.get(name)
        if previous is not None and previous != seed:
            self._pages[previous].discard(name)
        others = sorted(self._pages.get(seed, set()) - {name})
        for old in others:
            del self.files[old]
        self.files[name] = seed
        self._pages[seed] = {name}
        return others

    def forget(self, name: str) -> None:
        """Drop ``name`` from the record."""
        self._pages[self.files.pop(name)].discard(name)

    def is_hand_written(self, name: str) -> bool:
        """A page there that is neither recorded nor says it is generated (a page written by a
        run killed before it saved the record is still the cleaner's)."""
        path = self.folder / name
        return path.exists() and not self.owns(name) and generated_source(path) is None

    def save(self) -> None:
        text = json.dumps({"generator": "handbook", "files": dict(sorted(self.files.items()))}, ensure_ascii=False, indent=1)
        write_atomic(self.path, text + "\n")


def assign_names(titles: dict[str, str], taken: set[str]) -> dict[str, str]:
    """File names for ``titles`` (source → title): the title's slug, or slug and source stem when
    two essays share a title or a name is ``taken`` — both essays survive, neither depends on order.

    >>> assign_names({"a.txt": "窗口", "b.txt": "窗口", "c.txt": "服务"}, {"服务.md"})
    {'a.txt': '窗口-a.md', 'b.txt': '窗口-b.md', 'c.txt': '服务-c.md'}
    """
    slugs = {source: slugify(title) or slugify(Path(source).stem) for source, title in titles.items()}
    count: dict[str, int] = {}
    for slug in slugs.values():
        count[slug] = count.get(slug, 0) + 1
    names = {}
    for source, slug in slugs.items():
        if count[slug] > 1 or f"{slug}.md" in taken:
            slug = f"{slug}-{slugify(Path(source).stem)}"
        names[source] = f"{slug}.md"
    return names


@contextmanager
def one_at_a_time(path: Path):
    """Hold the project's build lock (an advisory lock on ``build/.lock``, released by the kernel
    when the process ends, however it ends); a second build waits for the first, saying so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            print(f"handbook: another build of this project is running (pid {holder}); waiting for it to finish…", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield
