"""Cross-process tests use the lockers' fixtures: the real broker, a topic root, simulated lockers."""

from tests.lockers.conftest import mqtt_broker, root, sim  # noqa: F401 (shared fixtures)
