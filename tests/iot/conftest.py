from tests.iot.mqtt import mqtt_broker  # noqa: F401  (fixture)
