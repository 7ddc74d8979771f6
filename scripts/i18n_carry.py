"""Carry translations across catalogues, so a string whose code moved to another domain keeps
the translation it had. `make i18n` runs it twice around updating the catalogues:

    python scripts/i18n_carry.py remember KNOWN.json PO_FILES...   # before: what is translated
    python scripts/i18n_carry.py fill KNOWN.json PO_FILES...       # after: fill what became empty

It only fills empty translations, never changes one.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _key(locale: str, message) -> str:
    return json.dumps([locale, message.id, message.context], ensure_ascii=False)


def remember(store: Path, po_files: list[Path]) -> None:
    known = {}
    for path in po_files:
        catalog = _read(path)
        for message in catalog:
            string = message.string
            if message.id and string and not message.fuzzy and (isinstance(string, str) or all(string)):
                known.setdefault(_key(catalog.locale_identifier, message), string)
    store.write_text(json.dumps(known, ensure_ascii=False))


def fill(store: Path, po_files: list[Path]) -> None:
    known = json.loads(store.read_text())
    for path in po_files:
        catalog = _read(path)
        carried = 0
        for message in catalog:
            string = message.string
            empty = not string or (isinstance(string, tuple | list) and not all(string))
            found = known.get(_key(catalog.locale_identifier, message))
            if message.id and empty and found:
                message.string = tuple(found) if isinstance(found, list) else found
                carried += 1
        if carried:
            with path.open("wb") as f:
                write_po(f, catalog)
            print(f"    {path}: {carried} translation(s) carried over from another catalogue")


if __name__ == "__main__":
    action, store, *files = sys.argv[1:]
    {"remember": remember, "fill": fill}[action](Path(store), [Path(p) for p in files])
