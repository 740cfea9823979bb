"""Cleaning a batch: every input on every core, named, written atomically, reported.

Unchanged inputs are skipped through a cache keyed on the input's bytes, the configuration and
the cleaner's own code, so a second run over thousands of essays does no work.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from .clean import Cleaned, clean_text, size_error
from .config import CONFIG_NAME, load
from .files import Manifest, assign_names, files_below, remove_leftovers, write_atomic

# Batches smaller than this are cleaned in this process: starting workers costs more.
PARALLEL_MIN_INPUTS = 64
CLEANER_MODULES = ("read", "repair", "footer", "script", "typography", "outline", "render", "faithful", "clean", "files")


@dataclass
class Outcome:
    """What a batch did: the report's entries (one per input, in input order) and counts."""

    entries: list[dict] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0
    fresh: set[str] = field(default_factory=set)  # sources cleaned in this run, not taken from the cache
    removed: list[str] = field(default_factory=list)

    @property
    def refused(self) -> list[dict]:
        return [entry for entry in self.entries if entry["error"]]


def expand(sources: list[str]) -> list[str]:
    """Files as given, folders as the files below them (hidden ones skipped), in name order."""
    inputs = []
    for source in sources:
        if os.path.isdir(source):
            below = files_below(str(Path(source)), skip=lambda name: name.startswith("."))
            inputs += [path for path in below if os.path.isfile(path)]
        else:
            inputs.append(source)
    return inputs


def fingerprint(config: dict) -> str:
    """What, besides an input's bytes, decides its Markdown: the config file and the cleaner's code."""
    digest = hashlib.sha256((Path(config["root"]) / CONFIG_NAME).read_bytes())
    package = Path(__file__).parent
    for module in CLEANER_MODULES:
        digest.update((package / f"{module}.py").read_bytes())
    return digest.hexdigest()


def _clean_one(job: tuple[bytes, str, str]) -> Cleaned:
    data, source, config_path = job
    try:
        return clean_text(data, source, load(Path(config_path)))
    except Exception as error:  # a bug met on one input must not stop the batch
        return Cleaned(source, error=f"internal error, the essay was not written: {type(error).__name__}: {error}; please report this bug")


