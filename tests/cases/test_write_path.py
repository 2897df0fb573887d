"""The lighter write path of the API (issue 17): a token's user and roles read in one statement, the case
to change read by a statement written once, answers written with fields made once — and every rule of
the heavier path still holding: an unknown or revoked token, a deactivated user, a role taken away, another
department's case, all count from the very next request."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from cases.api import CaseDetailOutput, CaseOutput
from cases.models import Case
from cases.selectors import case_get_for, case_row
from tenants.choices import Role
from tenants.models import Membership
from tenants.services import membership_revoke, user_deactivate
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"
APPLICATION = {"item_code": "610100SC-XK-0001", "applicant_kind": "person", "applicant_name": "张三",
               "applicant_id_number": VALID_ID, "phone": "13812345678"}


def post(client, path, data, **headers):
    return client.post(path, data, content_type="application/json", headers=headers)


def submit(client) -> str:
    response = post(client, URL, APPLICATION)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def accept(client, case_id, token, **headers):
    return client.post(f"{URL}{case_id}/transitions/", {"action": "accept"}, content_type="application/json",
                       headers={"Authorization": f"Token {token}"}, **headers)


def test_a_token_accept_reads_user_and_roles_in_one_statement(beilin, item, clerk, centre_client):
    case_id = submit(centre_client(beilin, clerk))
    token = Token.objects.create(user=clerk).key
    with CaptureQueriesContext(connection) as queries:
        response = accept(centre_client(beilin), case_id, token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    sql = [q["sql"] for q in queries]
    assert sum("authtoken_token" in s for s in sql) == 1
    assert not [s for s in sql if "tenants_membership" in s and "authtoken_token" not in s], sql


def test_an_unknown_token_and_a_deactivated_user_are_refused(beilin, item, clerk, centre_client):
    case_id = submit(centre_client(beilin, clerk))
    unknown = accept(centre_client(beilin), case_id, "0" * 40)
    assert unknown.status_code == 401 and unknown["WWW-Authenticate"] == "Token"
    token = Token.objects.create(user=clerk).key
    type(clerk).objects.filter(pk=clerk.pk).update(is_active=False)  # the token kept, the user not active
    inactive = accept(centre_client(beilin), case_id, token, HTTP_ACCEPT_LANGUAGE="en")
    assert inactive.status_code == 401
    assert "inactive" in inactive.json()["message"].lower()
    type(clerk).objects.filter(pk=clerk.pk).update(is_active=True)
    user_deactivate(user=clerk, acting_user=None)  # the platform's own way: the user's tokens go too
    assert accept(centre_client(beilin), case_id, token).status_code == 401
    assert Case.objects.get(pk=case_id).status == "submitted"


def test_a_role_taken_away_counts_from_the_next_request(beilin, item, clerk, centre_client):
    first, second = submit(centre_client(beilin, clerk)), submit(centre_client(beilin, clerk))
    token = Token.objects.create(user=clerk).key
    assert accept(centre_client(beilin), first, token).status_code == 200
    membership_revoke(membership=Membership.objects.get(user=clerk, centre=beilin), acting_user=None)
    assert accept(centre_client(beilin), second, token).status_code == 404
    assert Case.objects.get(pk=second).status == "submitted"


def test_another_departments_clerk_with_a_token_finds_no_case(beilin, item, clerk, make_user, centre_client):
    case_id = submit(centre_client(beilin, clerk))
    other = make_user((beilin, Role.WINDOW_CLERK), username="clerk-ga")
    Membership.objects.filter(user=other).update(department_code="GA")
    token = Token.objects.create(user=other).key
    assert accept(centre_client(beilin), case_id, token).status_code == 404
    assert Case.objects.get(pk=case_id).status == "submitted"


def test_the_write_paths_read_is_the_orms_row(in_beilin, item, clerk, centre_client):
    case_id = submit(centre_client(in_beilin, clerk))
    assert accept(centre_client(in_beilin), case_id, Token.objects.create(user=clerk).key).status_code == 200
    orm = Case.objects.get(pk=case_id)
    fast = case_row(case_id=case_id)
    assert fast is not None and not fast._state.adding
    for field in Case._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.attname
    assert fast.applicant_id_number == VALID_ID  # decrypted, as the ORM reads it
    assert case_row(case_id=case_id, department=orm.department_code).pk == orm.pk
    assert case_row(case_id=case_id, department="GA") is None
    assert case_row(case_id=uuid.uuid4()) is None
    assert case_row(case_id="not-a-uuid") is None


def _drf_answer(serializer_class, case) -> dict:
    """The answer DRF's own Serializer.to_representation writes (fields deep-copied for this instance)."""
    return serializers.Serializer.to_representation(serializer_class(), case)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_answers_with_fields_made_once_are_drfs_answers(in_beilin, item, clerk, centre_client, language):
    case_id = submit(centre_client(in_beilin, clerk))
    assert accept(centre_client(in_beilin), case_id, Token.objects.create(user=clerk).key).status_code == 200
    case = case_get_for(user=clerk, centre=in_beilin, case_id=case_id)
    CaseOutput(case).data, CaseDetailOutput(case).data  # the fields are made here, in the settings' language
    with translation.override(language), timezone.override(dt.timezone(dt.timedelta(hours=-5))):
        assert CaseOutput(case).data == _drf_answer(CaseOutput, case)
        detail = CaseDetailOutput(case).data
        assert detail == _drf_answer(CaseDetailOutput, case)
        assert detail["submitted_at"].endswith("-05:00")
        assert detail["applicant_id_number"].endswith("002X") and VALID_ID not in str(detail)
        assert [e["to_status"] for e in detail["events"]] == ["submitted", "accepted"]
