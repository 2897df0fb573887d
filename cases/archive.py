"""A case's electronic archive (电子档案): one ZIP with every file of the case as archival PDF, a summary,
a manifest and checksums. Other apps ask for it through `cases.door.case_archive` / `cases_archive`.

What one case's folder holds:

- `documents/NN-<kind>-<name>.pdf`: every `CaseDocument` of the case (materials, including those a later
  upload replaced; the receipt, notices, the decision), oldest first.
  - a JPEG or PNG is converted to PDF/A-2b (ISO 19005-2 level B: the image on an A4 page, an sRGB output
    intent, XMP metadata with `pdfaid:part` 2 and `pdfaid:conformance` B: `common.pdf.document`);
  - a PDF is kept as uploaded, byte for byte. Converting an arbitrary PDF to PDF/A (embedding its fonts,
    fixing its colour spaces and transparency) needs Ghostscript or a validator such as veraPDF, neither of
    which installs from a pip wheel; pikepdf could only *label* a file PDF/A, which would be a false claim.
    The manifest says which PDFs claim PDF/A in their own metadata (`pdfa`: "2B", ...) and which do not
    (`pdfa`: null, `format` "original-pdf");
  - a file missing from storage, or whose bytes no longer match the SHA-256 taken at upload, is listed
    with `source.intact` false (and, when missing, not written).
- `summary.pdf` (PDF/A-2b): the case's facts, the materials checklist, the one-time notices, the history
  from the case events, and the files with their SHA-256, size, kind, time and retention period (the
  human-readable manifest).
- `manifest.json`: `{"format", "created_at", "centre", "case", "retention", "files": [{"path", "kind",
  "name", "at", "size", "sha256", "format", "pdfa", "retention", "replaced_at", "source": {"name",
  "content_type", "size", "sha256", "intact"}}]}` (sizes in bytes, SHA-256 in hex, times ISO 8601).
- `SHA256SUMS`: one line per file of the folder (`sha256sum -c SHA256SUMS` checks it).

No personal data in `manifest.json`; the summary names the applicant and masks the ID number.

Memory stays bounded: the ZIP is written to an anonymous temporary file, a PDF is copied in 1 MiB
chunks, and only one image (at most an upload's size) is in memory at a time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.choices import CaseEventKind, CaseStatus
from cases.models import Case, CaseDocument
from catalog.choices import ItemType
from catalog.models import Item
from catalog.retention import Retention, retention_for
from common.i18n import is_english, pick
from common.identity import mask_id_number
from common.pdf import ACCENT, FILL, FONT, MUTED
from common.pdf import document as pdf_document
from common.pdf import output as pdf_output
from common.uploads import clean_name
from tenants.models import Centre

FORMAT = "govservice-case-archive/1"
CHUNK = 1024 * 1024
IMAGE_TYPES = {"image/jpeg", "image/png"}
_PDFA_CLAIM = re.compile(rb"pdfaid:part(?:>\s*|=[\"'])(\d)(?:.{0,200}?pdfaid:conformance(?:>\s*|=[\"'])([ABUabu]))?",
                         re.DOTALL)


@dataclass(frozen=True)
class ArchivedFile:
    """One file written to an archive: its path in the ZIP, its SHA-256 (hex) and size (bytes)."""

    path: str
    sha256: str
    size: int


@dataclass
class CaseArchive:
    """What was written for one case: its folder in the ZIP, its manifest (the `manifest.json` dict), and
    every file of the folder (`manifest.json` and `SHA256SUMS` included)."""

    folder: str
    manifest: dict
    files: list[ArchivedFile] = field(default_factory=list)


@dataclass
class Archive:
    """A finished archive: the ZIP in an anonymous temporary file (positioned at its start; closing it
    deletes it), the name to download it under, and its size in bytes."""

    file: IO[bytes]
    filename: str
    size: int

    def response(self) -> FileResponse:
        """The archive as a download, streamed from its temporary file (closed, so deleted, once sent), with
        `Content-Disposition: attachment` and its name. Serve it from a `never_cache` view (no-store)."""
        response = FileResponse(self.file, as_attachment=True, filename=self.filename,
                                content_type="application/zip")
        response["Content-Length"] = str(self.size)
        return response


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _slug(text: str, limit: int = 60) -> str:
    """A path part from a person's file name: the cleaned name (`common.uploads.clean_name`) without its
    extension, spaces as hyphens."""
    stem = clean_name(text).rsplit(".", 1)[0] if "." in clean_name(text) else clean_name(text)
    stem = re.sub(r"\s+", "-", unicodedata.normalize("NFC", stem)).strip("-.")
    return stem[:limit] or "file"


class _Writer:
    """Writes entries into the ZIP, hashing what it writes."""

    def __init__(self, archive: zipfile.ZipFile, folder: str, now: dt.datetime):
        self.archive = archive
        self.folder = folder
        self.stamp = timezone.localtime(now).timetuple()[:6]
        self.files: list[ArchivedFile] = []

    def _info(self, path: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(self.folder + path, date_time=self.stamp)  # type: ignore[arg-type]
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def write_bytes(self, path: str, data: bytes, *, compress: bool = False) -> ArchivedFile:
        with self.archive.open(self._info(path, compress), "w") as out:
            out.write(data)
        written = ArchivedFile(self.folder + path, hashlib.sha256(data).hexdigest(), len(data))
        self.files.append(written)
        return written

    def write_stream(self, path: str, source: IO[bytes]) -> tuple[ArchivedFile, str | None]:
        """Copy `source` in chunks; also the PDF/A part and conformance its metadata claims ("2B"), if any."""
        digest = hashlib.sha256()
        size = 0
        claim: str | None = None
        tail = b""
        with self.archive.open(self._info(path, False), "w", force_zip64=True) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if claim is None:
                    found = _PDFA_CLAIM.search(tail + chunk)
                    if found:
                        claim = found.group(1).decode() + (found.group(2) or b"").decode().upper()
                    tail = chunk[-400:]
        written = ArchivedFile(self.folder + path, digest.hexdigest(), size)
        self.files.append(written)
        return written, claim


def _image_to_pdfa(content: bytes, *, title: str, now: dt.datetime) -> bytes:
    """An image (JPEG, PNG) on an A4 page (landscape for a wide image), fitted within 10 mm margins, as
    PDF/A-2b. JPEG data is embedded as it is (no re-encoding)."""
    from PIL import Image  # noqa: PLC0415  (Pillow is heavy; loaded when an image is archived)

    with Image.open(io.BytesIO(content)) as image:
        width, height = image.size
    pdf = pdf_document(archival=True, with_font=False)
    pdf.set_title(title)
    pdf.set_creation_date(now)
    pdf.set_creator("govservice")
    landscape = width > height
    pdf.add_page(orientation="L" if landscape else "P")
    room_w, room_h = pdf.w - 20, pdf.h - 20
    scale = min(room_w / width, room_h / height)
    w, h = width * scale, height * scale
    pdf.image(io.BytesIO(content), x=(pdf.w - w) / 2, y=(pdf.h - h) / 2, w=w, h=h)
    return pdf_output(pdf)


def _kind_label(kind: str) -> str:
    return str(CaseDocument.Kind(kind).label) if kind in CaseDocument.Kind.values else kind


def _source_bytes(document: CaseDocument) -> IO[bytes] | None:
    try:
        return default_storage.open(document.file.name or "", "rb")
    except (FileNotFoundError, OSError):
        return None


def _write_document(writer: _Writer, number: int, document: CaseDocument, retention: Retention,
                    now: dt.datetime) -> dict:
    source: dict[str, Any] = {"name": document.name, "content_type": document.content_type, "size": document.size,
                              "sha256": document.sha256, "intact": False}
    entry: dict[str, Any] = {"path": None, "kind": document.kind, "name": document.name,
                             "at": _iso(document.uploaded_at), "size": None, "sha256": None, "format": "missing",
                             "pdfa": None, "retention": retention.as_dict(), "replaced_at": _iso(document.replaced_at),
                             "by_applicant": document.by_applicant, "source": source}
    stored = _source_bytes(document)
    if stored is None:
        return entry
    base = f"documents/{number:02d}-{document.kind}-{_slug(document.name)}"
    with stored:
        if document.content_type in IMAGE_TYPES:
            content = stored.read()
            source["intact"] = hashlib.sha256(content).hexdigest() == document.sha256
            try:
                pdf = _image_to_pdfa(content, title=document.name, now=now)
            except Exception:  # noqa: BLE001  (a damaged image: kept as it is, said so)
                ext = "jpg" if document.content_type == "image/jpeg" else "png"
                written = writer.write_bytes(f"{base}.{ext}", content)
                entry.update(path=written.path, size=written.size, sha256=written.sha256, format="original-image")
                return entry
            written = writer.write_bytes(f"{base}.pdf", pdf)
            entry.update(path=written.path, size=written.size, sha256=written.sha256, format="pdfa-from-image",
                         pdfa="2B")
            return entry
        is_pdf = document.content_type == "application/pdf"
        extension = "pdf" if is_pdf else (document.name.rsplit(".", 1)[-1].lower() if "." in document.name else "bin")
        written, claim = writer.write_stream(f"{base}.{extension}", stored)
    source["intact"] = written.sha256 == document.sha256
    entry.update(path=written.path, size=written.size, sha256=written.sha256,
                 format="original-pdf" if is_pdf else "original", pdfa=claim if is_pdf else None)
    return entry


FORMAT_LABELS = {
    "pdfa-from-image": lambda: _("PDF/A-2b, converted from the image"),
    "original-pdf": lambda: _("PDF kept as uploaded"),
    "original-image": lambda: _("Image kept as uploaded (it could not be converted)"),
    "original": lambda: _("Kept as uploaded"),
    "missing": lambda: _("Missing from storage"),
    "summary": lambda: _("PDF/A-2b"),
}


def format_label(entry: dict) -> str:
    """How a file of the manifest was archived, in the user's language (a PDF's own PDF/A claim named)."""
    label = FORMAT_LABELS.get(entry["format"], lambda: entry["format"])()
    if entry["format"] == "original-pdf":
        label += " · " + (_("claims PDF/A-%(level)s") % {"level": entry["pdfa"].lower()} if entry["pdfa"]
                          else _("not PDF/A"))
    if entry["source"] and not entry["source"]["intact"]:
        label += " · " + _("does not match the checksum taken at upload")
    return label


def _case_facts(case: Case, item_type: str) -> dict:
    return {"id": str(case.pk), "number": case.number, "item_code": case.item_code, "item_name_zh": case.item_name_zh,
            "item_name_en": case.item_name_en, "item_type": item_type, "department_code": case.department_code,
            "status": case.status, "channel": case.channel, "joint_case_id": str(case.joint_case_id or "") or None,
            "submitted_at": _iso(case.submitted_at), "accepted_on": _iso(case.accepted_on),
            "decided_at": _iso(case.decided_at), "closed_at": _iso(case.closed_at)}


def _summary_pdf(*, case: Case, centre: Centre, item_type: str, retention: Retention, entries: list[dict],
                 now: dt.datetime) -> bytes:
    """The case's summary (办件档案摘要) as PDF/A-2b: facts, checklist, notices, history, and the files."""
    from fpdf.enums import WrapMode, XPos, YPos  # noqa: PLC0415  (heavy: loaded when a summary is printed)
    from fpdf.fonts import FontFace  # noqa: PLC0415

    english = is_english()
    wrap = WrapMode.WORD if english else WrapMode.CHAR
    title = _("Case archive summary")
    pdf = pdf_document(running_head=f"{centre.name} · {title} · {case.number}", archival=True)
    pdf.set_title(f"{title} {case.number}")
    pdf.set_author(centre.name)
    pdf.set_creator("govservice")
    pdf.set_creation_date(now)
    pdf.set_lang("en" if english else "zh-CN")
    width = pdf.epw
    style = FontFace(emphasis="", fill_color=FILL, color=MUTED)

    def para(text: str, size: float = 9.5, height: float = 5.2, colour=(0, 0, 0)) -> None:
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, height, text, wrapmode=wrap, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)

    def heading(text: str) -> None:
        if pdf.will_page_break(20):
            pdf.add_page()
        pdf.ln(2)
        para(text, size=11.5, height=6.5, colour=ACCENT)

    def fact(label: str, value: str) -> None:
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(40, 5.2, label)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width - 40, 5.2, value or "—", wrapmode=wrap, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)

    def when(value: dt.datetime | dt.date | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return value.isoformat()

    pdf.add_page()
    para(title, size=16, height=8, colour=ACCENT)
    para(f"{case.number} · {centre.name}", size=10.5, colour=MUTED)
    pdf.ln(2)
    status = str(CaseStatus(case.status).label) if case.status in CaseStatus.values else case.status
    fact(_("Item"), f"{case.item_name} ({case.item_code})")
    fact(_("Item type"), str(ItemType(item_type).label) if item_type in ItemType.values else item_type or "—")
    fact(_("Department"), case.department_name)
    fact(_("Status"), status)
    fact(_("Channel"), case.get_channel_display())
    fact(_("Applicant"), f"{case.applicant_name} · {mask_id_number(case.applicant_id_number)}")
    fact(_("Submitted"), when(case.submitted_at))
    fact(_("Accepted on"), when(case.accepted_on))
    fact(_("Promised due date"), when(case.promised_due))
    fact(_("Decided"), when(case.decided_at))
    fact(_("Closed"), when(case.closed_at))
    fact(_("Files kept"), f"{retention.label} ({retention.name_zh})")
    fact(_("Archived"), date_format(timezone.localtime(now), "DATETIME_FORMAT"))

    heading(_("Materials checklist"))
    materials = list(case.materials.all())
    if materials:
        pdf.set_font(FONT, size=8.5)
        with pdf.table(col_widths=(110, 24, 40), headings_style=style, wrapmode=wrap, line_height=4.6,
                       text_align="LEFT", padding=1) as table:
            table.row([_("Material"), _("Required"), _("State")])
            for material in materials:
                table.row([pick(material.name_zh, material.name_en), _("yes") if material.required else _("no"),
                           material.get_state_display()])
    else:
        para(_("This item lists no materials."))

    notices = list(case.notices.order_by("issued_on", "pk"))
    if notices:
        heading(_("One-time notices"))
        for notice in notices:
            missing = "、".join(pick(m.get("name_zh", ""), m.get("name_en")) for m in notice.missing)
            resolved = (_("supplemented on %(day)s") % {"day": notice.resolved_on.isoformat()} if notice.resolved_on
                        else _("open"))
            para(_("Issued on %(day)s (%(state)s). Missing: %(missing)s") % {
                "day": notice.issued_on.isoformat(), "state": resolved, "missing": missing or "—"})
            if notice.note:
                para(notice.note, size=8.5, colour=MUTED)

    heading(_("History"))
    for event in case.events.all():
        action = str(CaseEventKind(event.action).label) if event.action in CaseEventKind.values else event.action
        line = f"{when(event.at)} · {action}"
        if event.acting_name:
            line += f" · {event.acting_name}"
        if event.on_behalf_of:
            line += " · " + _("on behalf of %(who)s") % {"who": event.on_behalf_of}
        para(line)
        if event.note:
            para(event.note, size=8.5, colour=MUTED)

    heading(_("Files in this archive"))
    para(_("Each file's SHA-256 is also in manifest.json and SHA256SUMS; this summary itself is listed there."),
         size=8.5, colour=MUTED)
    if entries:
        pdf.set_font(FONT, size=7.5)
        with pdf.table(col_widths=(8, 62, 30, 74), headings_style=style, wrapmode=WrapMode.CHAR, line_height=4,
                       text_align="LEFT", padding=1) as table:
            table.row(["#", _("File"), _("Kind · time"), _("Size · SHA-256 · retention · format")])
            for i, entry in enumerate(entries, start=1):
                path = entry["path"] or "—"
                table.row([str(i), f"{entry['name']}\n{path}",
                           f"{_kind_label(entry['kind'])}\n{entry['at'][:16].replace('T', ' ')}",
                           "\n".join(p for p in (
                               _("%(size)s bytes") % {"size": entry["size"]} if entry["size"] is not None else "—",
                               entry["sha256"] or "—", f"{retention.label} ({retention.name_zh})",
                               format_label(entry)) if p)])
    else:
        para(_("The case has no files."))
    return pdf_output(pdf)


def _sums(files: Iterable[ArchivedFile], folder: str) -> bytes:
    return "".join(f"{f.sha256}  {f.path[len(folder):]}\n" for f in files).encode()


def case_archive_write(*, centre: Centre, case: Case, archive: zipfile.ZipFile, folder: str = "",
                       now: dt.datetime | None = None) -> CaseArchive:
    """Write case `case` of `centre` (run inside the centre's schema) into the open ZIP `archive` under
    `folder` ("" or ending with "/"): the documents, `summary.pdf`, `manifest.json`, `SHA256SUMS`."""
    now = now or timezone.now()
    item_type = Item.objects.filter(pk=case.item_id).values_list("item_type", flat=True).first() or ""
    retention = retention_for(item_type)
    writer = _Writer(archive, folder, now)
    entries = [_write_document(writer, number, document, retention, now)
               for number, document in enumerate(case.documents.order_by("uploaded_at", "pk"), start=1)]
    summary = writer.write_bytes("summary.pdf", _summary_pdf(case=case, centre=centre, item_type=item_type,
                                                             retention=retention, entries=entries, now=now))
    with translation.override("en"):
        summary_name = _("Case archive summary") + f" {case.number}.pdf"
    entries.append({"path": summary.path, "kind": "summary", "name": summary_name, "at": _iso(now),
                    "size": summary.size, "sha256": summary.sha256, "format": "summary", "pdfa": "2B",
                    "retention": retention.as_dict(), "replaced_at": None, "by_applicant": False, "source": None})
    manifest = {"format": FORMAT, "created_at": _iso(now),
                "centre": {"division_code": centre.division_code, "name_zh": centre.name_zh, "name_en": centre.name_en},
                "case": _case_facts(case, item_type), "retention": retention.as_dict(),
                "files": [{**entry, "path": entry["path"][len(folder):] if entry["path"] else None}
                          for entry in entries]}
    writer.write_bytes("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode(), compress=True)
    writer.write_bytes("SHA256SUMS", _sums(writer.files, folder), compress=True)
    return CaseArchive(folder=folder, manifest=manifest, files=writer.files)


def new_zip() -> tuple[IO[bytes], zipfile.ZipFile]:
    """An anonymous temporary file (deleted when closed) and a ZIP writing into it."""
    spool = tempfile.TemporaryFile(prefix="archive-")  # noqa: SIM115  (handed to the caller, who closes it)
    return spool, zipfile.ZipFile(spool, "w", allowZip64=True)


def finish(spool: IO[bytes], archive: zipfile.ZipFile, filename: str) -> Archive:
    """Close the ZIP and rewind its file."""
    archive.close()
    size = spool.tell()
    spool.seek(0)
    return Archive(file=spool, filename=filename, size=size)


def archive_filename(number: str) -> str:
    """The download name of one case's archive: `档案-<number>.zip` / `archive-<number>.zip`."""
    return _("archive-%(number)s.zip") % {"number": number}


def case_folder(centre: Centre, number: str, case_id: uuid.UUID) -> str:
    """A case's folder in a project's archive: its number (unique per centre) and centre's code."""
    return f"{number or case_id}/" if number.startswith(centre.division_code) else f"{centre.division_code}-{number}/"


def case_archive(*, centre: Centre, case: Case, now: dt.datetime | None = None) -> Archive:
    """One case's archive (run inside the centre's schema): the ZIP of `case_archive_write` at its root."""
    spool, archive = new_zip()
    try:
        case_archive_write(centre=centre, case=case, archive=archive, now=now)
        return finish(spool, archive, archive_filename(case.number))
    except BaseException:
        spool.close()
        raise


def index_write(*, archive: zipfile.ZipFile, about: dict, written: list[tuple[Centre, uuid.UUID, CaseArchive | None]],
                now: dt.datetime) -> None:
    """The top of a several-case archive (a key project's): `manifest.json` (`{"format", "created_at",
    **about, "cases": [{"folder", "centre", "case_id", "number", "manifest_sha256", "found"}]}`) and
    `SHA256SUMS` over every file of every folder."""
    writer = _Writer(archive, "", now)
    cases = []
    every: list[ArchivedFile] = []
    for centre, case_id, result in written:
        manifest = (next((f for f in result.files if f.path == f"{result.folder}manifest.json"), None)
                    if result else None)
        cases.append({"folder": result.folder if result else None, "case_id": str(case_id),
                      "number": result.manifest["case"]["number"] if result else None,
                      "item_type": result.manifest["case"]["item_type"] if result else None,
                      "retention": result.manifest["retention"] if result else None,
                      "centre": {"division_code": centre.division_code, "name_zh": centre.name_zh,
                                 "name_en": centre.name_en},
                      "manifest_sha256": manifest.sha256 if manifest else None, "found": result is not None})
        if result:
            every.extend(result.files)
    index = {"format": FORMAT, "created_at": _iso(now), **about, "cases": cases}
    top = writer.write_bytes("manifest.json", json.dumps(index, ensure_ascii=False, indent=2).encode(), compress=True)
    writer.write_bytes("SHA256SUMS", _sums([top, *every], ""), compress=True)
