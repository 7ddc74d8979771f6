"""Every signal the domains talk through is sent somewhere and received somewhere: a signal
nobody sends is a promise nobody keeps, one nobody receives is work nobody does."""

import ast
from pathlib import Path

from blinker import Signal

from portal.core import signals

PORTAL = Path(__file__).resolve().parent.parent / "portal"
SIGNALS = {name: value for name, value in vars(signals).items() if isinstance(value, Signal)}


def _sent() -> set[str]:
    """Names of the core signals some production module calls `.send(...)` on."""
    sent = set()
    for path in PORTAL.rglob("*.py"):
        if "demo" in path.relative_to(PORTAL).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "send"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in SIGNALS
            ):
                sent.add(node.func.value.id)
    return sent


def test_the_signals_module_declares_signals():
    assert len(SIGNALS) >= 8


def test_every_signal_is_sent_by_a_domain():
    assert sorted(set(SIGNALS) - _sent()) == []


def test_every_signal_has_a_receiver(app):
    assert sorted(name for name, signal in SIGNALS.items() if not signal.receivers) == []
