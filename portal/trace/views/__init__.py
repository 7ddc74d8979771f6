"""Staff pages of traceability, one module per part: suppliers and their products, and
batches with their journeys."""

from portal.trace.views import batches, suppliers  # noqa: F401
