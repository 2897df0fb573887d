"""Online application (网上申报) through the online service hall, on the real hosts: the platform's site for the
applicant (`/online/`), Beilin's host for its clerks. Files are real files in the test storage."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from cases.choices import CaseStatus
from cases.models import Case, CaseDocument
from portal.access import SESSION_KEY
from portal.models import Applicant
from portal.services import identity_bind
from registry.models import RegistryEntry
from tenants.choices import Role

ZHANG = "11010519491231002X"
LI = "610103195503150029"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def pdf(name: str = "申请表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "身份证.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _png(), content_type="image/png")


def make_item(*, code: str, online_depth: int = 3, adopt_at: str = "610103"):
    """A published master item (two materials) adopted by Beilin (or `adopt_at`)."""
    from catalog.models import Department
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from tenants.models import Centre

    department, _ = Department.objects.get_or_create(code="PT", defaults={"name_zh": "网办测试局",
                                                                           "name_en": "Portal Test Bureau"})
    item = item_create(code=code, department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=item, acting_user=None, effective_from=dt.date(2020, 1, 1),
        content={"name_zh": f"网上申报事项{code[-4:]}", "name_en": f"Online permit {code[-4:]}", "legal_limit_days": 20,
                 "promised_limit_days": 10, "online_depth": online_depth},
        materials=[{"name_zh": "申请表", "name_en": "Application form"},
                   {"name_zh": "身份证复印件", "name_en": "Copy of the ID card"}])
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=Centre.objects.get(division_code=adopt_at), item=item, promised_limit_days=5, window="3",
                    acting_user=None, today=dt.date(2020, 1, 1))
    return item


def applicant_client(*, mobile: str, name: str, id_number: str) -> tuple[Client, Applicant]:
    from common.identity import normalise_mobile, recipient_hmac

    e164 = normalise_mobile(mobile)
    applicant = Applicant.objects.create(mobile=e164, mobile_hmac=recipient_hmac(e164))
    applicant = identity_bind(applicant=applicant, kind="person", name=name, id_number=id_number)
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    session = client.session
    session[SESSION_KEY] = applicant.pk
    session.save()
    return client, applicant


@pytest.fixture
def online_item(beilin, city):
    return make_item(code="610100PT-XK-0001")


@pytest.fixture
def zhang(db):
    return applicant_client(mobile="13812345678", name="张三", id_number=ZHANG)


def materials_of(item) -> list[int]:
    return list(item.current_version.materials.order_by("position", "pk").values_list("pk", flat=True))


def apply(client: Client, item, files: dict[int, SimpleUploadedFile], *, token: str = "t-1",  # noqa: S107 (a form token)
          township: str = "610103001", lang: str = "en"):
    data = {"township": township, "token": token, **{f"material_{pk}": f for pk, f in files.items()}}
    return client.post(f"/online/items/{item.code}/apply/", data, HTTP_ACCEPT_LANGUAGE=lang)


def stored_files(case_id) -> list[str]:
    folder = f"cases/c610103/{case_id}"
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def all_case_files() -> list[str]:
    root = settings.MEDIA_ROOT / "cases"
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def beilin_case(case_id) -> Case:
    from tenants.models import Centre

    with tenant_context(Centre.objects.get(division_code="610103")):
        return Case.objects.prefetch_related("documents").get(pk=case_id)


def last_event(case_id):
    from cases.models import CaseEvent
    from tenants.models import Centre

    with tenant_context(Centre.objects.get(division_code="610103")):
        return CaseEvent.objects.filter(case_id=case_id).order_by("-at", "-pk").first()


def beilin_documents(case_id) -> list[CaseDocument]:
    from tenants.models import Centre

    with tenant_context(Centre.objects.get(division_code="610103")):
        return list(CaseDocument.objects.filter(case_id=case_id).order_by("uploaded_at", "pk"))


# --- the items -------------------------------------------------------------------------------------

def test_items_lists_only_what_may_be_applied_for_online_and_the_guide_offers_to_apply(online_item, beilin):
    make_item(code="610100PT-XK-0002", online_depth=2)
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    listing = client.get("/online/items/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "610100PT-XK-0001" in listing and "610100PT-XK-0002" not in listing
    assert "Portal Test Bureau" in listing  # grouped by department
    found = client.get("/online/items/?q=wssb", HTTP_ACCEPT_LANGUAGE="en").content.decode()  # pinyin initials
    assert "610100PT-XK-0001" in found
    assert "610100PT-XK-0001" not in client.get("/online/items/?q=nothing-like-it").content.decode()

    guide = client.get("/online/items/610100PT-XK-0001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Copy of the ID card" in guide and "/online/items/610100PT-XK-0001/apply/" in guide
    offline = client.get("/online/items/610100PT-XK-0002/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cannot be applied for online" in offline and "/apply/" not in offline
    assert client.get("/online/items/NO-SUCH-ITEM/").status_code == 404


def test_the_items_list_comes_in_pages_that_keep_the_search(online_item, beilin, monkeypatch):
    """Hundreds of items would be one endless page on a phone: the list is paged and a page link keeps `q`."""
    from portal.apply import views

    for number in (3, 4):
        make_item(code=f"610100PT-XK-000{number}")
    monkeypatch.setattr(views, "ITEMS_PAGE_SIZE", 2)
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    first = client.get("/online/items/?q=PT-XK", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 items" in first and "Page 1 of 2" in first
    assert "610100PT-XK-0001" in first and "610100PT-XK-0004" not in first
    assert 'href="?q=PT-XK&amp;page=2"' in first
    second = client.get("/online/items/?q=PT-XK&page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "610100PT-XK-0004" in second and "610100PT-XK-0001" not in second and "Page 2 of 2" in second
    beyond = client.get("/online/items/?q=PT-XK&page=99", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 2 of 2" in beyond


# --- the whole flow ----------------------------------------------------------------------------------

def test_apply_notice_supplement_accept_approve_and_download_the_decision(online_item, zhang, beilin, centre_client,
                                                                           make_user):
    client, applicant = zhang
    form_pk, id_pk = materials_of(online_item)

    # The township is chosen from a searchable list, then the page says who handles it and why
    picker = client.get(f"/online/items/{online_item.code}/apply/?tq=Nanyuan", HTTP_ACCEPT_LANGUAGE="en")
    assert "?township=610103001" in picker.content.decode()
    page = client.get(f"/online/items/{online_item.code}/apply/?township=610103001", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "Beilin District" in body and "does not handle this item; its district or zone" in body
    token = re.search(r'name="token" value="([0-9a-f]+)"', body).group(1)

    response = apply(client, online_item, {form_pk: pdf(), id_pk: png()}, token=token)
    assert response.status_code == 302
    case_id = response["Location"].rstrip("/").split("/")[-1]
    entry = RegistryEntry.objects.get(case_id=case_id)
    assert (entry.centre.division_code, entry.channel, entry.status) == ("610103", "online", "submitted")
    assert len(stored_files(case_id)) == 2
    docs = beilin_documents(case_id)
    assert sorted(d.name for d in docs) == ["申请表.pdf", "身份证.png"]
    assert all(d.file.name.startswith(f"cases/c610103/{case_id}/") and "申请表" not in d.file.name for d in docs)

    # The clerk's pre-check: the files listed and downloadable, a one-time notice before acceptance
    clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-online")
    chief = make_user((beilin, Role.CHIEF_REPRESENTATIVE), username="chief-online")
    staff = centre_client(beilin, clerk)
    detail = staff.get(f"/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for d in docs:
        assert f"/cases/{case_id}/documents/{d.pk}/" in detail
    download = staff.get(f"/cases/{case_id}/documents/{docs[0].pk}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) in (PDF_BYTES, _png())
    assert 'data-action="issue_notice"' in detail and 'data-action="accept"' in detail
    case = beilin_case(case_id)
    notice = staff.post(f"/cases/{case_id}/", {"action": "issue_notice", "revision": case.revision,
                                                "missing": [id_pk], "note": "照片不清晰"})
    assert notice.status_code == 302
    case = beilin_case(case_id)
    assert (case.status, case.paused_since, case.accepted_on) == (CaseStatus.AWAITING_SUPPLEMENT, None, None)
    notice_pdf = [d for d in beilin_documents(case_id) if d.kind == "notice"]
    assert len(notice_pdf) == 1

    # The applicant sees the notice and uploads the missing material: back to the pre-check
    mine = client.get(f"/online/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Copy of the ID card" in mine and f'name="material_{id_pk}"' in mine
    assert f"/online/cases/{case_id}/documents/{notice_pdf[0].pk}/" in mine
    supplemented = client.post(f"/online/cases/{case_id}/", {f"material_{id_pk}": png("清晰照片.png")})
    assert supplemented.status_code == 302
    case = beilin_case(case_id)
    assert case.status == CaseStatus.SUBMITTED
    event = last_event(case_id)
    assert (event.action, event.acting_user_id) == ("supplement", None)  # the applicant's own step

    # Accepted (receipt), reviewed, approved (decision)
    staff.post(f"/cases/{case_id}/", {"action": "accept", "revision": case.revision})
    case = beilin_case(case_id)
    assert case.status == CaseStatus.ACCEPTED and case.promised_due is not None
    staff.post(f"/cases/{case_id}/", {"action": "start_review", "revision": case.revision})
    case = beilin_case(case_id)
    centre_client(beilin, chief).post(f"/cases/{case_id}/", {"action": "approve", "revision": case.revision})
    assert beilin_case(case_id).status == CaseStatus.APPROVED
    kinds = [d.kind for d in beilin_documents(case_id)]
    assert kinds.count("receipt") == 1 and kinds.count("decision") == 1 and kinds.count("material") == 3

    page = client.get(f"/online/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    decision = next(d for d in beilin_documents(case_id) if d.kind == "decision")
    assert f"/online/cases/{case_id}/documents/{decision.pk}/" in page and "Approved" in page
    got = client.get(f"/online/cases/{case_id}/documents/{decision.pk}/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(got.streaming_content))).pages)
    assert entry.number in text.replace("\x00", "")


def test_a_notice_after_acceptance_pauses_the_clock_and_the_applicant_s_supplement_resumes_it(
        online_item, zhang, beilin, centre_client, make_user):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    case_id = apply(client, online_item, {form_pk: pdf(), id_pk: png()})["Location"].rstrip("/").split("/")[-1]
    staff = centre_client(beilin, make_user((beilin, Role.WINDOW_CLERK), username="clerk-online-2"))
    staff.post(f"/cases/{case_id}/", {"action": "accept", "revision": beilin_case(case_id).revision})
    case = beilin_case(case_id)
    staff.post(f"/cases/{case_id}/", {"action": "issue_notice", "revision": case.revision, "missing": [form_pk, id_pk]})
    assert beilin_case(case_id).paused_since == timezone.localdate()
    # one of two: received, still waiting
    client.post(f"/online/cases/{case_id}/", {f"material_{form_pk}": pdf("新申请表.pdf")})
    assert beilin_case(case_id).status == CaseStatus.AWAITING_SUPPLEMENT
    page = client.get(f"/online/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("received: send again to replace it") == 1  # one of the two is in
    client.post(f"/online/cases/{case_id}/", {f"material_{id_pk}": png()})
    case = beilin_case(case_id)
    assert (case.status, case.paused_since) == (CaseStatus.SUPPLEMENTED, None)
    assert RegistryEntry.objects.get(case_id=case_id).status == CaseStatus.SUPPLEMENTED
    # the replaced application form is kept, marked replaced; the applicant's page lists the current one
    forms = [d for d in beilin_documents(case_id) if d.material_id == form_pk]
    assert len(forms) == 2 and sum(d.replaced_at is None for d in forms) == 1


def test_a_refusal_s_reason_is_shown_to_the_applicant(online_item, zhang, beilin, centre_client, make_user):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    case_id = apply(client, online_item, {form_pk: pdf(), id_pk: png()})["Location"].rstrip("/").split("/")[-1]
    staff = centre_client(beilin, make_user((beilin, Role.WINDOW_CLERK), username="clerk-online-3"))
    staff.post(f"/cases/{case_id}/", {"action": "refuse", "revision": beilin_case(case_id).revision,
                                      "note": "该事项须由本人到窗口现场核验原件"})
    assert beilin_case(case_id).status == CaseStatus.REFUSED
    page = client.get(f"/online/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "该事项须由本人到窗口现场核验原件" in page and "The centre's reason" in page


# --- double submits, a second application, refusals ----------------------------------------------------

def test_a_double_submit_makes_one_case_and_a_second_application_is_refused_naming_the_open_case(online_item, zhang):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    first = apply(client, online_item, {form_pk: pdf(), id_pk: png()}, token="same")
    again = apply(client, online_item, {form_pk: pdf(), id_pk: png()}, token="same")
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert RegistryEntry.objects.filter(item_code=online_item.code).count() == 1
    case_id = first["Location"].rstrip("/").split("/")[-1]
    assert len(stored_files(case_id)) == 2  # the replay stored nothing more
    number = RegistryEntry.objects.get(case_id=case_id).number

    before = set(all_case_files())
    second = apply(client, online_item, {form_pk: pdf(), id_pk: png()}, token="another")
    assert second.status_code == 409
    body = second.content.decode()
    assert number in body and 'role="alert"' in body and f"/online/cases/{case_id}/" in body
    assert RegistryEntry.objects.filter(item_code=online_item.code).count() == 1
    assert set(all_case_files()) == before  # nothing stored for the refused one


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("说明.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "application/pdf"), "not accepted"),
    (SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF", "application/pdf"),
     "larger than"),
])
def test_a_refused_file_files_nothing_and_says_why_on_its_field(online_item, zhang, upload, message, settings):
    settings.CASE_DOCUMENT_MAX_BYTES = 1024 * 1024
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    before = set(all_case_files())
    response = apply(client, online_item, {form_pk: pdf(), id_pk: upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'id="id_material_{id_pk}-error"' in body and 'role="alert"' in body
    assert not RegistryEntry.objects.filter(item_code=online_item.code).exists()
    assert set(all_case_files()) == before


def test_a_path_in_the_file_name_is_dropped(online_item, zhang):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    response = apply(client, online_item, {form_pk: pdf("C:\\fakepath\\..\\x.pdf"), id_pk: png("../../etc/p.png")})
    case_id = response["Location"].rstrip("/").split("/")[-1]
    names = sorted(d.name for d in beilin_documents(case_id))
    assert names == ["p.png", "x.pdf"]
    assert all(".." not in d.file.name for d in beilin_documents(case_id))


def test_a_missing_required_material_and_a_failure_after_the_files_were_written_leave_nothing(
        online_item, zhang, monkeypatch):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    response = apply(client, online_item, {form_pk: pdf()})
    assert response.status_code == 400 and f'id="id_material_{id_pk}-error"' in response.content.decode()

    # The filing fails after both files were written (the idempotency record refuses): no case, no file
    from portal.apply import services

    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "idempotency_remember", broken)
    before = set(all_case_files())
    with pytest.raises(RuntimeError):
        apply(client, online_item, {form_pk: pdf(), id_pk: png()}, token="t-broken")
    assert set(all_case_files()) == before
    assert not RegistryEntry.objects.filter(item_code=online_item.code).exists()


def test_an_item_not_online_or_not_handled_is_refused_clearly(online_item, zhang, city):
    client, _applicant = zhang
    offline = make_item(code="610100PT-XK-0003", online_depth=2)
    response = client.get(f"/online/items/{offline.code}/apply/?township=610103001", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "cannot be applied for online" in response.content.decode()
    posted = apply(client, offline, {})
    assert posted.status_code == 400 and not RegistryEntry.objects.filter(item_code=offline.code).exists()
    elsewhere = make_item(code="610100PT-XK-0004", adopt_at="610113")  # Yanta only: not on Nanyuanmen's chain
    refused = client.get(f"/online/items/{elsewhere.code}/apply/?township=610103001", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "南院门街道" in refused.content.decode()


def test_the_apply_page_needs_a_bound_real_name(online_item, db):
    from common.identity import normalise_mobile, recipient_hmac

    anonymous = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert anonymous.get(f"/online/items/{online_item.code}/apply/")["Location"].startswith("/online/sign-in/")
    e164 = normalise_mobile("13900001111")
    unbound = Applicant.objects.create(mobile=e164, mobile_hmac=recipient_hmac(e164))
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    session = client.session
    session[SESSION_KEY] = unbound.pk
    session.save()
    assert client.get(f"/online/items/{online_item.code}/apply/")["Location"].startswith("/online/identity/")


# --- who sees a case and its files ---------------------------------------------------------------------

def test_another_person_anonymous_and_another_centre_s_staff_get_404(online_item, zhang, beilin, yanta,
                                                                      centre_client, make_user):
    client, _applicant = zhang
    form_pk, id_pk = materials_of(online_item)
    case_id = apply(client, online_item, {form_pk: pdf(), id_pk: png()})["Location"].rstrip("/").split("/")[-1]
    document = beilin_documents(case_id)[0]
    case_url = f"/online/cases/{case_id}/"
    file_url = f"/online/cases/{case_id}/documents/{document.pk}/"
    assert client.get(file_url).status_code == 200

    li, _ = applicant_client(mobile="13900002222", name="李四", id_number=LI)
    assert li.get(case_url).status_code == 404
    assert li.get(file_url).status_code == 404
    assert li.post(case_url, {f"material_{id_pk}": png()}).status_code == 404
    anonymous = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert anonymous.get(file_url).status_code == 302  # to sign in; nothing served
    assert anonymous.get(file_url, follow=True).request["PATH_INFO"] == "/online/sign-in/"

    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK), username="clerk-yanta-online")
    staff_url = f"/cases/{case_id}/documents/{document.pk}/"
    assert centre_client(yanta, yanta_clerk).get(staff_url).status_code == 404  # not in Yanta's schema
    assert centre_client(beilin, yanta_clerk).get(staff_url).status_code == 404  # not Beilin's staff
    assert centre_client(beilin, make_user((beilin, Role.WINDOW_CLERK))).get(staff_url).status_code == 200
    # never from a public path
    assert Client(HTTP_HOST=settings.PLATFORM_DOMAIN).get(f"/media/{document.file.name}").status_code == 404
    connection.set_schema_to_public()
