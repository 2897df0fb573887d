"""The electronic archives on the platform's site: an applicant downloads their own case's archive (another's
is 404), and a key project's archive holds its cases at the city and at its district, one folder each."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.choices import Action
from cases.models import Case, CaseDocument
from cases.services import case_submit, case_transition
from common.identity import recipient_hmac
from delegation.models import AgencyAssignment, ProjectApproval
from joint_approval.services import joint_case_accept, linked_project_register
from portal.access import SESSION_KEY
from portal.models import Applicant
from portal.services import identity_bind
from tenants.choices import Role
from tests.cases.conftest import VALID_ID
from tests.joint_approval.conftest import VALID_USCC, make_item

pytestmark = pytest.mark.django_db
CODE = "610100SC-XK-0001"
OTHER_ID = "110105198001010024"


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 160, 60)).save(out, "JPEG")
    return out.getvalue()


def add_document(case_id, centre, name: str) -> CaseDocument:
    content = jpeg_bytes()
    with tenant_context(centre):
        stored = default_storage.save(f"cases/{centre.schema_name}/{case_id}/{name}.jpg", ContentFile(content))
        return CaseDocument.objects.create(case_id=case_id, kind="material", file=stored, name=f"{name}.jpg",
                                           content_type="image/jpeg", size=len(content),
                                           sha256=hashlib.sha256(content).hexdigest(), by_applicant=True,
                                           uploaded_at=timezone.now())


def applicant_client(id_number: str, mobile: str) -> Client:
    applicant = Applicant.objects.create(mobile=mobile, mobile_hmac=recipient_hmac(mobile))
    identity_bind(applicant=applicant, kind="person", name="张三", id_number=id_number)
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    session = client.session
    session[SESSION_KEY] = applicant.pk
    session.save()
    return client


@pytest.fixture
def gaoxin(db):
    from tenants.models import Centre

    return Centre.objects.get(division_code="610171")


@pytest.fixture
def company_items(city, beilin, gaoxin):
    """A company registration (handled at the district or zone) and a tax registration (at the city)."""
    registration = make_item("610100SC-XK-0101", "SC", "企业设立登记", "Company registration",
                             [("申请表", "Application form")], adopt_at=(beilin, gaoxin, city))
    tax = make_item("610100SW-XK-0101", "SW", "税务登记", "Tax registration", [("申请表", "Application form")],
                    adopt_at=(city,))
    return registration, tax


def open_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def my_case(in_beilin, item, clerk):
    case = case_submit(centre=connection.tenant, item_code=CODE, applicant_kind="person", applicant_name="张三",
                       applicant_id_number=VALID_ID, phone="13812345678", channel="online", acting_user=None).case
    case = case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)
    add_document(case.pk, connection.tenant, "身份证")
    connection.set_schema_to_public()
    return case


def test_the_applicant_downloads_their_own_case_archive(my_case):
    client = applicant_client(VALID_ID, "+8613812345678")
    response = client.get(f"/online/cases/{my_case.pk}/archive/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    archive = open_zip(response)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"]["number"] == my_case.number
    material = next(entry for entry in manifest["files"] if entry["kind"] == "material")
    assert material["name"] == "身份证.jpg" and material["pdfa"] == "2B"
    assert hashlib.sha256(archive.read(material["path"])).hexdigest() == material["sha256"]


def test_another_applicant_and_nobody_get_no_archive(my_case):
    other = applicant_client(OTHER_ID, "+8613912345678")
    assert other.get(f"/online/cases/{my_case.pk}/archive/").status_code == 404
    anonymous = Client(HTTP_HOST=settings.PLATFORM_DOMAIN).get(f"/online/cases/{my_case.pk}/archive/")
    assert anonymous.status_code == 302 and "/online/sign-in/" in anonymous["Location"]


# --- a key project's archive (重点项目电子档案) -------------------------------------------------------------

@pytest.fixture
def project_cases(company_items, city, beilin, gaoxin, make_user):
    """A linked project in Gaoxin accepted there (legs at Gaoxin and at the city), and an approval its agent
    recorded that names a case at Beilin: three cases at three centres, each with a file."""
    registration, tax = company_items
    project = linked_project_register(name_zh="高新区档案测试园", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2026,
                                      items=[(registration, "local"), (tax, "city")])
    clerk = make_user((gaoxin, Role.WINDOW_CLERK), username="archive-clerk-gaoxin")
    joint = joint_case_accept(accepting_centre=gaoxin, acting_user=clerk, project=project,
                              applicant_kind="organisation", applicant_name="西安测试科技有限公司",
                              applicant_id_number=VALID_USCC, phone="13912345678").joint_case
    legs = list(joint.legs.select_related("centre").order_by("position"))
    assert {leg.centre for leg in legs} == {gaoxin, city}
    for leg in legs:
        add_document(leg.case_id, leg.centre, f"leg-{leg.position}")
    with tenant_context(beilin):
        extra = case_submit(centre=beilin, item_code=registration.code, applicant_kind="organisation",
                            applicant_name="西安测试科技有限公司", applicant_id_number=VALID_USCC,
                            phone="13912345678", channel="window", acting_user=None).case
    add_document(extra.pk, beilin, "approval")
    ProjectApproval.objects.create(project=project, item_name="企业设立登记", centre=beilin, case_number=extra.number,
                                   finished_on=timezone.localdate())
    connection.set_schema_to_public()
    return project, legs, extra


def test_the_project_archive_holds_its_cases_at_both_levels(centre_client, project_cases, city, gaoxin, beilin,
                                                            make_user):
    project, legs, extra = project_cases
    coordinator = make_user((city, Role.CHIEF_REPRESENTATIVE), username="archive-city")
    response = centre_client(None, coordinator).get(f"/online/projects/{project.pk}/archive/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    archive = open_zip(response)
    index = json.loads(archive.read("manifest.json"))
    assert index["project"]["name_zh"] == "高新区档案测试园"
    centres = {case["centre"]["division_code"] for case in index["cases"]}
    assert centres == {city.division_code, gaoxin.division_code, beilin.division_code}
    assert {case["case_id"] for case in index["cases"]} == {str(leg.case_id) for leg in legs} | {str(extra.pk)}
    assert all(case["found"] for case in index["cases"])
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    for case in index["cases"]:
        folder = case["folder"]
        manifest = json.loads(archive.read(f"{folder}manifest.json"))
        assert manifest["centre"]["division_code"] == case["centre"]["division_code"]
        assert hashlib.sha256(archive.read(f"{folder}manifest.json")).hexdigest() == case["manifest_sha256"]
        material = next(entry for entry in manifest["files"] if entry["kind"] == "material")
        path = folder + material["path"]
        assert hashlib.sha256(archive.read(path)).hexdigest() == material["sha256"] == sums[path]
        assert f"{folder}summary.pdf" in archive.namelist()


def test_the_project_archive_is_for_the_projects_people_only(centre_client, project_cases, gaoxin, yanta,
                                                             make_user):
    project, _legs, _extra = project_cases
    url = f"/online/projects/{project.pk}/archive/"
    stranger = make_user((yanta, Role.WINDOW_CLERK), username="archive-yanta")
    assert centre_client(None, stranger).get(url).status_code == 404
    assert centre_client(None, stranger).get("/online/projects/999999/archive/").status_code == 404
    district = make_user((gaoxin, Role.WINDOW_CLERK), username="archive-gaoxin")
    assert centre_client(None, district).get(url).status_code == 200
    agent = make_user(username="archive-agent")
    AgencyAssignment.objects.create(project=project, agent=agent, level="full", assigned_on=timezone.localdate())
    assert centre_client(None, agent).get(url).status_code == 200
    assert centre_client(None).get(url).status_code == 302  # to sign in


def test_the_project_pages_link_to_the_archive(centre_client, project_cases, make_user):
    project, _legs, _extra = project_cases
    admin = make_user((None, Role.PLATFORM_ADMIN), username="archive-admin")
    page = centre_client(None, admin).get(f"/joint/projects/{project.pk}/").content.decode()
    assert f'href="/online/projects/{project.pk}/archive/"' in page


def test_a_case_gone_from_its_centre_is_told_in_the_project_archive(centre_client, project_cases, city, make_user):
    project, legs, _extra = project_cases
    leg = next(leg for leg in legs if leg.centre == city)
    with tenant_context(city):
        Case.objects.filter(pk=leg.case_id).delete()
    connection.set_schema_to_public()
    admin = make_user((None, Role.PLATFORM_ADMIN), username="archive-admin-2")
    archive = open_zip(centre_client(None, admin).get(f"/online/projects/{project.pk}/archive/"))
    index = json.loads(archive.read("manifest.json"))
    gone = next(case for case in index["cases"] if case["case_id"] == str(leg.case_id))
    assert gone["found"] is False and gone["folder"] is None
