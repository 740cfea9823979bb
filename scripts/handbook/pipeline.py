"""What ``make`` builds (``handbook build``): clean the seeds, then every edition's site and the
booklets side by side.

The sites and the booklets only read the cleaned essays, never each other, so once the cleaner
is done they are built at once, each in a process of its own: MkDocs renders on one core, and a
second core would otherwise idle through the Traditional edition and the booklets (on one core
they run one after the other, in this process). The booklets' PDFs are copied into the sites
last, because an edition's site build replaces its folder.

What is up to date is recognised here, before any process starts, so a ``make`` with nothing to
do costs the checks alone.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from .files import reading_once
from .forked import ProcessDied, each_forked


FAILED = 3  # the exit status when a step failed (1: the cleaner refused some inputs)
USAGE = 2   # a mistake in handbook.yml found once the essays are known (a booklet that selects nothing)
BOOKLET_NICENESS = 10  # added to the booklets' process's when the sites are built beside it
# The cyclic garbage collector's thresholds during a build (``gc.set_threshold``): a young
# collection after this many new container objects rather than 700, an older one after this many
# of the younger ones rather than 10.
COLLECT_AFTER = (100_000, 50, 50)


@dataclass
class Step:
    """One step of a build, as measured by the process that ran it."""

    name: str               # "clean", "site zh-Hant", "booklet", "publish" (the sites made live)
    start: float = 0.0      # seconds from the start of the build
    wall: float = 0.0
    cpu: float = 0.0        # CPU seconds of its process and the processes it waited for
    peak_mb: float = 0.0    # the largest of those processes' peak resident memory
    search_s: float = 0.0   # of a site: the part spent indexing it for search
    pages: str = ""         # of a site: what was rendered ("3 of 1,025 pages rendered")
    error: str | None = None


def build(config: dict[str, Any], clean: Callable[[], int]) -> tuple[int, list[Step]]:
    """Run ``clean`` (the cleaner, returning its exit status), then the sites and booklets that
    are not up to date; the status and the steps run, the failed ones with their error. Each
    page is read once for every step (``reading_once``)."""
    with reading_once(), _collecting_rarely():
        return _build(config, clean)


@contextmanager
def _collecting_rarely():
    """The cyclic garbage collector run rarely (``COLLECT_AFTER``): a build loads millions of
    objects (its records, the catalogue), hardly any in cycles, and each of the collector's full
    passes walks them all."""
    before = gc.get_threshold()
    gc.set_threshold(*COLLECT_AFTER)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build(config: dict[str, Any], clean: Callable[[], int]) -> tuple[int, list[Step]]:
    from . import booklet
    from .booklet import books
    from .site.build import editions, inputs_stamp, up_to_date

    started = time.perf_counter()
    cleaned: list[int] = []
    steps = [_measured("clean", lambda: cleaned.append(clean()), started)]
    status = cleaned[0] if cleaned else FAILED
    named = books.current(config, "named")
    if named is None:  # the named booklets first: the home page lists their page counts
        try:
            catalogue = books.check_named(config)
            holder: list = []
            steps.append(_measured("booklets", lambda: holder.extend(books.build_books(config, "named", quiet=True, catalogue=catalogue)), started))
            named = holder
        except booklet.BookletError as error:
            print(f"handbook build: {error}", file=sys.stderr)
            status, named = max(status, USAGE), []
    stamps = {edition: inputs_stamp(config, edition) for edition in editions(config)}
    # Each edition's published files walked in a thread of its own, beside the booklets' checks:
    # on a cold cache the walks wait on the disk, which answers two at once sooner.
    with ThreadPoolExecutor(len(stamps)) as pool:
        current = {edition: pool.submit(up_to_date, config, edition, stamp) for edition, stamp in stamps.items()}
        try:
            built = booklet.current(config)
            chapters = books.current(config, "chapters")
        except Exception:  # noqa: BLE001 - e.g. a bad booklet setting: its own step fails and says so
            built = chapters = None
        tasks = [("site", edition) for edition, walked in current.items() if not walked.result()]
    if built is None or chapters is None:
        tasks.append(("booklet", None))
    from .catalogue import held, save_held
    from .site.build import publish_staged, wait_behind

    if tasks:
        sites = sum(kind == "site" for kind, _ in tasks)
        with ExitStack() as stack:
            if len(tasks) > 1:  # imported and read once here, for every forked process
                try:
                    _preload(config, tasks)
                except Exception:  # noqa: BLE001 - each step imports it again and reports what is wrong
                    pass
                try:
                    stack.enter_context(held(config))
                except Exception:  # noqa: BLE001 - each step loads it again and reports what is wrong
                    pass
            for step, result in _run_all(config, tasks, started, stamps):
                steps.append(step)
                if step.name.startswith("site "):
                    sites -= 1
                    if not sites:  # every edition built: live now, not once the booklets are typeset
                        steps.append(_measured("publish", lambda: publish_staged(config), started))
                        save_held()
                if step.name == "booklet" and result:
                    built, chapters = result
    publish_staged(config)  # an edition staged and never published (a build killed in between)
    if built:
        books.publish_all(config, built + (chapters or []) + named)
    wait_behind()
    if any(step.error for step in steps):
        for step in steps:
            if step.error:
                print(f"handbook build: {step.name} failed: {step.error}", file=sys.stderr)
        status = FAILED
    if tasks:
        print(summary(steps, time.perf_counter() - started), file=sys.stderr)
    return status, steps


def summary(steps: list[Step], total: float) -> str:
    """``handbook build: 9.1 s: clean 0.6 s, site zh-Hans 4.2 s (3 of 10,025 pages rendered; search 2.1 s), …``"""
    parts = []
    for step in steps:
        notes = [step.pages] if step.pages else []
        notes += [f"search {step.search_s:.1f} s"] if step.search_s else []
        parts.append(f"{step.name} {step.wall:.1f} s" + (f" ({'; '.join(notes)})" if notes else "")
                     + (" FAILED" if step.error else ""))
    return f"handbook build: {total:.1f} s: " + ", ".join(parts)


def _preload(config: dict[str, Any], tasks: list[tuple[str, str | None]]) -> None:
    """Import what the steps will, before they are forked: once, not once per process (two thirds
    of a second a site)."""
    if any(kind == "site" for kind, _ in tasks):
        from .site.build import preload

        preload(config)
    if any(kind == "booklet" for kind, _ in tasks):
        import pikepdf  # noqa: F401
        import typst  # noqa: F401


def _run_all(config: dict[str, Any], tasks: list[tuple[str, str | None]], started: float, stamps: dict[str, str]):
    """Each task's (step, result): side by side, each in a process forked for it, when there are
    cores for it, else one after the other here. ``stamps``: the editions' input stamps."""
    if len(tasks) == 1 or (os.cpu_count() or 1) == 1:
        for kind, edition in tasks:
            yield _task(config, kind, edition, started, stamp=stamps.get(edition or ""))
        return

    def run(task: tuple[str, str | None]):
        return _task(config, *task, started, behind=True, stamp=stamps.get(task[1] or ""))

    for (kind, edition), answer in zip(tasks, each_forked(run, tasks, len(tasks))):
        yield (Step(_step_name(kind, edition), error=str(answer)), None) if isinstance(answer, ProcessDied) else answer


