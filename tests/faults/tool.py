"""What the fault tests do inside the private platform's database, run as a process of its own (the test's own
Django points at the session's test database):

    python -m tests.faults.tool seed              # an item Beilin adopts, a clerk with an API token: JSON
    python -m tests.faults.tool enqueue N PREFIX  # N SMS in the outbox (dedupe keys PREFIX-0 ...), each
                                                  # queued to the broker after its commit: their ids, JSON
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys

ITEM_CODE = "610100FT-XK-0001"
CLERK = "faults-clerk"


def seed() -> dict:
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from catalog.models import Adoption, Department, Item
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from tenants.choices import Role
    from tenants.models import Centre, Membership
    from tenants.services import membership_grant, user_get_or_create

    connection.set_schema_to_public()
    beilin = Centre.objects.get(slug="beilin")
    department, _ = Department.objects.get_or_create(code="FT", defaults={"name_zh": "故障演练局",
                                                                          "name_en": "Fault drills"})
    item = Item.objects.filter(code=ITEM_CODE).first()
    if item is None:
        item = item_create(code=ITEM_CODE, department=department, category="licence", item_type="XK",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(
            item=item, content={"name_zh": "故障演练许可", "name_en": "Fault drill licence", "legal_limit_days": 20,
                                "promised_limit_days": 10},
            materials=[{"name_zh": "申请书", "name_en": "Application"}], effective_from=dt.date(2020, 1, 1),
            acting_user=None)
        version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
        item.refresh_from_db()
    if not Adoption.objects.filter(centre=beilin, item=item).exists():
        adoption_create(centre=beilin, item=item, promised_limit_days=8, window="5", acting_user=None,
                        today=dt.date(2020, 1, 1))
    clerk = user_get_or_create(username=CLERK, password="pw-12345-xyz")
    if not Membership.objects.filter(user=clerk, centre=beilin, role=Role.WINDOW_CLERK).exists():
        membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, acting_user=None)
    token, _ = Token.objects.get_or_create(user=clerk)
    return {"token": token.key, "user_id": clerk.pk, "item_code": ITEM_CODE, "centre_id": beilin.pk,
            "code": beilin.division_code, "schema": beilin.schema_name, "host": f"{beilin.slug}.localhost"}


def enqueue(count: int, prefix: str) -> list[int]:
    from django.db import transaction

    from notifications.services import outbox_enqueue

    ids = []
    for n in range(count):
        with transaction.atomic():
            message = outbox_enqueue(dedupe_key=f"{prefix}-{n}", to="+8613800000000", template_key="test_sms",
                                     context={"stamp": f"{prefix} {n}"})
        ids.append(message.pk)
    return ids


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "seed":
        print(json.dumps(seed()))
    elif command == "enqueue":
        print(json.dumps(enqueue(int(args[0]), args[1])))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
