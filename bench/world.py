"""A community's worth of data, built in bulk, for the growth benchmark and the query-budget test.

`fill(size)` adds one community to a migrated database, in the current app context: its
residents with profiles and tags, a year of group buys and orders, boards, events and signups,
a points ledger with matching balances, notifications, lockers at a pickup point, and the people
who open pages (a resident, a leader who leads most buys, a volunteer, an admin, a kiosk screen).
Rows go in through SQLAlchemy Core `insert()` with lists of dicts, in chunks; primary keys are
given by the builder (after the table's current maximum, so several worlds fit in one
database) and PostgreSQL's sequences are moved past them at the end.

The rows keep the project's invariants: a buy's `quantity_total`/`participant_count` count its
orders that were not cancelled, `order_seq` numbers their references (GB<buy>-<nnnn>), one
order per person and buy, pickup codes unique per pickup point, an event's `places_taken` is
the sum of its confirmed places, one live signup per person and event, a points balance is the
sum of its ledger rows (never below zero), a post's `reply_count` counts its replies.

Everything is drawn from `random.Random(seed)`: the same size and seed give the same world.
The rows of each part come from bench/world_people.py, world_buys.py and world_life.py.

    python -m bench.world small sqlite:////tmp/small.sqlite3     # migrate, fill, report
"""

import json
import random
import sys
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.world_buys import BuyRows
from bench.world_life import LifeRows
from bench.world_people import PeopleRows

PASSWORD = "bench password 1"
CHUNK = 5000


@dataclass(frozen=True)
class Size:
    """How much there is: residents, buys, orders, posts, events, signups, ledger rows,
    notifications, the big mutual-aid group's members and the big buy's (and event's) people."""

    residents: int
    buys: int
    orders: int
    posts: int
    events: int
    signups: int
    ledger: int
    notifications: int
    group_members: int
    big_buy: int

    def times(self, factor: float) -> "Size":
        """The same world `factor` times larger (for tests between SMALL and LARGE)."""
        return Size(**{f.name: max(1, round(getattr(self, f.name) * factor)) for f in fields(self)})


SMALL = Size(
    residents=50,
    buys=50,
    orders=500,
    posts=200,
    events=25,
    signups=100,
    ledger=1000,
    notifications=1000,
    group_members=25,
    big_buy=25,
)
LARGE = Size(
    residents=10_000,
    buys=2_000,
    orders=100_000,
    posts=20_000,
    events=500,
    signups=20_000,
    ledger=200_000,
    notifications=50_000,
    group_members=500,
    big_buy=500,
)
SIZES = {"small": SMALL, "large": LARGE}


@dataclass
class World:
    """What a page list needs to know of a built world: the community, its people, its things."""

    community_id: int
    password: str
    phones: dict  # persona -> login phone: resident, leader, volunteer, admin, kiosk
    ids: dict  # what pages open: big_buy, buy, order, post, group, event, big_event, profile…
    counts: dict  # rows per table

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "World":
        return cls(**json.loads(text))


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华红建国玉梅志文海燕斌宁波晨阳雪琳"

def _utc(dt: datetime) -> datetime:
    return dt.replace(microsecond=0)


