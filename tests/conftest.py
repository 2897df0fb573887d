"""Test set-up: a few centres created once per session (committed in the test database), and
clients that reach them through their own host names, as a browser would."""
from __future__ import annotations

import pytest
from django.test import Client

from tenants.routing import routing_cache

#: The session's centres: (level, code, slug, name_zh, name_en, parent_code)
SESSION_CENTRES = [
    ("city", "610100", "xian", "西安市政务服务中心", "Xi'an Municipal Government Service Centre", ""),
    ("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
    ("district", "610113", "yanta", "雁塔区", "Yanta District", "610100"),
    ("zone", "610171", "gaoxin", "西安高新区", "Xi'an Hi-tech Zone", "610100"),
    ("township", "610103001", "beilin-nanyuanmen", "南院门街道", "Nanyuanmen Subdistrict", "610103"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.services import centre_bulk_onboard
    from tenants.validation import CentreInput

    with django_db_blocker.unblock():
        rows = [CentreInput(*row) for row in SESSION_CENTRES]
        centre_bulk_onboard(rows=rows, acting_user=None)
    yield


@pytest.fixture(autouse=True)
def _fresh_routing_cache():
    from django.db import connection

    connection.set_schema_to_public()
    routing_cache.clear()
    yield
    routing_cache.clear()


def _centre(code: str):
    from tenants.models import Centre

    return Centre.objects.get(division_code=code)


@pytest.fixture
def city(db):
    return _centre("610100")


@pytest.fixture
def beilin(db):
    return _centre("610103")


@pytest.fixture
def yanta(db):
    return _centre("610113")


@pytest.fixture
def nanyuanmen(db):
    return _centre("610103001")


def host_of(centre) -> str:
    from django.conf import settings

    return f"{centre.slug}.{settings.PLATFORM_DOMAIN}"


@pytest.fixture
def centre_client():
    """`centre_client(centre, user=None)`: a test client on the centre's own host."""

    def make(centre=None, user=None) -> Client:
        from django.conf import settings

        host = host_of(centre) if centre is not None else settings.PLATFORM_DOMAIN
        client = Client(HTTP_HOST=host)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def make_user(db):
    from tenants.services import membership_grant, user_get_or_create

    counter = {"n": 0}

    def make(*roles, username: str | None = None):
        """`make_user((centre, role), ...)`; a centre of None with the platform admin role."""
        counter["n"] += 1
        user = user_get_or_create(username=username or f"user{counter['n']}", password="pw-12345-xyz")
        for centre, role in roles:
            membership_grant(user=user, centre=centre, role=role, acting_user=None)
        return user

    return make
