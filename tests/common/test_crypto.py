"""Applicants' ID numbers and phones are encrypted at rest (PIPL): the columns hold Fernet tokens, the code
reads clear values, a key rotation re-encrypts every centre's rows, and nothing searches the column."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from cases import door
from cases.choices import ApplicantKind, Channel
from cases.models import Case
from common import crypto
from notifications.models import OutboxMessage
from notifications.services import outbox_enqueue
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
STORED_PHONE = "+8613812345678"  # normalised on filing
ROOT = Path(__file__).resolve().parents[2]


def file_case(centre, clerk):
    return door.case_file(centre=centre, item_code="610100SC-XK-0001", applicant_kind=ApplicantKind.PERSON,
                          applicant_name="张三", applicant_id_number=VALID_ID, phone=PHONE, channel=Channel.WINDOW,
                          acting_user=clerk).case


def raw_case(centre, case_id) -> tuple[str, str]:
    with schema_context(centre.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT applicant_id_number, phone FROM cases_case WHERE id = %s", [case_id])
        return cursor.fetchone()


def read_case(centre, case_id) -> tuple[str, str]:
    with schema_context(centre.schema_name):
        return Case.objects.values_list("applicant_id_number", "phone").get(pk=case_id)


def test_the_columns_hold_no_clear_id_number_or_phone_and_the_code_reads_them(beilin, item, clerk):
    case = file_case(beilin, clerk)
    id_number, phone = raw_case(beilin, case.pk)
    assert VALID_ID not in id_number and PHONE not in phone
    assert crypto.is_encrypted(id_number) and crypto.is_encrypted(phone)
    assert read_case(beilin, case.pk) == (VALID_ID, STORED_PHONE)
    with schema_context(beilin.schema_name):
        assert Case.objects.get(pk=case.pk).phone == STORED_PHONE


def test_the_outbox_recipient_is_encrypted_too(beilin):
    outbox_enqueue(dedupe_key="crypto-test", to=PHONE, template_key="case_result_ready", context={},
                   centre_id=beilin.pk)
    with connection.cursor() as cursor:
        cursor.execute('SELECT "to" FROM notifications_outboxmessage WHERE dedupe_key = %s', ["crypto-test"])
        (raw,) = cursor.fetchone()
    assert PHONE not in raw and crypto.is_encrypted(raw)
    assert OutboxMessage.objects.get(dedupe_key="crypto-test").to == PHONE


def test_a_key_rotation_reencrypts_every_centre_and_the_old_key_can_then_go(beilin, item, clerk):
    key1, key2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(DATA_KEYS=[key1]):
        case = file_case(beilin, clerk)
    before = raw_case(beilin, case.pk)
    with override_settings(DATA_KEYS=[key2]), pytest.raises(crypto.UndecryptableError):
        read_case(beilin, case.pk)  # key 1 dropped too early: refused, not garbage

    with override_settings(DATA_KEYS=[key2, key1]):
        assert read_case(beilin, case.pk) == (VALID_ID, STORED_PHONE)  # both keys in force: old rows still read
        call_command("reencrypt_personal_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    after = raw_case(beilin, case.pk)
    assert after != before and crypto.is_encrypted(after[0])
    with override_settings(DATA_KEYS=[key2]):
        assert read_case(beilin, case.pk) == (VALID_ID, STORED_PHONE)


def test_the_migration_and_the_command_encrypt_rows_still_in_clear(beilin, item, clerk):
    case = file_case(beilin, clerk)
    with schema_context(beilin.schema_name), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET applicant_id_number = %s, phone = %s WHERE id = %s",
                       [VALID_ID, STORED_PHONE, case.pk])  # as stored before this change
    assert read_case(beilin, case.pk) == (VALID_ID, STORED_PHONE)  # read during the upgrade
    migration = importlib.import_module("cases.migrations.0005_encrypt_personal_data")
    with schema_context(beilin.schema_name):
        migration.rewrite(apps, None)
    assert crypto.is_encrypted(raw_case(beilin, case.pk)[0]) and read_case(beilin, case.pk) == (VALID_ID, STORED_PHONE)


def test_the_encrypted_columns_cannot_be_searched_by_mistake(in_beilin):
    with pytest.raises(FieldError):
        list(Case.objects.filter(applicant_id_number=VALID_ID))
    with pytest.raises(FieldError):
        list(Case.objects.filter(phone__endswith="5678"))
    assert list(Case.objects.filter(phone__isnull=True)) == []


def test_production_refuses_to_start_without_the_data_keys():
    env = {k: v for k, v in os.environ.items() if k != "GOVSERVICE_DATA_KEYS"}
    env.update(DJANGO_SECRET_KEY="x" * 60, DJANGO_SETTINGS_MODULE="config.settings.production")
    result = subprocess.run([sys.executable, "-c", "import config.settings.production"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "GOVSERVICE_DATA_KEYS" in result.stderr
    env["GOVSERVICE_DATA_KEYS"] = Fernet.generate_key().decode()
    result = subprocess.run([sys.executable, "-c", "import config.settings.production"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_outbox_admin_still_finds_a_numbers_messages_by_its_hmac(beilin, centre_client):
    from tenants.models import User

    outbox_enqueue(dedupe_key="crypto-search", to=PHONE, template_key="case_result_ready", context={},
                   centre_id=beilin.pk)
    outbox_enqueue(dedupe_key="crypto-other", to="13900000000", template_key="case_result_ready", context={},
                   centre_id=beilin.pk)
    admin = centre_client(None, User.objects.create_superuser(username="outbox-admin", password="pw-12345-xyz"))
    html = admin.get("/admin/notifications/outboxmessage/", {"q": "138 1234 5678"}).content.decode()
    assert "crypto-search" in html and "crypto-other" not in html and PHONE not in html
