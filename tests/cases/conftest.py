"""Fixtures for cases: an item adopted by Beilin, a clerk and a chief representative there."""
from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tenants.choices import Role

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"


@pytest.fixture
def department(db):
    from catalog.models import Department

    return Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation")


@pytest.fixture
def item(department, city, beilin):
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    item = item_create(code="610100SC-XK-0001", department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=item, content={"name_zh": "食品经营许可", "name_en": "Food business licence", "legal_limit_days": 20,
                            "promised_limit_days": 10},
        materials=[{"name_zh": "申请书", "name_en": "Application"},
                   {"name_zh": "营业执照", "name_en": "Business licence", "applicant_types": ["organisation"]},
                   {"name_zh": "场所平面图", "name_en": "Floor plan"}],
        effective_from=dt.date(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=beilin, item=item, promised_limit_days=8, window="5", acting_user=None,
                    today=dt.date(2020, 1, 1))
    return item


@pytest.fixture
def clerk(make_user, beilin):
    return make_user((beilin, Role.WINDOW_CLERK), username="clerk-b")


@pytest.fixture
def chief(make_user, beilin):
    return make_user((beilin, Role.CHIEF_REPRESENTATIVE), username="chief-b")


@pytest.fixture
def in_beilin(beilin):
    with schema_context(beilin.schema_name):
        from django.db import connection

        connection.set_tenant(beilin)
        yield beilin
