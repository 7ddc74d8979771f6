"""Processes that start at the same moment: the race tests' clients.

Each process runs `target(*arguments, barrier, results)` in a fresh interpreter (spawn: no state
shared with the test), waits at the barrier so that all start together, and puts one report on
`results`: a list, or the error as a string so the test can say what went wrong.
"""

import multiprocessing
import queue


def run_at_once(target, argument_sets: list[tuple], timeout: float = 180) -> list[list]:
    """One process per argument tuple; returns their reports (lists), in the order they came."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(argument_sets))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*arguments, barrier, results)) for arguments in argument_sets
    ]
    for process in processes:
        process.start()
    reports = []
    try:
        for _ in processes:
            reported = results.get(timeout=timeout)
            assert isinstance(reported, (list, tuple)), reported
            reports.append(reported)
    except queue.Empty as error:
        raise AssertionError("a client process did not report back") from error
    finally:
        for process in processes:
            process.join(timeout=30)
    return reports
