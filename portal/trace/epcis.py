"""Trace records as GS1 EPCIS 2.0 ObjectEvents (JSON-LD), and the export document around them.

Only what the CBV and the EPCIS schema define is used under its own name; what they do not
define (notes, the place as typed, attachments, who recorded in which role) lives under the
`linli:` namespace declared in the document's @context, as EPCIS extensions must.
"""

import uuid
from datetime import UTC, datetime

from portal.core.localtime import zone

CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"linli": "https://linli.community/ns/trace#"},
]
CELSIUS = "CEL"  # UN/ECE Rec. 20 unit code, as EPCIS sensor reports use


def timestamp(moment: datetime) -> str:
    """UTC with milliseconds and Z, the form EPCIS documents carry."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def offset_of(moment: datetime) -> str:
    offset = moment.astimezone(zone()).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def class_uri(gtin: str, lot: str) -> str:
    """The batch as a GS1 Digital Link URI: an EPC class with its lot."""
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


def object_event(
    *,
    biz_step: str,
    event_time: datetime,
    gtin: str,
    lot: str,
    quantity: int | None,
    where: str,
    role: str,
    notes: str = "",
    read_point: str | None = None,
    attachments: list[dict] | None = None,
    readings: list[dict] | None = None,
    corrects_event_id: str | None = None,
    correction_reason: str = "",
) -> dict:
    """One step of a batch's journey. readings: [{"time": aware datetime, "value": °C, "device": id}]."""
    quantity_element = {"epcClass": class_uri(gtin, lot)}
    if quantity is not None:
        quantity_element["quantity"] = quantity
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid4()}",
        "eventTime": timestamp(event_time),
        "eventTimeZoneOffset": offset_of(event_time),
        "recordTime": timestamp(datetime.now(UTC)),
        "action": "OBSERVE",
        "bizStep": biz_step,
        "quantityList": [quantity_element],
        "linli:where": where,
        "linli:recordedAs": role,
    }
    if read_point:
        event["readPoint"] = {"id": read_point}
    if notes:
        event["linli:notes"] = notes
    if attachments:
        event["linli:attachments"] = attachments
    if readings:
        event["sensorElementList"] = [
            {
                "sensorMetadata": {"deviceID": device},
                "sensorReport": [
                    {
                        "type": "gs1:Temperature",
                        "value": r["value"],
                        "uom": CELSIUS,
                        "time": timestamp(r["time"]),
                    }
                    for r in readings
                    if r["device"] == device
                ],
            }
            for device in dict.fromkeys(r["device"] for r in readings)
        ]
    if corrects_event_id:
        event["errorDeclaration"] = {
            "declarationTime": event["recordTime"],
            "reason": "incorrect_data",
            "linli:correctsEventID": corrects_event_id,
            "linli:reason": correction_reason,
        }
    return event
