"""A case's files (办件材料与文书, `CaseDocument`): the materials an applicant uploads (online, or answering a
one-time notice) and the documents the centre issues — the acceptance receipt (受理回执), the one-time
notice (一次性告知书) and the decision (决定书) — as PDFs made with fpdf2 and the project's CJK face (the
guide book's, `common.glyphs.primary_face`).

Files are stored through Django's default storage under `cases/<centre schema>/<case uuid>/<random>.<ext>`
(`common.uploads.CheckedUpload.stored_name`), written with `common.stored_files.file_write` inside the
case's transaction: the caller's `files_atomic()` deletes them if it rolls back. Nothing is under a
public path; every download goes through a view that checks who asks.

Cost (measured on the shared 2-core machine): one document is ~1.5-2 s, nearly all of it fpdf2 reading the
Noto Sans CJK collection (~0.75 s) and subsetting its CFF outlines when saving (~1 s); the import of fpdf
(~0.3 s, once a process). So the documents are made for online cases only (`DOCUMENT_CHANNELS`): a window's
applicant takes the printed receipt and notice at the counter (`cases/receipt.html`, `cases/notice.html`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import FileResponse, Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from cases.choices import Channel
from cases.models import Case, CaseDocument, OneTimeNotice
from common import glyphs
from common.pdf import FONT as PDF_FONT
from common.pdf import document as pdf_document
from common.stored_files import file_write
from common.uploads import CheckedUpload
from tenants.models import Centre

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: The channels whose cases get their receipt, notices and decision as stored PDFs.
DOCUMENT_CHANNELS = frozenset({Channel.ONLINE})

FONT = PDF_FONT
ACCENT = (179, 38, 30)
MUTED = (91, 107, 124)


def folder_of(*, centre: Centre, case: Case) -> str:
    """`cases/<centre schema>/<case uuid>`: where a case's files live in storage."""
    return f"cases/{centre.schema_name}/{case.pk}"


def material_store(*, centre: Centre, case: Case, upload: CheckedUpload, material_id: int | None,
                   now: dt.datetime, notice: OneTimeNotice | None = None,
                   uploaded_by_id: int | None = None, by_applicant: bool = True) -> CaseDocument:
    """Store an uploaded material's file and its row (the caller's transaction). An earlier upload for the
    same material is marked replaced (`replaced_at`), not deleted: the clerk sees what came when."""
    if material_id is not None:
        CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.MATERIAL, material_id=material_id,
                                    replaced_at__isnull=True).update(replaced_at=now)
    name = file_write(upload.stored_name(folder_of(centre=centre, case=case)), upload.content)
    return CaseDocument.objects.create(
        case=case, kind=CaseDocument.Kind.MATERIAL, material_id=material_id, notice=notice, file=name,
        name=upload.name, content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
        by_applicant=by_applicant, uploaded_by_id=uploaded_by_id, uploaded_at=now)


def _issued_store(*, centre: Centre, case: Case, kind: str, content: bytes, name: str, now: dt.datetime,
                  acting_user_id: int | None, notice: OneTimeNotice | None = None) -> CaseDocument:
    stored = file_write(f"{folder_of(centre=centre, case=case)}/{uuid.uuid4().hex}.pdf", content)
    return CaseDocument.objects.create(
        case=case, kind=kind, notice=notice, file=stored, name=name, content_type="application/pdf",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), by_applicant=False,
        uploaded_by_id=acting_user_id, uploaded_at=now)


# --- the documents the centre issues --------------------------------------------------------------------

def _both(message: StrOrPromise) -> str:
    """A label (a lazy translation) in Chinese and English (`中文 / English`): an issued document is kept
    once, for either reader."""
    with translation.override("zh-hans"):
        zh = str(message)
    with translation.override("en"):
        en = str(message)
    return zh if zh == en else f"{zh} / {en}"


# The labels (English in the code, zh-hans in the catalogue); marked here so that makemessages finds them.
RECEIPT = gettext_lazy("Acceptance receipt")
NOTICE = gettext_lazy("One-time notice of missing materials")
DECISION = gettext_lazy("Decision")
_LABELS = {
    "centre": gettext_lazy("Centre"), "number": gettext_lazy("Case number"), "applicant": gettext_lazy("Applicant"),
    "item": gettext_lazy("Item"), "submitted": gettext_lazy("Submitted"), "accepted": gettext_lazy("Accepted on"),
    "due": gettext_lazy("Promised due date"), "issued": gettext_lazy("Issued on"),
    "decided": gettext_lazy("Decided on"), "outcome": gettext_lazy("Outcome"),
    "materials_accepted": gettext_lazy("Materials accepted"), "missing": gettext_lazy("Missing materials"),
    "reason": gettext_lazy("Reason"), "approved": gettext_lazy("Approved"), "denied": gettext_lazy("Denied"),
    "receipt_text": gettext_lazy("Your application has been accepted. Follow it online in the online service hall "
                                 "or with the case number at the progress lookup."),
    "notice_text": gettext_lazy("Your application lacks the following materials. This notice lists all of them at "
                                "once; upload every one of them in the online service hall to complete the "
                                "application."),
    "decision_text": gettext_lazy("The decision on your application is as follows. Collect the paper original at "
                                  "the centre's window with your ID."),
}


@dataclass(frozen=True)
class Line:
    label: str
    value: str


