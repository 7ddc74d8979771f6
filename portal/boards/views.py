"""Board pages."""

from portal.boards import bp  # noqa: F401
