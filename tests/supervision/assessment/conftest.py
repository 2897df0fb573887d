"""The assessment room's test data: two rules, the people of Beilin, Yanta and the city, and cases a clerk
handled (registry rows)."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.models import RegistryEntry
from supervision.assessment.services import scoring_rule_save
from tenants.choices import Role

TZ = timezone.get_current_timezone()


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def rules(db):
    return {"late": scoring_rule_save(code="K01", description_zh="迟到", description_en="Late at the window",
                                      points=Decimal("2"), acting_user=None),
            "rude": scoring_rule_save(code="K02", description_zh="态度生硬", description_en="Rude to an applicant",
                                      points=Decimal("5"), acting_user=None)}


@pytest.fixture
def people(beilin, yanta, city, make_user):
    def named(user, name):
        user.full_name = name
        user.save(update_fields=["full_name"])
        return user

    return {"supervisor": make_user((beilin, Role.SUPERVISOR)),
            "admin": make_user((beilin, Role.CENTRE_ADMIN)),
            "yanta_supervisor": make_user((yanta, Role.SUPERVISOR)),
            "city_supervisor": make_user((city, Role.SUPERVISOR)),
            "wang": named(make_user((beilin, Role.WINDOW_CLERK)), "王五"),
            "li": named(make_user((beilin, Role.WINDOW_CLERK)), "李四"),
            "zhang": named(make_user((beilin, Role.WINDOW_CLERK)), "张三"),
            "zhao": named(make_user((beilin, Role.WINDOW_CLERK)), "赵六")}


def handled(centre, user, n, on=dt.date(2026, 11, 5)):
    for _ in range(n):
        RegistryEntry.objects.create(
            centre=centre, case_id=uuid.uuid4(), number=f"T{uuid.uuid4().hex[:12]}", item_code="X",
            item_name_zh="x", item_name_en="x", channel="window", status="accepted",
            submitted_at=at(on.year, on.month, on.day), accepted_on=on, last_event_at=at(on.year, on.month, on.day),
            applicant_hmac="x" * 64, handler_id=user.pk)
