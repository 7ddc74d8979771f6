"""Client processes for the capacity race test: each logs its residents in, waits at a barrier
shared by all processes, then fires every resident's request at once from its own thread.

Standard library only (plus tests.live), so spawned processes start quickly.
"""

import threading

from tests.live import HttpSession


def run(base_url: str, password: str, actions: list[tuple[str, str]], barrier, results) -> None:
    """actions: (phone, path to POST). Puts (phone, path, status) on `results` for each."""
    sessions = []
    for phone, path in actions:
        session = HttpSession(base_url).login(phone, password)
        # the CSRF token of the logged-in session (HttpSession.fetch_csrf reads /login, which a
        # logged-in person is redirected away from)
        _status, page, _headers = session.get("/events")
        session.csrf = HttpSession.CSRF.search(page).group(1)
        sessions.append((phone, path, session))
    barrier.wait(timeout=180)
    start = threading.Event()

    def fire(phone, path, session):
        start.wait()
        try:
            status, _body, _headers = session.post(path)
        except Exception as error:  # a dropped connection is a result too
            status = f"error: {error!r}"
        results.put((phone, path, status))

    threads = [threading.Thread(target=fire, args=item) for item in sessions]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(timeout=180)
