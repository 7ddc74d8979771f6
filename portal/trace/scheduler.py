"""The daily root in the background: each community's root over its chain heads, fixed once a day.

At the first run of each local day the job fixes that day's root for every community that has
batches with records and no root for the day yet; the root covers every record made until then
(the day before's last steps included), and the kiosk boards and trace pages show it from then
on. A day is never published afterwards with the heads of a later moment: a root dated a day
must not cover records made after it. chain.publish_root is once per community and day (a
unique key), so several jobs at once are safe.

Started by `flask serve` (beside the other sweepers) and by `flask trace roots` (the production
process); or run `flask trace publish-roots` from cron a few minutes after midnight instead.
"""

import sqlalchemy as sa

from portal.core import localtime
from portal.core.db import begin_write, db
from portal.core.scheduler import PeriodicJob
from portal.trace import chain
from portal.trace.models import Batch, DailyRoot

DEFAULT_INTERVAL = 600.0  # a day's root is fixed within ten minutes of the local midnight


def publish_roots() -> dict:
    """Fix today's root (the community's day) for every community with records and none today."""
    day = localtime.today()
    begin_write()
    due = db.session.scalars(
        sa.select(Batch.community_id)
        .where(Batch.record_count > 0)
        .where(~sa.exists().where(DailyRoot.community_id == Batch.community_id, DailyRoot.day == day))
        .distinct()
        .order_by(Batch.community_id)
    ).all()
    for community_id in due:
        chain.publish_root(community_id, day)
    db.session.commit()
    return {"published": len(due)}


class RootPublisher(PeriodicJob):
    """publish_roots() now, then every TRACE_ROOTS_SECONDS."""

    def __init__(self, app, interval: float | None = None):
        interval = interval or app.config.get("TRACE_ROOTS_SECONDS", DEFAULT_INTERVAL)
        super().__init__(app, "trace-roots", publish_roots, interval)


def start_publisher(app, interval: float | None = None) -> RootPublisher:
    """Start the daily roots job (its first run is at once: today's root if the portal was down)."""
    publisher = RootPublisher(app, interval)
    publisher.start()
    return publisher
