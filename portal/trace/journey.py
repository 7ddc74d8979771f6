"""A batch's journey as people read it: each record's event unpacked from its body (what the
hashes cover, never the copies beside it), for the staff batch page and the public trace page.

A body that is not a JSON object (changed in the database) is a step marked unreadable, never an
error; a step the verifier found broken is marked; a correction names the record it corrects by
its eventID. The steps come in the order things happened (a correction right after what it
corrects). Nothing here names a person: who recorded a step is only the role the event carries.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from portal.trace.chain import Verdict
from portal.trace.models import BizStep, TraceRecord

ROLE_LABELS = {
    "supplier": _l("Supplier"),
    "leader": _l("Group leader"),
    "admin": _l("Community admin"),
}
PICKUP_POINT_PREFIX = "urn:linli:pickup-point:"


@dataclass
class JourneyStep:
    """One record of the chain as a page shows it."""

    record_id: int
    seq: int
    position: int  # its place along the chain (what the verifier counts)
    readable: bool = True  # False: the body is not a JSON object
    biz_step: str = ""
    event_time: datetime | None = None
    where: str = ""
    notes: str = ""
    quantity: int | None = None
    role: str = ""
    read_point: str | None = None
    attachments: list[dict] = field(default_factory=list)  # [{"path", …}]
    readings: int = 0  # how many sensor reports the event carries
    corrects_seq: int | None = None
    reason: str = ""
    corrected_by: list[int] = field(default_factory=list)
    broken: bool = False

    @property
    def label(self) -> str:
        return BizStep(self.biz_step).label if self.biz_step in set(BizStep) else self.biz_step

    @property
    def icon(self) -> str:
        return BizStep(self.biz_step).icon if self.biz_step in set(BizStep) else "•"

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, "")) if self.role else ""

    @property
    def corrected_by_label(self) -> str:
        return ", ".join(f"#{seq}" for seq in self.corrected_by)

    @property
    def pickup_point_id(self) -> int | None:
        point = self.read_point or ""
        if point.startswith(PICKUP_POINT_PREFIX) and point[len(PICKUP_POINT_PREFIX) :].isdigit():
            return int(point[len(PICKUP_POINT_PREFIX) :])
        return None


def parse(body: str) -> dict | None:
    """A record's event, or None for a body that is not a JSON object."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def moment(value) -> datetime | None:
    """An EPCIS timestamp as an aware datetime, or None."""
    try:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def text(value) -> str:
    return value if isinstance(value, str) else ""


def _quantity(event: dict) -> int | None:
    quantities = event.get("quantityList")
    first = quantities[0] if isinstance(quantities, list) and quantities else None
    value = first.get("quantity") if isinstance(first, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_point(event: dict) -> str | None:
    point = event.get("readPoint")
    value = point.get("id") if isinstance(point, dict) else None
    return value if isinstance(value, str) else None


def _attachments(event: dict) -> list[dict]:
    found = event.get("linli:attachments")
    if not isinstance(found, list):
        return []
    return [a for a in found if isinstance(a, dict) and isinstance(a.get("path"), str)]


def _readings(event: dict) -> int:
    elements = event.get("sensorElementList")
    if not isinstance(elements, list):
        return 0
    reports = [e.get("sensorReport") for e in elements if isinstance(e, dict)]
    return sum(len(r) for r in reports if isinstance(r, list))


def journey(records: list[TraceRecord], verdict: Verdict) -> list[JourneyStep]:
    """The records (in chain order, as the verifier saw them) as steps in the order things
    happened, each knowing which record it corrects and which later records correct it."""
    steps, events, seq_of_event = [], {}, {}
    for position, record in enumerate(records, start=1):
        event = parse(record.body)
        step = JourneyStep(record_id=record.id, seq=record.seq, position=position, readable=event is not None)
        step.broken = verdict.broken_at == position and verdict.problem in ("changed", "link", "fork")
        if event is not None:
            events[position] = event
            seq_of_event[text(event.get("eventID"))] = record.seq
            step.biz_step = text(event.get("bizStep"))
            step.event_time = moment(event.get("eventTime"))
            step.where = text(event.get("linli:where"))
            step.notes = text(event.get("linli:notes"))
            step.quantity = _quantity(event)
            step.role = text(event.get("linli:recordedAs"))
            step.read_point = _read_point(event)
            step.attachments = _attachments(event)
            step.readings = _readings(event)
        steps.append(step)
    seq_of_event.pop("", None)
    by_seq = {s.seq: s for s in steps}
    for step in steps:
        declared = events.get(step.position, {}).get("errorDeclaration")
        if isinstance(declared, dict):
            step.corrects_seq = seq_of_event.get(text(declared.get("linli:correctsEventID")))
            step.reason = text(declared.get("linli:reason"))
            if step.corrects_seq in by_seq:
                by_seq[step.corrects_seq].corrected_by.append(step.seq)
    earliest = datetime.min.replace(tzinfo=UTC)
    return sorted(steps, key=lambda s: (s.event_time or earliest, s.seq))
