"""A client process for the race test: logs its residents in, waits for the others, then fires
all its joins at once (one thread each). Standard library only, so it can be spawned cheaply."""

import threading

from tests.live import HttpSession


def run(url: str, password: str, jobs: list, barrier, results) -> None:
    """jobs: [(phone, buy_id, quantity, repeats)]; puts [(phone, status), ...] on `results`
    (or the error as a string, so the test can say what went wrong)."""
    try:
        results.put(_run(url, password, jobs, barrier))
    except BaseException as error:  # report, never hang the test
        barrier.abort()
        results.put(f"{type(error).__name__}: {error}")


def _run(url: str, password: str, jobs: list, barrier) -> list:
    sessions = []
    for phone, buy_id, quantity, repeats in jobs:
        session = HttpSession(url).login(phone, password)
        _status, page, _headers = session.get(f"/groupbuy/{buy_id}")
        session.csrf = HttpSession.CSRF.search(page).group(1)  # the token of the logged-in session
        sessions.append((session, phone, buy_id, quantity, repeats))
    outcome, lock = [], threading.Lock()
    start = threading.Event()

    def fire(session, phone, buy_id, quantity):
        start.wait()
        status, _body, _headers = session.post(f"/groupbuy/{buy_id}/join", {"quantity": str(quantity)})
        with lock:
            outcome.append((phone, status))

    threads = [
        threading.Thread(target=fire, args=(s, phone, buy_id, quantity))
        for s, phone, buy_id, quantity, repeats in sessions
        for _ in range(repeats)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    start.set()
    for thread in threads:
        thread.join(timeout=120)
    return outcome