def run(config: dict, sources: list[str], out: Path, jobs: int | None = None, progress: bool = True) -> Outcome:
    """Clean ``sources`` into ``out``; return what was done. One bad input never stops the others."""
    inputs = expand(sources)
    config_path = str(Path(config["root"]) / CONFIG_NAME)
    cache_path = Path(config["root"]) / "build" / "cache" / f"clean-{hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:12]}.json"
    cache = _read_cache(cache_path)
    key = fingerprint(config)
    root = os.path.realpath(config["root"])
    folders: dict[str, str] = {}
    seeds = {s: _relative(s, root, folders) for s in inputs}
    by_name = {os.path.basename(path): path for path in seeds.values()}
    seeds_folder = os.path.join(str(config["paths"]["seeds"]), "")
    remove_leftovers(out)
    manifest = Manifest(out, lambda name: by_name.get(name) or seeds_folder + name)
    if manifest.warning:
        print(f"handbook: warning: {manifest.warning}", file=sys.stderr)

    stats: dict[str, list[int]] = {}
    errors: dict[str, str] = {}
    for source in inputs:
        try:
            stat = os.stat(source)
        except OSError as error:
            errors[source] = f"it cannot be read: {error.strerror or error}"
            continue
        if too_large := size_error(stat.st_size, config):
            errors[source] = too_large  # never read into memory
        else:
            stats[source] = [stat.st_size, stat.st_mtime_ns]

    def cached(source: str) -> bool:
        """Cached with this code and configuration, its page there as written (not deleted, truncated or edited)."""
        entry = cache.get(source)
        if not entry or entry.get("key") != key:
            return False
        try:
            page = os.stat(out / entry["name"])
        except OSError:
            return False
        return entry.get("page") == [page.st_size, page.st_mtime_ns] and manifest.owns(entry["name"])

    # An input whose size and time are as cached is not even read (a no-op `make` over thousands).
    hits = {s for s in stats if cached(s) and cache[s]["stat"] == stats[s]}
    datas = _read_all([s for s in stats if s not in hits], errors)
    digests = {s: hashlib.sha256(d).hexdigest() for s, d in datas.items()}
    for source, digest in digests.items():
        if cached(source) and cache[source]["digest"] == digest:  # touched, not changed
            hits.add(source)
            cache[source]["stat"] = stats[source]
    todo = [s for s in digests if s not in hits]
    results = _clean_all([(datas[s], s, config_path) for s in todo], jobs, progress)

    titles = {s: cache[s]["title"] for s in hits} | {s: r.essay.title for s, r in results.items() if r.essay}
    in_run = set(seeds.values())
    pages = {name for name in os.listdir(out) if name.endswith(".md")} if out.is_dir() else set()
    # Names follow from the current inputs alone: hand-written pages, and the pages of seeds
    # outside this run that still exist; never a page whose seed is gone.
    taken = {name for name in pages if manifest.is_hand_written(name)}
    taken |= {n for n, seed in manifest.files.items() if seed not in in_run and os.path.exists(os.path.join(root, seed))}
    names = assign_names(titles, taken)
    renamed = [s for s in hits if names[s] != cache[s]["name"]]
    datas |= _read_all([s for s in renamed if s not in datas], errors)
    results |= _clean_all([(datas[s], s, config_path) for s in renamed if s in datas], jobs, progress=False)

    outcome = Outcome()
    for source in inputs:
        if source in errors:
            outcome.entries.append(_entry(Cleaned(source, error=errors[source])))
            continue
        if source in hits and source not in renamed:
            outcome.unchanged += 1
            outcome.entries.append(cache[source]["report"])
            continue
        result = results[source]
        outcome.fresh.add(source)
        if result.essay:
            name = names[source]
            if manifest.is_hand_written(name):
                result.error = f"{out / name} exists and was not generated by the cleaner: it is not overwritten (rename or move it)"
            else:
                result.output = str(out / name)
                wrote = write_atomic(out / name, result.markdown)
                outcome.written += wrote
                outcome.unchanged += not wrote
                for old in manifest.record(name, seeds[source]):
                    (out / old).unlink(missing_ok=True)
                cache[source] = {
                    "key": key,
                    "digest": hashlib.sha256(datas[source]).hexdigest(),
                    "stat": stats[source],
                    "title": result.essay.title,
                    "name": name,
                    "page": [(page := os.stat(out / name)).st_size, page.st_mtime_ns],
                    "report": _entry(result),
                }
        outcome.entries.append(_entry(result))

    outcome.removed = _prune(manifest, out, Path(config["root"]))
    manifest.save()
    if datas or results or not cache_path.is_file():  # a seed read or cleaned: else the cache is as it was
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_path, json.dumps(cache, ensure_ascii=False))
    return outcome


def _read_all(sources: list[str], errors: dict[str, str]) -> dict[str, bytes]:
    """The bytes of ``sources``; what cannot be read goes into ``errors``."""
    datas = {}
    for source in sources:
        try:
            datas[source] = Path(source).read_bytes()
        except OSError as error:
            errors[source] = f"it cannot be read: {error.strerror or error}"
    return datas


