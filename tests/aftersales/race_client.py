"""A client process for the after-sales race test: logs the resident in (one session per report),
waits for the other processes, then fires all its reports at once (one thread each)."""

import threading

from tests.live import HttpSession


def run(url: str, password: str, jobs: list, barrier, results) -> None:
    """jobs: [(phone, order_id, quantity)]; puts [status, ...] on `results` (or the error)."""
    try:
        results.put(_run(url, password, jobs, barrier))
    except BaseException as error:  # report, never hang the test
        barrier.abort()
        results.put(f"{type(error).__name__}: {error}")


def _run(url: str, password: str, jobs: list, barrier) -> list:
    sessions = []
    for phone, order_id, quantity in jobs:
        session = HttpSession(url).login(phone, password)
        _status, page, _headers = session.get(f"/aftersales/orders/{order_id}/report")
        session.csrf = HttpSession.CSRF.search(page).group(1)
        sessions.append((session, order_id, quantity))
    outcome, lock = [], threading.Lock()
    start = threading.Event()

    def fire(session, order_id, quantity):
        start.wait()
        status, _body, _headers = session.post(
            f"/aftersales/orders/{order_id}/report", {"reason": "damaged", "quantity": str(quantity)}
        )
        with lock:
            outcome.append(status)

    threads = [threading.Thread(target=fire, args=job) for job in sessions]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=120)
    start.set()
    for thread in threads:
        thread.join(timeout=120)
    return outcome
