from tests.groupbuy.conftest import _english, _uploads_in_tmp, world  # noqa: F401 (shared fixtures)
