"""The dashboards room's test data: registry rows created directly (the dashboards read nothing else)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone

from registry.models import RegistryEntry
from tenants.choices import Role

URL = "/supervision/dashboard/"
TZ = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def entry(centre, number: str, *, status: str = "under_review", submitted: dt.date, promised_due: dt.date | None,
          last_event: dt.date | None = None, accepted: dt.date | None = None, legal_due: dt.date | None = None,
          item_code: str = "610100SC-XK-0001", channel: str = "window", paused: bool = False,
          is_open: bool | None = None):
    terminal = status in {"refused", "collected", "withdrawn"}
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=number, item_code=item_code, item_name_zh="食品经营许可",
        item_name_en="Food business licence", department_code="SC", department_name_zh="市市场监督管理局",
        department_name_en="Market Regulation", channel=channel, status=status, submitted_at=at(submitted),
        accepted_on=accepted or (submitted if status not in {"submitted", "refused"} else None),
        promised_limit_days=10, legal_limit_days=20, promised_due=promised_due,
        legal_due=legal_due or (promised_due + dt.timedelta(days=14) if promised_due else None), paused=paused,
        is_open=(not terminal) if is_open is None else is_open,
        last_event_at=at(last_event or submitted, 16), applicant_hmac="0" * 64)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def overdue_in_beilin(beilin, item, today):
    """Beilin: one case overdue by 3 days; Yanta: one overdue and one on track."""
    return entry(beilin, "610103-DASH-0001", submitted=today - dt.timedelta(days=20),
                 promised_due=today - dt.timedelta(days=3))


@pytest.fixture
def yanta_cases(yanta, item, today):
    entry(yanta, "610113-DASH-0001", submitted=today - dt.timedelta(days=30), promised_due=today - dt.timedelta(days=9))
    entry(yanta, "610113-DASH-0002", submitted=today - dt.timedelta(days=2), promised_due=today + dt.timedelta(days=8),
          channel="online")


@pytest.fixture
def city_coordinator(make_user, city):
    return make_user((city, Role.SUPERVISOR), username="city-coordinator")


def overdue_row(html: str, number: str) -> str:
    start = html.index(f'<tr data-number="{number}">')
    return html[start:html.index("</tr>", start)]


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
