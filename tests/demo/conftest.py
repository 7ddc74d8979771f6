"""The demo package's tests use the group-buy and locker fixtures (a real MQTT broker, the ingest,
simulated lockers)."""

from tests.groupbuy.conftest import _english, _uploads_in_tmp  # noqa: F401 (shared fixtures)
from tests.lockers.conftest import ingest, mqtt_broker, root, sim  # noqa: F401 (shared fixtures)
