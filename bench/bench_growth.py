"""Data growth: the same pages on a SMALL and a LARGE community, on SQLite and on PostgreSQL.

bench/world.py builds SMALL (50 residents, 50 buys, 500 orders…) and LARGE (10,000 residents,
2,000 buys with 100,000 orders, 20,000 posts, 20,000 event signups, 200,000 ledger rows,
50,000 notifications, a group of 500, a buy with 500 participants) into their own databases,
then analyses them as the portal's upkeep would (SQLite: core.db.optimize, which the periodic
jobs run; PostgreSQL: ANALYZE, as autovacuum does). Each page of bench/pages.py (a resident's,
a leader's, a volunteer's, an admin's, the kiosk board) is requested in-process through the
Flask test client — the server's time without a network or an HTTP server — BENCH_GROWTH_REPEAT
times (7) after a warm-up; reported: the median time on small and on large, their ratio, and the
SQL statements per request on each. A page's queries are flat when small and large run the same
number on every database. Goal: worst ratio ≤ 1.5 and every page flat. An export (the orders
CSV of the buy with 500 participants) carries every row it is about, so its time follows them: it
is shown apart and left out of the worst ratio; its queries count like any page's.

The LARGE world is built once and kept (SQLite: a file under instance/bench/; PostgreSQL: the
database linli_bench_large, with a JSON note under instance/bench/), keyed on the hash of the
builder's and the migrations' source, so later runs reuse it; BENCH_GROWTH_REBUILD=1 builds
anew. PostgreSQL (127.0.0.1:5432, user postgres) is used when it answers; its databases are
linli_bench_small and linli_bench_large, never the tests' `test`.
"""

import hashlib
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "instance" / "bench"
REPEAT = int(os.environ.get("BENCH_GROWTH_REPEAT", 7))
REBUILD = os.environ.get("BENCH_GROWTH_REBUILD") == "1"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
GOAL = 1.5


def source_hash() -> str:
    """What a built world depends on: the builder (bench/world*.py) and the schema."""
    digest = hashlib.sha256()
    builder = sorted((ROOT / "bench").glob("world*.py"))
    for path in [*builder, *sorted((ROOT / "migrations" / "versions").glob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pg_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _fresh_pg_database(name: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return f"{PG_SERVER}/{name}"


def world_in(backend: str, size_name: str):
    """(database URL, World) of a size on a backend: LARGE from the cache when it is current."""
    from bench.world import SIZES, World, build

    CACHE.mkdir(parents=True, exist_ok=True)
    key = source_hash()
    note = CACHE / f"{backend}-{size_name}.json"
    if backend == "sqlite":
        path = CACHE / f"world-{size_name}.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = f"{PG_SERVER}/linli_bench_{size_name}"
    cached = (
        size_name == "large" and not REBUILD and note.exists() and note.read_text().startswith(key + "\n")
    )
    if cached and (backend != "sqlite" or path.exists()):
        return url, World.from_json(note.read_text().split("\n", 1)[1])
    started = time.perf_counter()
    if backend == "sqlite":
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
    else:
        url = _fresh_pg_database(f"linli_bench_{size_name}")
    world = build(url, SIZES[size_name])
    note.write_text(key + "\n" + world.to_json())
    print(f"built {size_name} on {backend} in {time.perf_counter() - started:.0f} s", flush=True)
    return url, world


def measure_worlds(worlds):
    """Every page on each (url, world), the worlds in turn (bench.pages.measure)."""
    from bench.pages import measure
    from bench.world import bench_config
    from portal import create_app
    from portal.core.db import db

    apps = [create_app(bench_config(url, WTF_CSRF_ENABLED=False)) for url, _world in worlds]
    results = measure([(app, world) for app, (_url, world) in zip(apps, worlds, strict=True)], repeat=REPEAT)
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    return results


def main() -> int:
    backends = ["sqlite"] + (["postgresql"] if pg_answers() else [])
    if len(backends) == 1:
        print("PostgreSQL is not answering at 127.0.0.1:5432: SQLite only")
    measured = {}  # (backend, size) -> results
    for backend in backends:
        worlds = [world_in(backend, size_name) for size_name in ("small", "large")]
        measured[backend, "small"], measured[backend, "large"] = measure_worlds(worlds)
    pages = [r.page for r in measured[backends[0], "small"]]
    header = f"{'page':28} {'who':9}"
    for backend in backends:
        label = "SQLite" if backend == "sqlite" else "PostgreSQL"
        header += f" | {label + ' ms small/large':24} {'ratio':>5} {'queries':>9} {'KB large':>8}"
    print(header)
    worst = (0.0, "")
    flat = 0
    problems, exports = [], []
    for i, page in enumerate(pages):
        line = f"{page.name[:28]:28} {page.persona:9}"
        page_flat = True
        for backend in backends:
            small, large = measured[backend, "small"][i], measured[backend, "large"][i]
            ratio = large.seconds / small.seconds
            if page.export:
                exports.append(f"{page.name} ×{ratio:.2f} on {backend}")
            elif ratio > worst[0]:
                worst = (ratio, f"{page.name}, {backend}")
            page_flat &= small.queries == large.queries
            times = f"{small.seconds * 1000:.1f} / {large.seconds * 1000:.1f}"
            queries = f"{small.queries}/{large.queries}"
            line += f" | {times:24} {ratio:5.2f} {queries:>9} {large.size / 1024:8.0f}"
            for result in (small, large):
                if result.status != page.status:
                    problems.append(f"{page.name} on {backend}: HTTP {result.status}")
        flat += page_flat
        print(line + ("" if page_flat else "  <- queries grow"))
    for problem in problems:
        print("  !", problem)
    if exports:
        print("exports, as long as the data they carry (not in the worst ratio):", "; ".join(exports))
    print(f"growth: worst ratio {worst[0]:.2f} ({worst[1]}), queries flat on {flat}/{len(pages)} pages")
    return 0 if not problems and worst[0] <= GOAL and flat == len(pages) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
