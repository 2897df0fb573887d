"""A clean throttle cache for each progress test (the case fixtures are in tests/conftest.py)."""
import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
