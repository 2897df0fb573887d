"""Shared set-up of the asking, booking and rating tests: applicants signed in through the sign-in page
(the SMS code read back from the outbox) with a real name bound, and their cases in the registry."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(area: str = "610103", born: str = "19550315", serial: str = "002") -> str:
    """A resident ID number with its check digit."""
    body = f"{area}{born}{serial}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def sign_in_code(mobile: str) -> str:
    from common.identity import recipient_hmac
    from notifications.models import OutboxMessage

    message = OutboxMessage.objects.filter(template_key="portal_sign_in_code",
                                           to_hmac=recipient_hmac(mobile)).order_by("-id").first()
    assert message is not None, "no sign-in code was sent"
    found = re.search(r"(\d{6})", message.body)
    assert found is not None
    return found.group(1)


@pytest.fixture
def applicant_client(db, centre_client):
    """`applicant_client(mobile, name, id_number)` → (client on the platform's site signed in, account)."""

    def make(mobile: str = "13800138000", name: str = "王秀兰", id_number: str | None = None):
        from portal.models import Applicant
        from portal.services import identity_bind

        client = centre_client(None)
        assert client.post("/online/sign-in/", {"mobile": mobile, "send": "1"}).status_code == 200
        signed = client.post("/online/sign-in/", {"mobile": mobile, "code": sign_in_code(mobile)})
        assert signed.status_code == 302
        account = Applicant.objects.get(pk=client.session["portal_applicant_id"])
        if name:
            account = identity_bind(applicant=account, kind="person", name=name,
                                    id_number=id_number or resident_id())
        return client, account

    return make


def case_of(account, centre, *, status: str = "approved", number: str | None = None, item_code="610100SC-XK-0001"):
    """A case of the account's in the registry (its ID's HMAC), decided by default."""
    from cases.choices import DECIDED
    from registry.models import RegistryEntry

    at = dt.datetime(2026, 9, 1, 12, tzinfo=SHANGHAI)
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=number or f"T{uuid.uuid4().hex[:10].upper()}",
        item_code=item_code, item_name_zh="食品经营许可", item_name_en="Food business licence", department_code="SC",
        channel="online", status=status, submitted_at=at, last_event_at=at, applicant_hmac=account.id_hmac,
        lookup_hmacs=[], is_open=status not in DECIDED | {"refused", "withdrawn"})
