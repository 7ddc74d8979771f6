import pytest


@pytest.fixture
def in_request(app):
    """Services raise DomainErrors with translated text: give them a request (for the locale)."""
    with app.test_request_context("/"):
        yield
