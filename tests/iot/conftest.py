import pytest

from tests.iot.mqtt import broker_for_tests


@pytest.fixture(scope="session")
def mqtt_broker():
    """Mosquitto at 127.0.0.1:1883 (required with CI=true), else the embedded broker."""
    yield from broker_for_tests()
