"""Smart lockers at pickup points (MQTT, contracts/locker-mqtt-v1.md) and the kiosk board."""

from flask import Blueprint

bp = Blueprint("lockers", __name__)
