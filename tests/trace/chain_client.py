"""One appending process of the trace race test (spawned: it builds its own app)."""

import traceback


def run(database_url: str, batch_id: int, appends: int, locked: bool, barrier, results) -> None:
    from portal import create_app
    from portal.core.db import db, utcnow
    from portal.trace import chain, services
    from portal.trace.models import Batch, BizStep
    from tests.conftest import base_config

    app = create_app({**base_config(database_url), "TRACE_CHAIN_LOCK": locked})
    made, failures = [], []
    with app.app_context():
        if not locked:
            # the control: every process reads the head, then all write at once
            naive = chain._unlocked_head

            def read_then_meet(batch_id):
                head = naive(batch_id)
                barrier.wait(timeout=60)
                return head

            chain._unlocked_head = read_then_meet
        else:
            barrier.wait(timeout=60)
        for n in range(appends):
            try:
                batch = db.session.get(Batch, batch_id)
                step = services.Step(biz_step=BizStep.STORING, event_time=utcnow(), where=f"冷库 {n}")
                record = services.record_step(batch, step, by_user_id=None, role="supplier")
                db.session.commit()
                made.append(record.seq)
            except Exception:  # reported to the test, which fails on any
                db.session.rollback()
                failures.append(traceback.format_exc())
        db.session.remove()
        db.engine.dispose()
    results.put((made, failures))
