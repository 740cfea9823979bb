"""Work in processes forked for it: one process per task, at most ``jobs`` at a time.

``handbook build`` runs each edition's site and the booklets this way, and the booklet its
volumes. A forked process imports nothing again and unpickles nothing: it starts with what its
parent has loaded, which spawning would import again. Its memory goes back to the system when it ends, and its CPU time is its
own. ``concurrent.futures`` cannot fork a process per task, and ``multiprocessing.Pool`` waits
forever when one of its processes is killed.

What the parent holds when it forks is frozen out of the garbage collector's reach
(``gc.freeze``, as Python's documentation advises before a fork): a child's collections then walk
only its own objects, and leave the parent's memory pages shared rather than copied.

A parent that forks must not hold threads another library may need in the child: Typst's
thread pool, for one, is never started in a process that forks (its child would wait forever).

What a task keeps only for the next build (a site's records) is written after its answer is
sent (``after_answer``): the parent goes on with the answer (publishes the site) meanwhile.
"""

from __future__ import annotations

import gc
import logging
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

# The work the current forked task left for after its answer; None outside a forked task.
_after: list[Callable[[], Any]] | None = None


class ProcessDied(RuntimeError):
    """A forked process ended without an answer (killed, for instance for memory)."""

    def __init__(self, task: Any, exitcode: int | None):
        super().__init__(f"ended without a result (exit status {exitcode}; out of memory?)")
        self.task, self.exitcode = task, exitcode


def each_forked(function: Callable[[Any], Any], tasks: list[Any], jobs: int) -> Iterator[Any]:
    """``function(task)`` for each task, in a process forked for it, ``jobs`` at a time; the
    answers in the tasks' order. What ``function`` raises is raised here (so its answer and its
    exception must pickle). A process that ends without answering (killed) has a ``ProcessDied``
    in its answer's place, and the others go on. Processes still running when the caller stops
    (or on an error) are killed."""
    import multiprocessing
    from multiprocessing.connection import wait

    context = multiprocessing.get_context("fork")
    running: dict[Any, tuple[int, Any]] = {}  # the answer's pipe -> (task number, process)
    answered: list[Any] = []
    answers: dict[int, tuple[bool, Any]] = {}
    queue = iter(enumerate(tasks))
    gc.freeze()
    try:
        for number in range(len(tasks)):
            while len(running) < jobs and (item := next(queue, None)) is not None:
                reader, writer = context.Pipe(duplex=False)
                # Not daemonic: a task may fork processes of its own (the booklet's volumes).
                process = context.Process(target=_answer, args=(function, item[1], writer))
                process.start()
                writer.close()
                running[reader] = (item[0], process)
            while number not in answers:
                for reader in wait(list(running)):
                    index, process = running.pop(reader)
                    try:
                        answer = reader.recv()  # before joining: a child blocks until its answer is read
                    except EOFError:
                        answer = None
                    reader.close()
                    if answer is None:
                        process.join()
                        answer = (True, ProcessDied(tasks[index], process.exitcode))
                    else:
                        answered.append(process)  # maybe still at its work for after the answer
                    answers[index] = answer
            ok, value = answers.pop(number)
            if not ok:
                raise value
            yield value
    finally:
        for _, process in running.values():
            process.kill()
            process.join()
        for process in answered:
            process.join()
        gc.unfreeze()


def after_answer(work: Callable[[], Any]) -> None:
    """Do ``work`` once the current task's answer is sent, when the task runs in a forked process
    (its parent does not wait for it); else now. For what only a later build reads: should the
    process die before it is done, that build finds it missing or stale and does without."""
    if _after is None:
        work()
    else:
        _after.append(work)


def _answer(function: Callable[[Any], Any], task: Any, pipe: Any) -> None:
    """In a forked process: send back ``(True, function(task))``, or ``(False, the error)``; then
    the work left for after the answer."""
    global _after
    _after = []
    try:
        pipe.send((True, function(task)))
    except Exception as error:  # noqa: BLE001 - raised again in the parent
        pipe.send((False, error))
    pipe.close()
    for work in _after:
        try:
            work()
        except Exception as error:  # noqa: BLE001 - the answer is sent: said here, done again next build
            log.warning("handbook: %s", error)
