#!/usr/bin/env python3
"""Re-verify a Linli trace page's JSON with nothing but Python's standard library.

    python3 verify_trace.py https://linli.example/t/01/02000000000015/10/YS20260712A
    python3 verify_trace.py trace.json          # saved with: curl -H "Accept: application/json" URL

A batch's public trace page (the address of its QR code) answers an EPCIS 2.0 document when
asked for JSON. Beside the events, "linli:chain" holds every record as it was sealed:
{"seq", "prev_hash", "hash", "body"}, where body is the event's canonical JSON. This script
checks, without trusting the portal's own verdict:

1. every record's hash is SHA-256 over  prev_hash + "\\n" + body  (UTF-8), the first record's
   prev_hash is 64 zeros, each prev_hash is the hash of the record before it, and the records
   are numbered 1, 2, 3 … with none missing or doubled;
2. each event in epcisBody.eventList is exactly json.loads of its record's body, and names
   this batch (quantityList epcClass https://id.gs1.org/01/<gtin>/10/<lot>);
3. the chain ends at the batch's head ("linli:batch": records, head);
4. the daily root: the leaf SHA-256("<gtin>/<lot>:<hash of record seq>"), folded with the proof's
   sibling hashes (SHA-256 of left + right, as hex text), gives "linli:dailyRoot".root. The same
   root is shown on the community's pickup-point screens: compare its first 12 characters there,
   so that a root rewritten in the database shows too.

Prints what it checked and exits 0 when everything holds, 1 naming the first record that does
not (or the root that does not match), 2 when the document cannot be read at all.
"""

import hashlib
import json
import sys
import urllib.request

GENESIS = "0" * 64


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_hash(prev_hash: str, body: str) -> str:
    return sha256(prev_hash + "\n" + body)


def load(source: str) -> dict:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the user's own URL)
            return json.loads(answer.read().decode("utf-8"))
    with open(source, encoding="utf-8") as saved:
        return json.load(saved)


def check_chain(document: dict) -> list[str]:
    """The problems found along the chain, the first broken record first ([] when it holds)."""
    links = document["linli:chain"]
    events = document["epcisBody"]["eventList"]
    batch = document.get("linli:batch") or {}
    epc_class = f"https://id.gs1.org/01/{batch.get('gtin')}/10/{batch.get('lot')}"
    problems = []
    previous = GENESIS
    for position, link in enumerate(links, start=1):
        where = f"record {position}"
        if link["seq"] < position:
            return [f"{where}: two records claim this place in the chain (fork)"]
        if link["seq"] > position:
            return [f"{where}: missing; the chain goes on with record {link['seq']}"]
        if link["prev_hash"] != previous:
            return [f"{where}: does not point at the record before it (link)"]
        if record_hash(previous, link["body"]) != link["hash"]:
            return [f"{where}: its hash does not cover its body, which was changed (changed)"]
        try:
            event = json.loads(link["body"])
        except ValueError:
            return [f"{where}: its body is not JSON"]
        if position > len(events) or events[position - 1] != event:
            return [f"{where}: the event in eventList differs from the sealed body"]
        classes = [q.get("epcClass") for q in event.get("quantityList", []) if isinstance(q, dict)]
        if batch and epc_class not in classes:
            return [f"{where}: the event is not about this batch ({epc_class})"]
        previous = link["hash"]
    if len(events) != len(links):
        problems.append(f"eventList has {len(events)} events for {len(links)} records")
    if batch and (batch.get("records") != len(links) or (links and batch.get("head") != previous)):
        head = str(batch.get("head"))[:12]
        problems.append(
            f"record {len(links) + 1}: the chain ends before the batch's head "
            f"({batch.get('records')} records, head {head}…): its last records are gone"
        )
    return problems


def check_root(document: dict) -> tuple[list[str], str, bool]:
    """(problems, what was checked, whether the batch was proven under the root)."""
    root = document.get("linli:dailyRoot")
    if not root:
        return [], "no daily root has been published for this community yet", False
    shown = f"daily root of {root['day']}: {root['root'][:12]}… (compare with the pickup point's screen)"
    if root.get("included") is None:
        return [], f"this batch was recorded after the {shown}", False
    links = document["linli:chain"]
    batch = document["linli:batch"]
    seq = root.get("seq")
    if not root.get("included"):
        return [f"the batch's chain as of record {seq} is not under the {shown}"], shown, False
    if not isinstance(seq, int) or not 1 <= seq <= len(links):
        return [f"the daily root names record {seq}, which the chain does not have"], shown, False
    node = sha256(f"{batch['gtin']}/{batch['lot']}:{links[seq - 1]['hash']}")
    if node != root.get("leaf"):
        return [f"record {seq}: its leaf is not the one the daily root's proof starts from"], shown, False
    for sibling in root.get("proof", []):
        node = sha256(sibling["hash"] + node if sibling["side"] == "left" else node + sibling["hash"])
    if node != root["root"]:
        return [f"record {seq}: the proof does not lead to the {shown}"], shown, False
    return [], f"records 1–{seq} are under the {shown}", True


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    try:
        document = load(argv[1])
        document["linli:chain"], document["epcisBody"]["eventList"]  # noqa: B018 (the shape)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read a trace document from {argv[1]}: {error}")
        return 2
    batch = document.get("linli:batch") or {}
    print(f"{batch.get('product', '?')} · lot {batch.get('lot', '?')} · GTIN {batch.get('gtin', '?')}")
    try:
        problems = check_chain(document)
        root_problems, root_checked, proven = check_root(document)
    except (KeyError, TypeError, AttributeError) as error:
        print(f"BROKEN: the document is malformed ({error!r})")
        return 1
    count = len(document["linli:chain"])
    claimed = document.get("linli:verification", {})
    if problems:
        print(f"BROKEN at {problems[0]}")
        for more in problems[1:]:
            print(f"  also: {more}")
    else:
        print(f"chain intact ✓ ({count} records, every hash recomputed)")
    if root_problems:
        print(f"BROKEN: {root_problems[0]}")
    else:
        print(f"root {'✓' if proven else '–'} {root_checked}")
    if claimed and claimed.get("ok") != (not problems):
        print(f"(the portal itself said ok={claimed.get('ok')}; this script's own check is the one above)")
    return 1 if problems or root_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
