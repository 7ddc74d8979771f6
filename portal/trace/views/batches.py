"""Batches and their journeys: the community's batches, a batch's page (the journey, whether
its chain holds, the public trace link) and recording a step of it."""

from flask import abort, request, url_for
from flask_login import current_user

from portal.community.access import community_required, current_membership
from portal.core.db import utcnow
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render
from portal.core.inputs import database_int
from portal.core.localtime import from_wall_clock, to_wall_clock
from portal.core.paging import requested_page
from portal.pickup.services import points_of
from portal.trace import bp, catalogue, chain, sensors
from portal.trace.forms import AT_A_PICKUP_POINT, StepForm
from portal.trace.journey import journey
from portal.trace.services import Step, is_staff, may_manage, record_step, recorder_role, trace_url
from portal.trace.views.common import batch_for, supplier_for

PICKUP_POINT_URN = "urn:linli:pickup-point:{}"


@bp.get("/trace/batches")
@community_required
def batches():
    """The community's batches, newest first; ?supplier= narrows them to one supplier."""
    membership = current_membership()
    if not is_staff(membership) and not catalogue.speaks_for_any(membership):
        abort(403)
    supplier_id = request.args.get("supplier", type=database_int)
    supplier = supplier_for(supplier_id) if supplier_id else None
    rows = catalogue.batches_page(membership, requested_page(), supplier_id=supplier_id)
    return render(
        "trace/batches.html", rows=rows, supplier=supplier, suppliers=catalogue.supplier_choices(membership)
    )


def _step_form(batch, steps, **kwargs) -> StepForm:
    return StepForm(points=points_of(batch.community_id), records=steps, **kwargs)


def _correction_data(steps, seq: int | None) -> dict:
    """The form filled with the record being corrected (GET ?correct=<seq>)."""
    step = next((s for s in steps if s.seq == seq and s.readable), None)
    if step is None or step.event_time is None:
        return {"event_time": to_wall_clock(utcnow())}
    return {
        "biz_step": step.biz_step,
        "event_time": to_wall_clock(step.event_time),
        "pickup_point": step.pickup_point_id or 0,
        "where": step.where,
        "notes": step.notes,
        "quantity": step.quantity,
        "corrects": step.seq,
    }


def _batch_page(batch, product, supplier, records, form=None, status=200):
    verdict = chain.verify(batch, records)
    steps = journey(records, verdict)
    membership = current_membership()
    manage = may_manage(membership, supplier)
    if form is None and manage:
        seq = request.args.get("correct", type=database_int)
        form = _step_form(batch, steps, formdata=None, data=_correction_data(steps, seq))
    return render(
        "trace/batch.html",
        "step_form" if status == 422 else None,  # a refused step: the form alone, for htmx
        status=status,
        batch=batch,
        product=product,
        supplier=supplier,
        steps=steps,
        verdict=verdict,
        public_url=trace_url(product.gtin, batch.lot),
        form=form,
        may_manage=manage,
        recorded=request.args.get("recorded", type=database_int),
    )


@bp.get("/trace/batches/<int:batch_id>")
@community_required
def batch(batch_id: int):
    """A batch: its journey so far, whether its chain holds, its public trace page, and (for
    those who may) the form to record the next step or correct one."""
    batch, product, supplier = batch_for(batch_id)
    return _batch_page(batch, product, supplier, chain.chain_of(batch.id))


def _step_of(form: StepForm, batch) -> Step:
    """The step as the form describes it; receiving or storing at a pickup point carries the
    point's URN and the temperatures its lockers measured."""
    point = form.point
    read_point, readings = None, []
    if point is not None and form.biz_step.data in AT_A_PICKUP_POINT:
        read_point = PICKUP_POINT_URN.format(point.id)
        readings = sensors.readings_for(batch.id, point.id, utcnow())
    return Step(
        biz_step=form.biz_step.data,
        event_time=from_wall_clock(form.event_time.data),
        where=form.where.data or (point.name if point else ""),
        notes=form.notes.data or "",
        quantity=form.quantity.data,
        read_point=read_point,
        attachments=list(form.stored),
        readings=readings,
    )


@bp.post("/trace/batches/<int:batch_id>/steps")
@community_required
def record(batch_id: int):
    """Record a step of the batch's journey (or a correction of an earlier one). The chain's
    append is the unit of work's first write: it takes the batch's lock itself."""
    batch, product, supplier = batch_for(batch_id, manage=True)
    role = recorder_role(current_membership(), supplier)
    user_id = current_user.id
    records = chain.chain_of(batch.id)
    form = _step_form(batch, journey(records, chain.verify(batch, records)))

    def save():
        corrects = (
            next((r for r in records if r.seq == form.corrects.data), None) if form.corrects.data else None
        )
        return record_step(
            batch,
            _step_of(form, batch),
            by_user_id=user_id,
            role=role,
            corrects=corrects,
            reason=(form.reason.data or "") if corrects else "",
        )

    def refused(_error):
        form.discard_uploads()
        return _batch_page(batch, product, supplier, chain.chain_of(batch.id), form=form, status=422)

    made = commit_or_422(save, refused, form)
    # the query differs from the page's own address, so that htmx's redirect loads it (a change
    # of the #fragment alone would only scroll)
    return redirect_to(url_for("trace.batch", batch_id=batch.id, recorded=made.seq) + f"#record-{made.seq}")
