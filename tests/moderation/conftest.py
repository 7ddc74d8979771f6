import pytest


@pytest.fixture(autouse=True)
def english(app):
    """These tests read the English texts (a person's own language setting still wins)."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