def _pdf(*, centre: Centre, title: str, case: Case, facts: list[Line], text: str, items: list[str],
         items_title: str = "", note: str = "") -> bytes:
    """One A4 page: the centre, the title, the facts, a text, a numbered list."""
    # fpdf takes ~0.3 s to import: only a process that issues a document pays for it
    from fpdf.enums import WrapMode, XPos, YPos  # noqa: PLC0415

    # the one fpdf2 document (common.pdf): the printing face, and fallback faces for what it lacks
    pdf = pdf_document(margins=(20, 18, 20), bottom_margin=20, page_numbers=False)
    pdf.set_title(f"{title} {case.number}")
    pdf.set_author(centre.name_zh)
    pdf.set_lang("zh-CN")
    pdf.add_page()
    width = pdf.epw

    def para(value: str, size: float = 10.5, height: float = 6, colour=(0, 0, 0), align: str = "L") -> None:
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, height, glyphs.printable_text(value), wrapmode=WrapMode.CHAR, align=align,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    para(f"{centre.name_zh} {centre.name_en}", size=11, colour=MUTED, align="C")
    pdf.ln(2)
    para(title, size=17, height=9, colour=ACCENT, align="C")
    pdf.ln(4)
    for line in facts:
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 5.5, glyphs.printable_text(line.label), wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        para(line.value or "—", size=10.5)
        pdf.ln(0.8)
    pdf.ln(3)
    para(text)
    if items:
        pdf.ln(2)
        if items_title:
            para(items_title, size=11, colour=ACCENT)
        for number, value in enumerate(items, start=1):
            para(f"{number}. {value}")
    if note:
        pdf.ln(2)
        para(note)
    pdf.ln(6)
    para(f"{centre.name_zh}    {timezone.localdate():%Y-%m-%d}", align="R")
    return bytes(pdf.output())


def _common_facts(case: Case, centre: Centre) -> list[Line]:
    return [Line(_both(_LABELS["centre"]), f"{centre.name_zh} / {centre.name_en}"),
            Line(_both(_LABELS["number"]), case.number),
            Line(_both(_LABELS["applicant"]), case.applicant_name),
            Line(_both(_LABELS["item"]), f"{case.item_name_zh} / {case.item_name_en}" if case.item_name_en
                 else case.item_name_zh)]


def _bilingual(name_zh: str, name_en: str) -> str:
    return f"{name_zh} / {name_en}" if name_en and name_en != name_zh else name_zh


def receipt_issue(*, centre: Centre, case: Case, now: dt.datetime, acting_user_id: int | None) -> CaseDocument:
    """The acceptance receipt (受理回执) of an accepted case as a stored PDF: the materials accepted, the
    promised due date."""
    accepted = [_bilingual(m.name_zh, m.name_en) for m in case.materials.all() if m.state == "provided"]
    facts = [*_common_facts(case, centre), Line(_both(_LABELS["accepted"]), f"{case.accepted_on or ''}"),
             Line(_both(_LABELS["due"]), f"{case.promised_due or '—'}")]
    content = _pdf(centre=centre, title=_both(RECEIPT), case=case, facts=facts, text=_both(_LABELS["receipt_text"]),
                   items=accepted, items_title=_both(_LABELS["materials_accepted"]))
    return _issued_store(centre=centre, case=case, kind=CaseDocument.Kind.RECEIPT, content=content,
                         name=f"受理回执-{case.number}.pdf", now=now, acting_user_id=acting_user_id)


def notice_issue(*, centre: Centre, case: Case, notice: OneTimeNotice, now: dt.datetime,
                 acting_user_id: int | None) -> CaseDocument:
    """The one-time notice (一次性告知书) as a stored PDF: every missing material, listed once."""
    missing = [_bilingual(m.get("name_zh", ""), m.get("name_en", "")) for m in notice.missing]
    facts = [*_common_facts(case, centre), Line(_both(_LABELS["issued"]), f"{notice.issued_on}")]
    content = _pdf(centre=centre, title=_both(NOTICE), case=case, facts=facts, text=_both(_LABELS["notice_text"]),
                   items=missing, items_title=_both(_LABELS["missing"]), note=notice.note)
    return _issued_store(centre=centre, case=case, kind=CaseDocument.Kind.NOTICE, content=content,
                         name=f"一次性告知书-{case.number}.pdf", now=now, acting_user_id=acting_user_id,
                         notice=notice)


def decision_issue(*, centre: Centre, case: Case, approved: bool, reason: str, now: dt.datetime,
                   acting_user_id: int | None) -> CaseDocument:
    """The decision (决定书) as a stored PDF: approved, or denied with the reason."""
    outcome = _both(_LABELS["approved"] if approved else _LABELS["denied"])
    facts = [*_common_facts(case, centre), Line(_both(_LABELS["decided"]), f"{timezone.localtime(now):%Y-%m-%d}"),
             Line(_both(_LABELS["outcome"]), outcome)]
    if reason and not approved:
        facts.append(Line(_both(_LABELS["reason"]), reason))
    content = _pdf(centre=centre, title=_both(DECISION), case=case, facts=facts, text=_both(_LABELS["decision_text"]),
                   items=[])
    return _issued_store(centre=centre, case=case, kind=CaseDocument.Kind.DECISION, content=content,
                         name=f"决定书-{case.number}.pdf", now=now, acting_user_id=acting_user_id)


def document_response(document: CaseDocument) -> FileResponse:
    """A case's file as a download: the cleaned name given, its content type, never sniffed as another
    (`X-Content-Type-Options: nosniff`), never cached by a shared cache. The one way a case's file leaves
    the server (staff pages here, the applicant's page through `cases.door`)."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=document.name, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
