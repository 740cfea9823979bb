"""``handbook.forked``: one process forked per task, answers in order, a killed process reported
in its answer's place while the others finish, an exception raised again in the parent, the
work left for after an answer done after it is received, and before the caller is done."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from handbook.forked import ProcessDied, after_answer, each_forked


def work(task):
    if task == "killed":
        os._exit(9)  # as if killed for memory
    if task == "bad":
        raise ValueError("bad task")
    if task == "slow":
        time.sleep(0.3)
    return task, os.getpid()


def test_answers_come_in_order_each_from_a_fresh_process():
    answers = list(each_forked(work, ["slow", "a", "b", "c"], 2))
    assert [task for task, _ in answers] == ["slow", "a", "b", "c"]  # "slow" ends last but comes first
    assert len({pid for _, pid in answers} | {os.getpid()}) == 5


def test_a_killed_process_is_reported_in_its_place_and_the_others_finish():
    answers = list(each_forked(work, ["a", "killed", "b"], 2))
    assert answers[0][0] == "a" and answers[2][0] == "b"
    assert isinstance(answers[1], ProcessDied)
    assert (answers[1].task, answers[1].exitcode) == ("killed", 9)
    assert "ended without a result (exit status 9" in str(answers[1])


def test_an_exception_is_raised_again_and_the_processes_left_are_killed():
    with pytest.raises(ValueError, match="bad task"):
        list(each_forked(work, ["bad", "slow", "slow"], 3))
    assert multiprocessing.active_children() == []


def test_a_task_may_fork_processes_of_its_own():
    """The build's booklet process forks its volumes' processes (so the processes are not daemonic)."""
    nested = list(each_forked(lambda tasks: [task for task, _ in each_forked(work, tasks, 2)], [["a", "b"], ["c"]], 2))
    assert nested == [["a", "b"], ["c"]]


def test_work_after_the_answer_is_done_after_the_parent_has_it_and_before_the_caller_is_done(tmp_path):
    """A site's records for the next build: written while the parent publishes the site."""
    done = tmp_path / "done"

    def task(name):
        def later():
            time.sleep(0.5)
            done.write_text(name)

        after_answer(later)
        return name

    answers = each_forked(task, ["site"], 1)
    assert next(answers) == "site" and not done.exists()  # the answer comes before the work left
    assert list(answers) == [] and done.read_text() == "site"  # and the work is done when all have answered
    assert multiprocessing.active_children() == []


def test_work_after_the_answer_is_done_at_once_outside_a_forked_task(tmp_path):
    after_answer(lambda: (tmp_path / "done").write_text("now"))
    assert (tmp_path / "done").read_text() == "now"


def frozen(_task):
    import gc

    return gc.get_freeze_count()


def test_the_parents_objects_are_frozen_in_the_children_and_collected_again_after():
    import gc

    held = [[n] for n in range(10_000)]  # the parent's records, say
    assert gc.get_freeze_count() == 0
    (in_child,) = each_forked(frozen, ["a"], 1)
    assert in_child >= len(held)  # a child's collections do not walk them
    assert gc.get_freeze_count() == 0  # in the parent they are collectable again
