"""Fixtures for delegation: a station at Nanyuanmen (a township under Beilin) with its agent, and three
items exercised at the township, at the district only and at the city only."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tenants.choices import Role

SH = ZoneInfo("Asia/Shanghai")
VALID_ID = "11010519491231002X"
OTHER_ID = "110101199003071233"
PHONE = "13812345678"
#: The first bytes of a PNG: enough for the scan's type check (delegation.consent.scan_kind).
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def png_upload(name: str = "form.png", content: bytes = PNG):
    """A photo of a signed authorisation form, as a browser uploads it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SH)


def make_item(code: str, *, levels: list[str], name: str, materials: list[dict] | None = None):
    from catalog.models import Department
    from catalog.services import item_create, version_create_draft, version_publish

    department, _ = Department.objects.get_or_create(code=code[6:8], defaults={
        "name_zh": f"测试局{code[6:8]}", "name_en": f"Bureau {code[6:8]}"})
    item = item_create(code=code, department=department, category="public_service", item_type=code[9:11],
                       levels=levels, acting_user=None)
    version = version_create_draft(
        item=item, content={"name_zh": name, "name_en": f"Item {code}", "legal_limit_days": 20,
                            "promised_limit_days": 10},
        materials=materials if materials is not None else [{"name_zh": "申请表", "name_en": "Application form"},
                                                           {"name_zh": "身份证复印件", "name_en": "ID copy"}],
        effective_from=dt.date(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    return item


def adopt(centre, item):
    from catalog.models import Adoption

    return Adoption.objects.create(centre=centre, item=item, starts_on=dt.date(2020, 1, 1))


@pytest.fixture
def items(city, beilin, nanyuanmen):
    """{'township': …, 'district': …, 'city': …}: where each is exercised (the levels above adopt too)."""
    township = make_item("610100RS-GG-0101", levels=["city", "district", "township"], name="城乡居民养老保险登记")
    district = make_item("610100MZ-GG-0102", levels=["city", "district"], name="最低生活保障申请")
    city_only = make_item("610100GA-GG-0103", levels=["city"], name="出入境证件申请")
    for centre, owned in ((city, [township, district, city_only]), (beilin, [township, district]),
                          (nanyuanmen, [township])):
        for item in owned:
            adopt(centre, item)
    return {"township": township, "district": district, "city": city_only}


@pytest.fixture
def station(nanyuanmen):
    from delegation.services import station_create

    return station_create(township=nanyuanmen, kind="village", name_zh="南院门第一村便民服务站",
                          name_en="Nanyuanmen Village 1 Station", division_code="610103001201")


@pytest.fixture
def other_station(nanyuanmen):
    from delegation.services import station_create

    return station_create(township=nanyuanmen, kind="community", name_zh="南院门第一社区便民服务站",
                          division_code="610103001001")


@pytest.fixture
def agent(make_user, station):
    from delegation.services import station_agent_assign

    user = make_user(username="agent-a")
    user.full_name = "王代办"
    user.save(update_fields=["full_name"])
    station_agent_assign(user=user, station=station, acting_user=None)
    return user


@pytest.fixture
def other_agent(make_user, other_station):
    from delegation.services import station_agent_assign

    user = make_user(username="agent-b")
    station_agent_assign(user=user, station=other_station, acting_user=None)
    return user


@pytest.fixture
def township_clerk(make_user, nanyuanmen):
    return make_user((nanyuanmen, Role.WINDOW_CLERK), username="clerk-nym")


def file_for_resident(agent, station, item, *, now=None, id_number=VALID_ID, consent_item=None, key=None,
                      materials=None):
    """Record the resident's consent and file: what the agent's form does (`proxy_filing_file`). With a
    `consent_item`, the consent is recorded for that item first and the filing made with it."""
    from django.db import transaction

    from common.idempotency import ClientKey
    from delegation.services import ConsentGiven, consent_record, proxy_filing_file, proxy_filing_submit

    now = now or at(2026, 9, 28)
    given_at = now - dt.timedelta(hours=1)
    if consent_item is None:
        return proxy_filing_file(agent=agent, station=station, item_code=item.code, resident_name="李四",
                                 resident_id_number=id_number, phone=PHONE,
                                 consent=ConsentGiven(method="recorded_call", given_at=given_at, evidence="REC-001"),
                                 provided_material_ids=materials, now=now,
                                 idempotency_key=ClientKey(key=key, user_id=agent.pk) if key else None)[0]
    with transaction.atomic():
        consent = consent_record(agent=agent, station=station, resident_name="李四", resident_id_number=id_number,
                                 item_code=consent_item, method="recorded_call", given_at=given_at, evidence="REC-001",
                                 now=now)
        return proxy_filing_submit(agent=agent, station=station, consent=consent, item_code=item.code,
                                   resident_name="李四", resident_id_number=id_number, phone=PHONE,
                                   provided_material_ids=materials, now=now)
