"""A case's electronic archive (电子档案): one ZIP with every file of the case as archival PDF, the summary,
the manifest and checksums; the staff download on the centre's host; the retention period by item type."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone, translation
from PIL import Image

from cases.archive import case_archive
from cases.choices import Action
from cases.models import Case, CaseDocument
from cases.services import case_submit, case_transition
from catalog.retention import retention_for
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pypdf = pytest.importorskip("pypdf")
pytestmark = pytest.mark.django_db
CODE = "610100SC-XK-0001"


def submit(clerk) -> Case:
    case = case_submit(centre=connection.tenant, item_code=CODE, applicant_kind="person", applicant_name="张三",
                       applicant_id_number=VALID_ID, phone="13812345678", channel="window", acting_user=clerk).case
    return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)


def jpeg(colour=(200, 30, 30), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 500), (10, 120, 200, 180)).save(out, "PNG")
    return out.getvalue()


def plain_pdf(text: str = "decision") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def pdfa_pdf() -> bytes:
    from common.pdf import document

    pdf = document(archival=True)
    pdf.add_page()
    pdf.set_font("noto-sc", size=12)
    pdf.cell(0, 10, "受理回执")
    return bytes(pdf.output())


def add_document(case: Case, kind: str, name: str, content: bytes, content_type: str, *,
                 at: dt.datetime | None = None, by_applicant: bool = False) -> CaseDocument:
    stored = default_storage.save(f"cases/{connection.schema_name}/{case.pk}/{name.encode().hex()[:16]}.bin",
                                  ContentFile(content))
    return CaseDocument.objects.create(case=case, kind=kind, file=stored, name=name, content_type=content_type,
                                       size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                                       by_applicant=by_applicant, uploaded_at=at or timezone.now())


def pdfa_claim(data: bytes) -> tuple[str, str, str]:
    """(pdfaid:part, pdfaid:conformance, the output intent's subtype) as pypdf reads them."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    part = re.search(r"<pdfaid:part>(\d)</pdfaid:part>", xmp).group(1)
    conformance = re.search(r"<pdfaid:conformance>(\w)</pdfaid:conformance>", xmp).group(1)
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # an ICC profile is embedded
    return part, conformance, str(intent["/S"])


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages).replace("\x00", ""))


@pytest.fixture
def documented(in_beilin, item, clerk):
    """An accepted case with a photo and a scan (JPEG, PNG), an uploaded PDF, an uploaded PDF/A, a
    decision, a material whose file has gone from storage and one whose bytes changed since upload."""
    case = submit(clerk)
    start = timezone.now() - dt.timedelta(hours=1)
    docs = {
        "photo": add_document(case, "material", "身份证 正面.jpg", jpeg(), "image/jpeg", at=start, by_applicant=True),
        "scan": add_document(case, "material", "floor plan.png", png(), "image/png",
                             at=start + dt.timedelta(minutes=1), by_applicant=True),
        "pdf": add_document(case, "material", "申请书.pdf", plain_pdf("application"), "application/pdf",
                            at=start + dt.timedelta(minutes=2), by_applicant=True),
        "receipt": add_document(case, "receipt", "受理回执.pdf", pdfa_pdf(), "application/pdf",
                                at=start + dt.timedelta(minutes=3)),
        "decision": add_document(case, "decision", "准予许可决定书.pdf", plain_pdf(), "application/pdf",
                                 at=start + dt.timedelta(minutes=4)),
        "gone": add_document(case, "material", "lost.jpg", jpeg((0, 0, 0)), "image/jpeg",
                             at=start + dt.timedelta(minutes=5)),
        "changed": add_document(case, "material", "changed.pdf", plain_pdf("original"), "application/pdf",
                                at=start + dt.timedelta(minutes=6)),
    }
    default_storage.delete(docs["gone"].file.name)
    with default_storage.open(docs["changed"].file.name, "wb") as handle:
        handle.write(plain_pdf("tampered"))
    return case, docs