def _task(config: dict[str, Any], kind: str, edition: str | None, started: float, behind: bool = False,
          stamp: str | None = None):
    """Build one edition's site or all booklets; (its step, the booklets' results). ``behind``:
    in a process of its own beside the sites, where the booklets yield the cores to them.
    ``stamp``: the edition's input stamp, made before the build."""
    if kind == "site":
        from .site import build as build_site, incremental, search

        step = _measured(_step_name(kind, edition), lambda: build_site(config, edition, force=True, publish=False, stamp=stamp), started)
        step.search_s, step.pages = search.last_seconds, incremental.summary()
        return step, None
    from . import booklet
    from .booklet import books

    if behind:  # an editor waits for the site; the booklets' Typst runs inherit the lower priority
        os.nice(BOOKLET_NICENESS)
    results: list = []
    step = _measured(_step_name(kind, edition), lambda: results.extend(
        [booklet.build(config, copy_to_site=False, quiet=True), books.build_books(config, "chapters", quiet=True)]), started)
    return step, results


def _step_name(kind: str, edition: str | None) -> str:
    return f"{kind} {edition}" if edition else kind


def _measured(name: str, call: Callable[[], Any], started: float) -> Step:
    """Run ``call``: its step, with the error it raised (the other steps still run)."""
    def usage():
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime

    step = Step(name, start=time.perf_counter() - started)
    cpu, begin = usage(), time.perf_counter()
    try:
        call()
    except Exception as error:  # noqa: BLE001 - reported with the step, and by the exit status
        step.error = f"{type(error).__name__}: {error}"
    step.wall, step.cpu = time.perf_counter() - begin, usage() - cpu
    step.peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    return step
