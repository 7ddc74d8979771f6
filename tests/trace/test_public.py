"""The public trace page: anyone may open it, it names nobody, it shows the journey, the
temperatures, corrections and whether the chain holds; views are counted per day; it is
rate-limited; the daily root is published once a day and shown on the kiosk board."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core import localtime
from portal.core.db import db, utcnow
from portal.core.svgchart import Band, Bar, Series, bar_chart, line_chart, nice_ticks, thin
from portal.trace import chain, services
from portal.trace.models import BizStep, DailyRoot, TraceRecord, TraceView
from portal.trace.scheduler import publish_roots
from tests.trace.helpers import (
    correct_inspection,
    journey,
    make_batch,
    make_product,
    make_supplier,
    record,
    rewrite_chain,
)

EN = {"Accept-Language": "en"}
JSON = {"Accept": "application/json", **EN}


def _batch(make, community=None, **supplier):
    return make_batch(make_product(make_supplier(community or make.community(), **supplier)))


def _url(batch):
    return f"/t/01/{batch.product.gtin}/10/{batch.lot}"


def _page(client, batch, headers=EN):
    response = client.get(_url(batch), headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _readings(count=12, start_hours_ago=3.0, warm_at=None, device="urn:linli:locker:t-1:C01"):
    now = utcnow()
    return [
        {
            "time": now - timedelta(hours=start_hours_ago) + timedelta(minutes=10 * i),
            "value": 9.5 if i == warm_at else 3.5 + (i % 4) * 0.5,
            "device": device,
        }
        for i in range(count)
    ]


# --- what anyone sees -------------------------------------------------------------------------


def test_anyone_sees_the_journey_and_that_the_chain_holds(app, make, client):
    batch = _batch(make)
    journey(batch)
    response = client.get(_url(batch), headers=EN)
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "阳山水蜜桃" in html and "阳山桃农合作社" in html and "江苏 无锡 阳山镇" in html
    assert "Co-operative" in html and batch.lot in html
    for label in ("Planted or started", "Harvested", "Inspected", "Packed", "Shipped"):
        assert label in html
    assert "农残快检合格" in html and "冷链车 苏A·12345" in html
    assert "The chain is intact ✓" in html and "Each of its 5 records" in html
    assert "Recorded by: Supplier" in html
    assert "No temperature readings were recorded for this batch." in html
    assert "No daily root has been published yet." in html
    assert 'href="/login' in html  # the ordinary layout, logged out: no tab bar, a login link
    assert 'class="tabbar"' not in html


def test_the_timeline_is_in_the_order_things_happened_in_local_time(app, make, client):
    batch = _batch(make)
    record(batch, BizStep.SHIPPING, where="冷链车", hours_ago=2)
    record(batch, BizStep.HARVESTING, where="果园", hours_ago=30)  # recorded late, happened first
    html = _page(client, batch)
    assert html.index("Harvested") < html.index("Shipped")
    shipped = db.session.scalar(sa.select(TraceRecord).where(TraceRecord.seq == 1))
    local = localtime.local(shipped.event_time)
    assert f"{local.hour:02d}:{local.minute:02d}" in html


def test_unknown_or_malformed_addresses_answer_404(app, make, client):
    batch = _batch(make)
    journey(batch)
    gtin, lot = batch.product.gtin, batch.lot
    for path in (
        f"/t/01/{gtin}/10/OTHER",
        f"/t/01/02000000009999/10/{lot}",
        f"/t/01/{gtin[:-1]}/10/{lot}",  # 13 digits
        f"/t/01/{gtin}0/10/{lot}",  # 15
        f"/t/01/{gtin[:-1]}x/10/{lot}",
        f"/t/01/{gtin}/10/{'A' * 21}",
        f"/t/01/{gtin}/10/a%20b",
        f"/t/01/{gtin}/10/{lot}%00",
        f"/t/01/{gtin}/21/{lot}",
    ):
        assert client.get(path).status_code == 404, path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TraceView)) == 0


def test_no_person_is_named_in_the_page_or_the_json(app, make, client):
    community = make.community()
    contact = make.member(community, make.user("王建国", phone="13911112222")).user
    leader = make.member(community, make.user("李团长", phone="13933334444")).user
    supplier = make_supplier(community, leaders=[leader], contact=contact)
    batch = make_batch(make_product(supplier))
    journey(batch, by=leader)
    step = services.Step(biz_step=BizStep.RECEIVING, event_time=utcnow(), where="3栋自提点")
    services.record_step(batch, step, by_user_id=leader.id, role="leader")
    db.session.commit()
    html = _page(client, batch)
    exported = client.get(_url(batch), headers=JSON).get_data(as_text=True)
    for text in (html, exported):
        for private in ("王师傅", "13900001111", "王建国", "13911112222", "李团长", "13933334444"):
            assert private not in text
    assert "Recorded by: Group leader" in html
    document = json.loads(exported)
    assert "recorded_by" not in exported and f'"{leader.id}"' not in exported
    assert {e["linli:recordedAs"] for e in document["epcisBody"]["eventList"]} == {"supplier", "leader"}


# --- views and the rate limit -----------------------------------------------------------------


def _views(batch):
    return dict(
        db.session.execute(
            sa.select(TraceView.day, TraceView.views).where(TraceView.batch_id == batch.id)
        ).all()
    )


def test_every_view_is_counted_for_the_communitys_day(app, make, client, monkeypatch):
    batch = _batch(make)
    journey(batch)
    today = localtime.today()
    _page(client, batch)
    _page(client, batch)
    client.get(_url(batch), headers=JSON)
    assert _views(batch) == {today: 3}
    monkeypatch.setattr(localtime, "today", lambda: today + timedelta(days=1))
    _page(client, batch)
    assert _views(batch) == {today: 3, today + timedelta(days=1): 1}
    row = db.session.scalar(sa.select(TraceView).where(TraceView.day == today))
    assert row.community_id == batch.community_id


def test_a_first_view_racing_another_adds_one(app, make, client):
    """The unique (batch, day) key met by a row inserted since the UPDATE found none."""
    from portal.trace import reading

    batch = _batch(make)
    today = localtime.today()
    original = db.session.execute

    def insert_first(statement, *args, **kwargs):  # another request's first view lands in between
        result = original(statement, *args, **kwargs)
        if getattr(statement, "is_update", False) and result.rowcount == 0 and not _views(batch):
            db.session.add(TraceView(batch_id=batch.id, community_id=batch.community_id, day=today, views=1))
            db.session.flush()
        return result

    db.session.execute = insert_first
    try:
        reading.count_view(batch.id, batch.community_id)
    finally:
        db.session.execute = original
    db.session.commit()
    assert _views(batch) == {today: 2}


def test_the_page_is_rate_limited_per_address_with_the_error_page(app, make, client):
    app.config["TRACE_PAGE_RATE_LIMIT"] = "3 per minute"
    batch = _batch(make)
    journey(batch)
    answers = [client.get(_url(batch), headers=EN).status_code for _ in range(3)]
    refused = client.get(_url(batch), headers=JSON)
    assert answers == [200, 200, 200] and refused.status_code == 429
    assert "Slow down" in refused.get_data(as_text=True)
    assert "error-code" in refused.get_data(as_text=True)
    other = app.test_client()
    assert other.get(_url(batch), environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    assert _views(batch) == {localtime.today(): 4}  # refused answers are not counted


# --- a broken chain, corrections, photos ------------------------------------------------------


def test_a_record_changed_in_the_database_shows_which_one_breaks(app, make, client):
    batch = _batch(make)
    records = journey(batch)
    forged = records[2].body.replace("农残快检合格", "农残快检优秀")
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == records[2].id).values(body=forged))
    db.session.commit()
    html = _page(client, batch)
    assert "The chain is intact" not in html and "The chain is broken" in html
    assert "Record 3 was changed after it was recorded" in html
    broken = re.search(r'<li class="tp-step[^"]*" id="step-3">', html).group(0)
    assert "is-broken" in broken and html.count("This record does not verify.") == 1
    verification = json.loads(client.get(_url(batch), headers=JSON).get_data())["linli:verification"]
    assert verification == {"ok": False, "count": 5, "broken_at": 3, "problem": "changed"}


def test_a_deleted_record_and_an_unreadable_body_are_named(app, make, client):
    batch = _batch(make)
    records = journey(batch)
    db.session.execute(sa.delete(TraceRecord).where(TraceRecord.id == records[1].id))
    db.session.commit()
    assert "Record 2 is missing from the chain." in _page(client, batch)

    other = _batch(make, name="另一家合作社")
    bad = journey(other)[0]
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == bad.id).values(body="{not json"))
    db.session.commit()
    html = _page(client, other)
    assert "This record cannot be read" in html and "Record 1 was changed" in html
    assert json.loads(client.get(_url(other), headers=JSON).get_data())["epcisBody"]["eventList"][0] is None


def test_a_correction_is_shown_beside_the_record_it_corrects(app, make, client):
    batch = _batch(make)
    records = journey(batch)
    correct_inspection(batch, records[2], role="admin")
    html = _page(client, batch)
    corrected = re.search(r'<li class="([^"]*)" id="step-3">', html).group(1)
    correction = re.search(r'<li class="([^"]*)" id="step-6">', html).group(1)
    assert "is-corrected" in corrected and "is-correction" in correction
    assert "Corrects step #3: 补报告编号" in html and "Corrected by step #6" in html
    assert ">corrected</span>" in html
    assert html.index('id="step-3"') < html.index('id="step-6"') < html.index('id="step-4"')
    assert "The chain is intact ✓" in html and "Recorded by: Community admin" in html


def test_attachment_photos_are_shown(app, make, client):
    batch = _batch(make)
    path = "trace/AbCdEfGhIjKlMnOpQrStUv.webp"
    record(batch, BizStep.INSPECTING, attachments=[{"path": path, "sha256": "0" * 64, "kind": "photo"}])
    assert f'<img src="/uploads/{path}"' in _page(client, batch)


# --- temperatures -----------------------------------------------------------------------------


def test_temperatures_are_a_chart_and_a_table_that_pass_the_csp(app, make, client):
    batch = _batch(make)
    journey(batch)
    record(batch, BizStep.STORING, where="3栋智能柜", hours_ago=0.2, readings=_readings(warm_at=5))
    html = _page(client, batch)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg and "<style" not in svg
    assert 'role="img"' in svg and "Temperatures along the way" in svg
    assert svg.count("<circle") == 12 and svg.count("<title>") >= 12
    assert svg.count('class="chart-point is-out"') == 1  # the warm reading
    assert "cold range 0–8 °C" in svg and 'class="chart-band"' in svg
    assert "9.5 °C · C01" in svg
    table = re.search(r'<table class="tp-table">.*?</table>', html, re.S).group(0)
    assert table.count("<tr") == 13 and table.count('class="is-out"') == 1
    assert "The 12 readings as a table" in html
    assert "style=" not in html and "<script>" not in html  # nothing inline on the whole page


def test_two_sensors_are_two_lines(app, make, client):
    batch = _batch(make)
    readings = _readings(6) + _readings(6, device="urn:linli:truck:苏A12345")
    record(batch, BizStep.SHIPPING, readings=readings)
    svg = re.search(r"<svg.*?</svg>", _page(client, batch), re.S).group(0)
    assert svg.count("<polyline") == 2 and "苏A12345" in svg


def test_svg_charts_escape_their_text_and_use_no_inline_style():
    hostile = '<script>alert(1)</script>"'
    line = line_chart(
        [Series(hostile, [(0, 1), (1, 5), (2, 3)], titles=[hostile] * 3)],
        title=hostile,
        bands=[Band(0, 4, hostile)],
        x_label=lambda x: hostile,
    )
    bars = bar_chart([Bar(hostile, 3), Bar("b", -1, title=hostile)], title=hostile)
    for svg in (str(line), str(bars)):
        assert "<script" not in svg and "style=" not in svg and "<style" not in svg
        assert "&lt;script&gt;" in svg and svg.startswith("<svg") and svg.endswith("</svg>")
    assert str(line).count("<title>") >= 3 + 1 + 1
    assert str(bars).count("<rect") == 2 and str(bars).count("<title>") == 2
    with pytest.raises(ValueError):
        line_chart([Series("empty", [])], title="nothing")


def test_chart_helpers():
    assert nice_ticks(-2, 11.4) == [-5, 0, 5, 10, 15]
    assert nice_ticks(0, 1) == [0, 0.5, 1.0]
    assert nice_ticks(3, 3) == [3, 3.5, 4]  # a flat series still gets a range
    points = [(i, 4.0) for i in range(1000)]
    points[500] = (500, 12.0)
    kept = thin(points, 100)
    assert len(kept) <= 100 and (500, 12.0) in kept
    single = line_chart([Series("one", [(10, 4)])], title="one point")
    assert single.count("<circle") == 1 and "<polyline" not in single


# --- the daily root ---------------------------------------------------------------------------


def test_the_daily_root_is_published_once_a_day_for_communities_with_records(app, make, client):
    with_records, without = make.community(), make.community()
    journey(_batch(make, with_records))
    _batch(make, without)  # a batch, but no record yet
    assert publish_roots() == {"published": 1}
    assert publish_roots() == {"published": 0}
    roots = db.session.scalars(sa.select(DailyRoot)).all()
    assert [(r.community_id, r.day) for r in roots] == [(with_records.id, localtime.today())]
    result = app.test_cli_runner().invoke(args=["trace", "publish-roots"])
    assert result.exit_code == 0 and "0 daily roots published" in result.output


def test_the_roots_job_runs_as_the_other_periodic_jobs(app, make):
    from portal.trace.scheduler import RootPublisher

    journey(_batch(make))
    publisher = RootPublisher(app, interval=60)
    assert publisher.name == "trace-roots" and publisher.interval == 60
    assert publisher.sweep_once() == {"published": 1}
    assert publisher.sweep_once() == {"published": 0}


def test_the_page_shows_the_root_and_whether_the_batch_is_under_it(app, make, client):
    community = make.community()
    batch = _batch(make, community)
    journey(batch)
    later = make_batch(make_product(make_supplier(community, name="后来的农场")), lot="LATE1")
    publish_roots()
    root = chain.latest_root(community.id)
    html = _page(client, batch)
    assert f"{root.root[:12]}…" in html and "Records 1–5 of this batch are under it ✓" in html

    record(later, hours_ago=0)  # after the root was fixed
    db.session.execute(
        sa.update(TraceRecord)
        .values(recorded_at=utcnow() + timedelta(seconds=1))
        .where(TraceRecord.batch_id == later.id)
    )
    db.session.commit()
    assert "This batch was recorded after it; the next root will include it." in _page(client, later)

    # the whole chain rewritten with its hashes recomputed: it verifies, but the root disowns it
    rewrite_chain(batch)
    html = _page(client, batch)
    assert "The chain is intact ✓" in html
    assert "This batch's records are not under it" in html


def test_the_kiosk_board_shows_the_latest_root(app, make, auth):
    from tests.lockers.conftest import build_locker_world

    world = build_locker_world(make)
    journey(_batch(make, world.community))
    board = f"/kiosk/points/{world.point.id}"
    kiosk = auth.login(world.kiosk)
    assert 'class="k-trace"' not in kiosk.get(board, headers=EN).get_data(as_text=True)
    publish_roots()
    root = chain.latest_root(world.community.id)
    html = kiosk.get(board, headers=EN).get_data(as_text=True)
    assert f"Today's trace root <code>{root.root[:12]}…</code>" in html
    fragment = kiosk.get(board, headers={"HX-Request": "true", **EN}).get_data(as_text=True)
    assert root.root[:12] in fragment  # the board's refetch keeps it


def test_concurrent_views_of_a_new_day_all_count(app, make, live_server):
    """32 phones open the page at once from 8 threads against 4 server processes: every first
    view of the day meets the others at the unique key and still counts once."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    batch = _batch(make)
    journey(batch)
    server = live_server(workers=4, TRACE_PAGE_RATE_LIMIT="1000 per minute")
    url = server.url + _url(batch)

    def open_page(_):
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(open_page, range(32)))
    assert answers == [200] * 32
    db.session.rollback()  # a new transaction: what the server wrote
    assert _views(batch) == {localtime.today(): 32}
