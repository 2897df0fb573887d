"""An item version's forms and samples (表单下载, 样表): uploaded on a draft by catalogue administrators, refused
when they are not what they claim, frozen with a published version, carried to the next draft, listed in the
service guide and downloaded on every host with safe headers."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog.models import FormFile
from catalog.selectors import version_forms
from catalog.services import form_add, form_remove, version_create_draft, version_publish
from common.errors import ApplicationError, ConflictError
from tenants.choices import Role

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _public_schema():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def draft(item):
    return version_create_draft(item=item, content={"promised_limit_days": 9}, effective_from=timezone.localdate(),
                                acting_user=None)


@pytest.fixture
def cataloguer(make_user, city):
    return make_user((city, Role.CATALOGUE_ADMIN), username="cataloguer")


def _add(version, content=PDF, name="食品经营许可申请表.pdf", kind="blank"):
    return form_add(version=version, kind=kind, name_zh="食品经营许可申请表", name_en="Application form",
                    upload=io.BytesIO(content), file_name=name, acting_user=None)


def test_a_renamed_program_is_refused_and_nothing_is_stored(draft):
    before = set(default_storage.listdir("catalog/forms")[1]) if default_storage.exists("catalog/forms") else set()
    with pytest.raises(ApplicationError) as refused:
        _add(draft, content=b"MZ\x90\x00\x03" + b"\x00" * 200, name="申请表.pdf")
    assert refused.value.code == "upload_refused" and "file" in refused.value.extra["fields"]
    assert not FormFile.objects.exists()
    after = set(default_storage.listdir("catalog/forms")[1]) if default_storage.exists("catalog/forms") else set()
    assert after == before


def test_a_published_versions_forms_cannot_be_changed(draft):
    form = _add(draft)
    version_publish(version=draft, acting_user=None)
    with pytest.raises(ConflictError):
        _add(draft, kind="sample")
    with pytest.raises(ConflictError):
        form_remove(form=form, acting_user=None)
    # nor behind the services' back: the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        FormFile.objects.filter(pk=form.pk).update(name_zh="改过的名字")
    with pytest.raises(IntegrityError), transaction.atomic():
        FormFile.objects.filter(pk=form.pk).delete()
    assert [f.name_zh for f in version_forms(version_id=draft.pk)] == ["食品经营许可申请表"]


def test_a_new_draft_shares_the_forms_and_removing_one_there_keeps_the_published_file(item, draft):
    form = _add(draft)
    version_publish(version=draft, acting_user=None)
    item.refresh_from_db()
    next_draft = version_create_draft(item=item, content={"promised_limit_days": 8},
                                      effective_from=timezone.localdate(), acting_user=None)
    copied = FormFile.objects.get(version=next_draft)
    assert copied.stored_name == form.stored_name and copied.sha256 == form.sha256
    form_remove(form=copied, acting_user=None)  # on commit: the file stays (the published version names it)
    assert default_storage.exists(form.stored_name)
    assert not FormFile.objects.filter(version=next_draft).exists()


def test_the_download_has_the_cleaned_name_and_is_not_sniffed_on_every_host(centre_client, beilin, draft):
    form = _add(draft, name="C:\\fakepath\\食品经营许可<申请表>.pdf")
    version_publish(version=draft, acting_user=None)
    for client in (centre_client(beilin), centre_client()):
        response = client.get(f"/forms/{form.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=utf-8''{quote('食品经营许可申请表.pdf')}" in disposition
    assert form.stored_name not in response["Content-Disposition"]


def test_a_drafts_forms_are_only_for_catalogue_administrators(centre_client, draft, cataloguer, clerk):
    form = _add(draft)
    assert centre_client().get(f"/forms/{form.pk}/").status_code == 404
    assert centre_client(None, clerk).get(f"/forms/{form.pk}/").status_code == 404
    assert centre_client(None, cataloguer).get(f"/forms/{form.pk}/").status_code == 200


def test_the_service_guide_lists_the_forms(centre_client, beilin, item, draft):
    _add(draft)
    _add(draft, kind="sample", name="样表.pdf")
    version_publish(version=draft, acting_user=None)
    page = centre_client(beilin).get(f"/catalogue/{item.code}/", **ZH).content.decode()
    assert 'id="forms"' in page and page.count("/forms/") >= 2
    assert "食品经营许可申请表" in page and "PDF" in page


def test_a_catalogue_administrator_uploads_on_the_drafts_page(centre_client, item, draft, cataloguer, clerk):
    url = f"/catalogue/items/{item.code}/v{draft.number}/forms/"
    assert centre_client(None, clerk).get(url).status_code == 404
    client = centre_client(None, cataloguer)
    refused = client.post(url, {"kind": "blank", "name_zh": "申请表", "name_en": "",
                                "file": _upload("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100)})
    assert refused.status_code == 400
    assert "This kind of file is not accepted" in refused.content.decode()
    assert not FormFile.objects.exists()
    added = client.post(url, {"kind": "sample", "name_zh": "申请表样表", "name_en": "Sample",
                              "file": _upload("样表.pdf", PDF)})
    assert added.status_code == 302
    form = FormFile.objects.get()
    assert (form.kind, form.file_name, form.size, form.content_type) == ("sample", "样表.pdf", len(PDF),
                                                                          "application/pdf")
    version_publish(version=draft, acting_user=None)
    frozen = client.get(url).content.decode()
    assert 'id="form-upload"' not in frozen and 'name="remove"' not in frozen


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")