def open_zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_staff_download_holds_every_file_as_archival_pdf_with_checksums(centre_client, documented, beilin,
                                                                            clerk):
    case, docs = documented
    response = centre_client(beilin, clerk).get(f"/cases/{case.pk}/archive/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;") and case.number in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    archive = open_zip(response)
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    files = {entry["name"]: entry for entry in manifest["files"]}
    # every document of the case is listed; all but the one gone from storage are in the ZIP
    assert {d.name for d in docs.values()} <= set(files)
    assert files["lost.jpg"]["path"] is None and files["lost.jpg"]["source"]["intact"] is False
    assert files["lost.jpg"]["format"] == "missing"
    written = [entry for entry in manifest["files"] if entry["path"]]
    assert len(written) == len(docs) - 1 + 1  # the six files kept and the summary
    # the checksums match the bytes, in the manifest and in SHA256SUMS
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    for entry in written:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == sums[entry["path"]]
        assert len(data) == entry["size"]
    assert sums["manifest.json"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    # images became PDF/A-2b with an sRGB output intent; the summary is PDF/A-2b too
    summary_name = next(name for name, entry in files.items() if entry["kind"] == "summary")
    for name in ("身份证 正面.jpg", "floor plan.png", summary_name):
        entry = files[name]
        assert entry["path"].endswith(".pdf") and entry["pdfa"] == "2B"
        assert pdfa_claim(archive.read(entry["path"])) == ("2", "B", "/GTS_PDFA1")
    assert files["身份证 正面.jpg"]["format"] == "pdfa-from-image"
    assert files["身份证 正面.jpg"]["source"]["intact"] is True
    # an uploaded PDF is kept byte for byte and said to be no PDF/A; an uploaded PDF/A is said to claim it
    assert archive.read(files["申请书.pdf"]["path"]) == default_storage.open(docs["pdf"].file.name).read()
    assert files["申请书.pdf"]["format"] == "original-pdf" and files["申请书.pdf"]["pdfa"] is None
    assert files["申请书.pdf"]["sha256"] == docs["pdf"].sha256
    assert files["受理回执.pdf"]["pdfa"] == "2B"
    # a file whose bytes changed since upload is shown so
    assert files["changed.pdf"]["source"]["intact"] is False
    assert files["changed.pdf"]["sha256"] != docs["changed"].sha256
    # kind, original name, time and retention on every file; the licence's files are kept permanently
    assert files["准予许可决定书.pdf"]["kind"] == "decision"
    decided_at = timezone.localtime(docs["decision"].uploaded_at).isoformat()[:19]
    assert files["准予许可决定书.pdf"]["at"].startswith(decided_at)
    assert {entry["retention"]["code"] for entry in manifest["files"]} == {"permanent"}
    assert manifest["case"]["number"] == case.number and manifest["case"]["item_type"] == "XK"
    assert VALID_ID not in archive.read("manifest.json").decode()  # no personal data in the manifest


def test_the_summary_tells_the_case_and_lists_the_files(documented, beilin, clerk):
    case, docs = documented
    case = case_transition(centre=beilin, case=Case.objects.get(pk=case.pk), action=Action.START_REVIEW,
                           acting_user=clerk)
    with translation.override("zh-hans"):
        found = case_archive(centre=beilin, case=case)
    with found.file, zipfile.ZipFile(found.file) as archive:
        summary = archive.read("summary.pdf")
        manifest = json.loads(archive.read("manifest.json"))
    text = text_of(summary)
    assert case.number in text and "食品经营许可" in text and "张三" in text
    assert VALID_ID not in text  # the ID number is masked
    assert "永久" in text  # the retention period
    assert docs["decision"].sha256 in text  # the human-readable manifest gives each checksum
    assert "受理" in text and "审查" in text  # the history: accepted, review started
    assert pdfa_claim(summary)[:2] == ("2", "B")
    assert manifest["case"]["status"] == "under_review"


def test_a_case_without_files_has_its_summary_manifest_and_sums(in_beilin, item, clerk, beilin):
    case = submit(clerk)
    found = case_archive(centre=beilin, case=case)
    with found.file, zipfile.ZipFile(found.file) as archive:
        assert sorted(archive.namelist()) == ["SHA256SUMS", "manifest.json", "summary.pdf"]


def test_staff_of_another_centre_and_strangers_get_404(centre_client, documented, beilin, yanta, make_user):
    case, _docs = documented
    other = make_user((yanta, Role.WINDOW_CLERK), username="clerk-yanta")
    assert centre_client(beilin, other).get(f"/cases/{case.pk}/archive/").status_code == 404
    anonymous = centre_client(beilin).get(f"/cases/{case.pk}/archive/")
    assert anonymous.status_code == 302 and "/archive/" not in anonymous["Location"].split("?")[0]


def test_the_case_page_links_to_the_archive(centre_client, documented, beilin, clerk):
    case, _docs = documented
    page = centre_client(beilin, clerk).get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/archive/"' in page


# --- the retention period (保管期限) by item type -----------------------------------------------------

@pytest.mark.parametrize(("item_type", "code", "years"), [
    ("XK", "permanent", None), ("QR", "permanent", None), ("CJ", "30y", 30), ("JF", "30y", 30),
    ("JL", "30y", 30), ("QT", "30y", 30), ("BA", "10y", 10), ("GG", "10y", 10), ("ZZ", "30y", 30)])
def test_the_retention_period_follows_the_item_type(item_type, code, years):
    retention = retention_for(item_type)
    assert (retention.code, retention.years) == (code, years)
    assert retention.as_dict()["name_en"] in {"Permanent", "30 years", "10 years"}


def test_a_public_service_case_is_kept_ten_years_in_its_manifest(in_beilin, item, clerk, beilin):
    from catalog.models import Item

    Item.objects.filter(pk=item.pk).update(item_type="GG")
    case = submit(clerk)
    add_document(case, "material", "a.jpg", jpeg(), "image/jpeg")
    found = case_archive(centre=beilin, case=case)
    with found.file, zipfile.ZipFile(found.file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["retention"] == {"code": "10y", "years": 10, "name_zh": "定期10年", "name_en": "10 years"}
    assert {entry["retention"]["code"] for entry in manifest["files"]} == {"10y"}


def test_the_item_pages_and_guide_api_show_the_retention_period(centre_client, item, beilin):
    guide = centre_client(beilin).get(f"/catalogue/{CODE}/", HTTP_ACCEPT_LANGUAGE="en")
    assert guide.status_code == 200 and "files kept: Permanent" in guide.content.decode()
    api = centre_client(beilin).get(f"/api/v1/catalogue/items/{CODE}/")
    assert api.status_code == 200 and api.json()["retention"]["code"] == "permanent"
