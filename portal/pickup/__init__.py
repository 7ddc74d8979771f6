"""Pickup points, pickup codes, 核销 (verifying a pickup) and pickup time slots."""

from flask import Blueprint

bp = Blueprint("pickup", __name__)
