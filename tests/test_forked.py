"""``handbook.forked``: one process forked per task, answers in order, a killed process reported
in its answer's place while the others finish, an exception raised again in the parent."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from handbook.forked import ProcessDied, each_forked


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
