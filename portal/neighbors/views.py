"""Neighbour pages."""

from portal.neighbors import bp  # noqa: F401
