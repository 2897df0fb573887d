"""Fixtures of the tenants tests: the platform's administrator, and the public schema around each
test of the pages and the audit log."""
from __future__ import annotations

import pytest
from django.db import connection

from tenants.choices import Role


@pytest.fixture
def public_schema():
    """A request to a centre leaves this thread's connection in that centre's schema; services that
    write public rows (a centre's status, the audit log) expect the public one, as on the platform's host."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def platform_admin(make_user):
    return make_user((None, Role.PLATFORM_ADMIN), username="platform-admin")