def _clean_all(jobs_: list[tuple[bytes, str, str]], jobs: int | None, progress: bool) -> dict[str, Cleaned]:
    workers = jobs or os.cpu_count() or 1
    bar = _progress_bar(len(jobs_), progress)
    results = {}
    parallel = workers > 1 and len(jobs_) >= PARALLEL_MIN_INPUTS
    # In parallel, the first input is cleaned here before the workers are forked: it builds the
    # OpenCC converters and the configuration's patterns (0.2 s), which the workers then inherit
    # instead of each building them again.
    for job in jobs_[:1] if parallel else jobs_:
        result = _clean_one(job)
        results[result.source] = result
        bar.update()
    if parallel:
        rest = jobs_[1:]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(_clean_one, rest, chunksize=max(1, len(rest) // (workers * 8))):
                results[result.source] = result
                bar.update()
    bar.close()
    return results


def _progress_bar(total: int, progress: bool):
    """tqdm's bar on a terminal when there is enough to show, else one that shows nothing (and
    tqdm is not imported: a tenth of a second of every clean)."""
    if not (progress and total >= PARALLEL_MIN_INPUTS and sys.stderr.isatty()):
        return SimpleNamespace(update=lambda n=1: None, close=lambda: None)
    from tqdm import tqdm

    return tqdm(total=total, unit="essay", leave=False)


def _relative(source: str, root: str, folders: dict[str, str] | None = None) -> str:
    """A seed's path as the manifest records it: relative to the project's root (a real path)
    when inside it, else absolute; symbolic links resolved. ``folders``: the real paths of the
    folders already resolved (one folder holds thousands of seeds: ``realpath`` walks every
    component of every path).

    >>> _relative("/srv/project/seeds/a.txt", "/srv/project"), _relative("/srv/other/b.txt", "/srv/project")
    ('seeds/a.txt', '/srv/other/b.txt')
    """
    folders = {} if folders is None else folders
    folder, name = os.path.split(source)
    real = folders.get(folder)
    if real is None:
        real = folders[folder] = os.path.realpath(folder or ".")
    path = os.path.join(real, name)
    if os.path.islink(path):
        path = os.path.realpath(path)
    inside = root.rstrip("/") + "/"
    return path[len(inside):] if path.startswith(inside) else path  # both real paths: no relpath needed


def _prune(manifest: Manifest, out: Path, root: Path) -> list[str]:
    """Remove generated pages whose seed is gone (the manifest records the seed's path)."""
    gone = [name for name, seed in manifest.files.items() if not (root / seed).exists()]
    for name in gone:
        (out / name).unlink(missing_ok=True)
        manifest.forget(name)
    return gone


def _entry(result: Cleaned) -> dict:
    essay = result.essay
    return {
        "source": result.source,
        "output": result.output,
        "error": result.error,
        "title": essay.title if essay else None,
        "date": essay.meta.get("date") if essay else None,
        "encoding": result.encoding or None,
        "original_script": essay.meta.get("original_script") if essay else None,
        "repairs": dict(sorted(essay.repairs.items())) if essay else {},
        "removed": essay.removed if essay else [],
        "notes": essay.notes if essay else [],
    }


def _read_cache(path: Path) -> dict:
    """The cleaning cache; a damaged one is dropped with a warning (every entry is disposable)."""
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(cache, dict) or not all(isinstance(e, dict) and {"key", "digest", "stat", "title", "name", "report"} <= e.keys()
                                                  for e in cache.values()):
            raise ValueError("not a cache of cleaned essays")
        return cache
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as error:
        print(f"handbook: warning: {path} is damaged ({error}): every seed is cleaned again", file=sys.stderr)
        return {}


def summary(outcome: Outcome, out: Path) -> str:
    """A readable account of a batch for the editor."""
    entries = outcome.entries
    lines = [
        f"cleaned {len(entries)} input{'s' if len(entries) != 1 else ''} into {out}: "
        f"{outcome.written} written, {outcome.unchanged} unchanged, {len(outcome.refused)} refused"
        + (f", {len(outcome.removed)} removed (seed gone)" if outcome.removed else "")
    ]
    repairs: Counter[str] = Counter()
    essays: Counter[str] = Counter()
    for entry in entries:
        if entry["source"] not in outcome.fresh:
            continue
        repairs.update(entry["repairs"])
        essays.update(entry["repairs"].keys())
    for name, count in repairs.most_common():
        lines.append(f"  {name}: {count} line{'s' if count != 1 else ''} in {essays[name]} essay{'s' if essays[name] != 1 else ''}")
    footer_lines = sum(len(entry["removed"]) for entry in entries if entry["source"] in outcome.fresh)
    if footer_lines:
        lines.append(f"  footer lines removed: {footer_lines}")
    noted = [entry for entry in entries if entry["source"] in outcome.fresh and entry["notes"]]
    if noted:
        count = sum(len(entry["notes"]) for entry in noted)
        lines.append(f"  notes for the editor (in the report): {count} in {len(noted)} essay{'s' if len(noted) != 1 else ''}")
    for entry in outcome.refused:
        lines.append(f"{entry['source']}: refused: {entry['error']}")
    return "\n".join(lines)
