"""Pages of the warnings room: the inbox, acknowledging (once: again is a 409 with the message), the
findings for overseers only."""
from __future__ import annotations

import datetime as dt

import pytest

from supervision.warnings.models import DeadlineWarning
from supervision.warnings.services import deadline_sweep
from tenants.choices import Role
from tests.supervision.warnings.conftest import accepted_case

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_clerk_sees_the_red_warning_in_the_warnings_inbox_and_acknowledges_it(
        in_beilin, beilin, yanta, item, staff, centre_client, make_user):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    client = centre_client(beilin, staff["clerk"])
    page = client.get("/supervision/warnings/")
    assert page.status_code == 200
    assert case.number in page.content.decode() and "level-red" in page.content.decode()
    warning = DeadlineWarning.objects.get(case_id=case.pk)
    assert client.post(f"/supervision/warnings/{warning.pk}/acknowledge/").status_code == 302
    warning.refresh_from_db()
    assert warning.acknowledged_at is not None and warning.acknowledged_by == staff["clerk"]
    on_yanta = centre_client(yanta, make_user((yanta, Role.SUPERVISOR))).get("/supervision/warnings/")
    assert case.number not in on_yanta.content.decode()  # Yanta's inbox holds only Yanta's warnings
    assert centre_client(beilin, make_user((yanta, Role.SUPERVISOR))).get("/supervision/warnings/").status_code == 404
    assert centre_client(beilin, staff["clerk"]).get("/supervision/findings/").status_code == 404


def test_a_second_acknowledgement_answers_the_inbox_with_409_and_the_message_and_writes_nothing(
        in_beilin, beilin, item, staff, centre_client):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    warning = DeadlineWarning.objects.get(case_id=case.pk)
    clerk = centre_client(beilin, staff["clerk"])
    assert clerk.post(f"/supervision/warnings/{warning.pk}/acknowledge/").status_code == 302
    warning.refresh_from_db()
    acknowledged = warning.acknowledged_at

    chief = centre_client(beilin, staff["chief"])  # the department's chief, in another tab
    again = chief.post(f"/supervision/warnings/{warning.pk}/acknowledge/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "acknowledged already" in again.content.decode()
    assert str(staff["clerk"]) in again.content.decode()  # who acknowledged it, in its row
    warning.refresh_from_db()
    assert (warning.acknowledged_at, warning.acknowledged_by) == (acknowledged, staff["clerk"])


def test_the_warnings_inbox_names_the_item_and_the_acknowledging_clerk_in_english(
        in_beilin, beilin, item, staff, centre_client):
    from tenants.models import User

    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    User.objects.filter(pk=staff["clerk"].pk).update(full_name="王芳", full_name_en="Wang Fang")
    client = centre_client(beilin, User.objects.get(pk=staff["clerk"].pk))
    warning = DeadlineWarning.objects.get(case_id=case.pk)
    assert client.post(f"/supervision/warnings/{warning.pk}/acknowledge/").status_code == 302
    english = client.get("/supervision/warnings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Food business licence" in english and "食品经营许可" not in english
    assert "Wang Fang" in english and "王芳" not in english
    chinese = client.get("/supervision/warnings/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "食品经营许可" in chinese and "王芳" in chinese
