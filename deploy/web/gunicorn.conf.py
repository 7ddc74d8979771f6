"""The portal's web process in production: `gunicorn -c deploy/web/gunicorn.conf.py wsgi:app`.

One gevent worker holds thousands of open Socket.IO connections (every logged-in page keeps
one) while it answers pages: each connection and each request is a greenlet, and the database
driver (psycopg 3), the Redis client and the sockets cooperate once gevent has patched the
standard library, which the gevent worker does before the app is loaded. A thread per socket
(the gthread worker) ran out at its 64 threads.

More than one web process: run several of these on different ports (PORTAL_BIND) behind nginx
with sticky sessions (deploy/web/nginx.conf), and set PORTAL_REDIS_URL so a push made in any
process reaches the sockets of every other one. Without Redis a second process is refused.
"""

import os
import resource

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
worker_class = "gevent"
workers = 1  # Socket.IO sessions live in their process: scale by processes, each on its own port
worker_connections = int(os.environ.get("PORTAL_WEB_CONNECTIONS", 10000))  # sockets and requests at once
keepalive = 75
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("PORTAL_ACCESS_LOG") or None


def on_starting(server):
    """Every open socket is a file descriptor: raise the soft limit to what the system allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        server.log.warning(
            "open files limited to %s: fewer than %s sockets can stay open (raise LimitNOFILE)",
            soft,
            worker_connections,
        )
