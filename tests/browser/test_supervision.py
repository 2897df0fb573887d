"""A clerk sees the red case at the top of the inbox and in the warnings inbox after the sweep."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.models import Case
from cases.services import case_submit, case_transition
from registry.models import RegistryEntry
from supervision.warnings.services import deadline_sweep
from tenants.models import Centre, User
from tests.browser.conftest import orm, screenshot, sign_in
from tests.browser.test_cases import VALID_ID, at, committed_adopted_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_clerk_sees_a_red_case_at_the_top_of_the_inbox(page, live_url, make_browser_user):
    code = committed_adopted_item("Browser supervised permit")
    clerk = make_browser_user(("610103", "window_clerk"))

    def overdue_and_swept() -> tuple[str, str]:
        beilin = Centre.objects.get(division_code="610103")
        user = User.objects.get(username=clerk)
        numbers = []
        with tenant_context(beilin):
            connection.set_tenant(beilin)
            for _ in range(2):
                case = case_submit(centre=connection.tenant,
                                   item_code=code, applicant_kind="person", applicant_name="监察测试",
                                   applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                                   acting_user=user).case
                numbers.append(case_transition(centre=connection.tenant, case=case, action="accept", acting_user=user))
            late = numbers[1]
            yesterday = timezone.localdate() - dt.timedelta(days=1)
            Case.objects.filter(pk=late.pk).update(promised_due=yesterday)
        connection.set_schema_to_public()
        RegistryEntry.objects.filter(case_id=late.pk).update(promised_due=yesterday)
        deadline_sweep()
        return late.number, numbers[0].number

    late, on_time = orm(overdue_and_swept)
    base = at(live_url, "beilin")
    sign_in(page, base, clerk)

    page.goto(base + "/cases/")
    first_row = page.locator("tr[data-number]").first
    assert first_row.get_attribute("data-number") == late
    assert "overdue" in (first_row.get_attribute("class") or "")
    screenshot(page, "inbox-red-first")

    page.goto(base + "/supervision/warnings/")
    row = page.locator(f"tr[data-number='{late}']")
    assert "level-red" in (row.get_attribute("class") or "")
    assert page.locator(f"tr[data-number='{on_time}']").count() == 0
