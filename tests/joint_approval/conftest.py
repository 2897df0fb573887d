"""Fixtures of joint-approval tests: a company-registration bundle whose legs run at Beilin (local)
and at the city centre (city), its staff, and Gaoxin for linked projects."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.choices import Role

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"
SINCE = dt.date(2020, 1, 1)


@pytest.fixture
def gaoxin(db):
    from tenants.models import Centre

    return Centre.objects.get(division_code="610171")


def make_item(code: str, department_code: str, name_zh: str, name_en: str, materials: list[tuple[str, str]], *,
              adopt_at=(), promised: int = 10, legal: int = 20, fee: str = "0"):
    """A published master item (city, district and zone levels) adopted by `adopt_at`."""
    from decimal import Decimal

    from catalog.models import Department
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    department, _ = Department.objects.get_or_create(code=department_code, defaults={
        "name_zh": f"测试局{department_code}", "name_en": f"Test bureau {department_code}"})
    item = item_create(code=code, department=department, category="licence", item_type="XK",
                       levels=["city", "district", "zone"], acting_user=None)
    version = version_create_draft(
        item=item, content={"name_zh": name_zh, "name_en": name_en, "legal_limit_days": legal,
                            "promised_limit_days": promised, "fee_yuan": Decimal(fee)},
        materials=[{"name_zh": zh, "name_en": en} for zh, en in materials], effective_from=SINCE, acting_user=None)
    version_publish(version=version, acting_user=None, today=SINCE)
    item.refresh_from_db()
    for centre in adopt_at:
        adoption_create(centre=centre, item=item, acting_user=None, today=SINCE)
    return item


@pytest.fixture
def company_items(city, beilin, gaoxin):
    """Three items: company registration (local, produces 营业执照), seal engraving (local), tax
    registration (city); they share 申请表 and 法定代表人身份证明, and the last two ask for the licence."""
    registration = make_item("610100SC-XK-0101", "SC", "企业设立登记", "Company registration",
                             [("申请表", "Application form"),
                              ("法定代表人身份证明", "Identity of the legal representative"),
                              ("公司章程", "Articles of association")],
                             adopt_at=(beilin, gaoxin, city), promised=3, legal=15, fee="0")
    seal = make_item("610100GA-XK-0101", "GA", "印章刻制备案", "Seal engraving filing",
                     [("申请表", "Application form"), ("营业执照复印件", "Copy of the business licence")],
                     adopt_at=(beilin, gaoxin, city), promised=2, legal=5, fee="50")
    tax = make_item("610100SW-XK-0101", "SW", "税务登记", "Tax registration",
                    [("申请表 ", "Application form"), ("法定代表人身份证明", "Identity of the legal representative"),
                     ("营业执照", "Business licence"), ("财务负责人身份证明", "Identity of the chief accountant")],
                    adopt_at=(city,), promised=5, legal=20, fee="20")
    return registration, seal, tax


@pytest.fixture
def bundle(company_items):
    from joint_approval.models import Bundle, BundleItem

    registration, seal, tax = company_items
    bundle = Bundle.objects.create(code="company-test", name_zh="开办企业", name_en="Start a company",
                                   stage="establishment", promised_days=4, sequential_days=10)
    BundleItem.objects.create(bundle=bundle, item=registration, level="local", produces_zh="营业执照",
                              produces_en="Business licence", position=1)
    BundleItem.objects.create(bundle=bundle, item=seal, level="local", required=False, position=2)
    BundleItem.objects.create(bundle=bundle, item=tax, level="city", position=3)
    return bundle


@pytest.fixture
def clerk_beilin(make_user, beilin):
    return make_user((beilin, Role.WINDOW_CLERK), username="j-clerk-beilin")


@pytest.fixture
def chief_beilin(make_user, beilin):
    return make_user((beilin, Role.CHIEF_REPRESENTATIVE), username="j-chief-beilin")


@pytest.fixture
def chief_city(make_user, city):
    return make_user((city, Role.CHIEF_REPRESENTATIVE), username="j-chief-city")


@pytest.fixture
def clerk_gaoxin(make_user, gaoxin):
    return make_user((gaoxin, Role.WINDOW_CLERK), username="j-clerk-gaoxin")


def accept(bundle, clerk, centre, **kwargs):
    from joint_approval.services import joint_case_accept

    values = {"applicant_kind": "organisation", "applicant_name": "西安测试科技有限公司",
              "applicant_id_number": VALID_USCC, "phone": "13912345678"}
    values.update(kwargs)
    return joint_case_accept(accepting_centre=centre, acting_user=clerk, bundle=bundle, **values).joint_case


def leg_case(leg):
    """The leg's case, read in its centre's schema."""
    from cases.models import Case

    with tenant_context(leg.centre):
        return Case.objects.prefetch_related("materials").get(pk=leg.case_id)


def step(leg, action, user, note=""):
    """One transition of a leg's case, in its centre's schema."""
    from cases.services import case_transition

    with tenant_context(leg.centre):
        from cases.models import Case

        return case_transition(centre=connection.tenant,
                               case=Case.objects.get(pk=leg.case_id), action=action, acting_user=user, note=note,
                               missing_material_ids=_missing(leg) if action == "issue_notice" else None)


def _missing(leg):
    from cases.models import CaseMaterial

    return list(CaseMaterial.objects.filter(case_id=leg.case_id).values_list("material_id", flat=True)[:1])
