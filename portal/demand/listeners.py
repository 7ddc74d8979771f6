"""What the demand pool learns from group buying: a buy opened from a wish converts the wish."""

import re

from portal.core.signals import buy_opened
from portal.demand.services import converted

SOURCE = re.compile(r"^wish:(\d{1,12})$")


def on_buy_opened(buy, source: str = "", **_extra) -> None:
    match = SOURCE.match(source or "")
    if match:
        converted(buy, int(match.group(1)))


def connect() -> None:
    buy_opened.connect(on_buy_opened, weak=False)
