import pytest


@pytest.fixture
def in_request(app):
    """Services raise DomainErrors with translated text: give them a request (for the locale)."""
    with app.test_request_context("/"):
        yield


@pytest.fixture(autouse=True)
def english(app):
    """These tests read the English texts (a person's own language setting still wins)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