class Builder(PeopleRows, BuyRows, LifeRows):
    """Fills one community; `ids[table]` hands out primary keys, `rows[table]` collects rows."""

    def __init__(self, size: Size, seed: int, password_hash: str):
        from portal.core.db import db

        self.db = db
        self.size = size
        self.rng = random.Random(f"{seed}:{size}")
        self.password_hash = password_hash
        self.now = _utc(datetime.now(UTC))
        self.rows: dict[str, list[dict]] = {}
        self.next_id: dict[str, int] = {}
        self.world_ids: dict = {}
        self.phones: dict = {}

    # --- keys and rows ---------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        if table not in self.next_id:
            current = self.db.session.execute(sa.text(f"SELECT MAX(id) FROM {table}")).scalar()  # noqa: S608
            self.next_id[table] = (current or 0) + 1
        value = self.next_id[table]
        self.next_id[table] += 1
        return value

    def add(self, table: str, **row) -> dict:
        if "id" in row and row["id"] is None:
            row["id"] = self.new_id(table)
        self.rows.setdefault(table, []).append(row)
        return row

    def written(self, author: int, created: datetime, status: str = "visible") -> dict:
        """The columns every moderated item has (boards.models.Moderated)."""
        return {
            "id": None,
            "community_id": self.community_id,
            "author_id": author,
            "status": status,
            "report_count": 3 if status == "hidden" else 0,
            "created_at": created,
        }

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    # --- writing ---------------------------------------------------------------------------

    def build(self) -> World:
        self.community()
        self.profiles()
        self.pickup()
        self.buys()
        self.delegations()
        self.lockers()
        self.boards()
        self.events()
        self.ledger()
        self.notifications()
        self.write()
        for persona, (user_id, _m, _b) in self.personas.items():
            self.phones[persona] = f"15{user_id:09d}"
        resident_m = self.personas["resident"][1]
        neighbour = next(
            p
            for p in self.rows["neighbor_profiles"]
            if p["discoverable"] and p["membership_id"] != resident_m
        )
        self.world_ids.update(
            community=self.community_id,
            profile=neighbour["membership_id"],
            points_station=self.points["station"],
            first_building=self.units[0][0],
            resident_membership=resident_m,
            door_q=self.phones["resident"][-1],  # the door list's search: the last digit of a mobile
            admin_membership=self.personas["admin"][1],
        )
        counts = {table: len(rows) for table, rows in self.rows.items()}
        return World(self.community_id, PASSWORD, self.phones, self.world_ids, counts)

    def write(self) -> None:
        from portal.core.db import db

        metadata = db.metadata
        order = [t.name for t in metadata.sorted_tables if t.name in self.rows]
        connection = db.session.connection()
        for name in order:
            rows = self.rows[name]
            table = metadata.tables[name]
            for start in range(0, len(rows), CHUNK):
                connection.execute(table.insert(), rows[start : start + CHUNK])
        if connection.dialect.name == "postgresql":  # explicit keys: move the sequences past them
            for name in order:
                table = metadata.tables[name]
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer) and table.c.id.autoincrement:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
        db.session.commit()


def fill(size: Size = SMALL, seed: int = 13, password: str = PASSWORD) -> World:
    """Add one community of `size` to the migrated database of the current app context."""
    from portal.accounts.services import hash_password

    world = Builder(size, seed, hash_password(password)).build()
    roll_up()
    return world


def roll_up(count: int = 12) -> None:
    """The dashboard's rollups of what its pages read (the last `count` weeks and months of the
    community and of the platform), as the hourly sweeper and `flask dashboard rollup` leave them."""
    from portal.community.models import Community
    from portal.core.db import db
    from portal.core.localtime import today
    from portal.dashboard.rollups import periods, recompute

    communities = [*db.session.scalars(sa.select(Community.id)), None]
    for period in ("week", "month"):
        for start in periods(period, count, today()):
            for community_id in communities:
                recompute(community_id, period, start)
    db.session.commit()


def analyse() -> None:
    """What the database's own upkeep does on a live portal: the SQLite sweepers' PRAGMA optimize
    (portal.core.db.optimize), PostgreSQL's autovacuum ANALYZE."""
    from portal.core.db import db, optimize

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        optimize()


def bench_config(database_url: str, **extra) -> dict:
    """The app settings of a benchmark or a build: cheap password hashes, no Redis or MQTT."""
    import tempfile

    config = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        "PASSWORD_HASH": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "REDIS_URL": None,
        "MQTT_URL": None,
        "UPLOAD_FOLDER": tempfile.gettempdir(),
    }
    config.update(extra)
    return config


def build(database_url: str, size: Size, seed: int = 13) -> World:
    """Migrate an empty database, fill it with one community of `size`, analyse it."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.core.db import db

    app = create_app(bench_config(database_url))
    with app.app_context(), app.test_request_context():
        upgrade(revision="heads")
        world = fill(size, seed)
        analyse()
        db.session.remove()
        db.engine.dispose()
    return world


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in SIZES:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    started = time.perf_counter()
    world = build(argv[1], SIZES[argv[0]])
    print(f"built {argv[0]} in {time.perf_counter() - started:.1f} s: {sum(world.counts.values())} rows")
    for table, count in sorted(world.counts.items(), key=lambda item: -item[1]):
        print(f"  {table:28} {count:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
