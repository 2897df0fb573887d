"""Uploaded files (上传文件): the one place that decides what a file is and whether it may be kept.

A file is told by its content, never by its name or the browser's content type: a renamed `.exe` is
refused. The name the person gave is cleaned (path parts, control characters and reserved characters
dropped, NFC, at most `NAME_MAX` characters) and kept only as a label; the stored name is random
(`stored_name`). Images are opened (Pillow) and refused above `MAX_IMAGE_PIXELS` (a decompression
bomb); a PDF must start with `%PDF-` and end with `%%EOF`; an Office file (docx/xlsx, a zip) is refused
when its members would expand beyond `MAX_UNZIPPED_BYTES` or `MAX_ZIP_RATIO` times its size (a zip
bomb). Errors are `ApplicationError` `upload_refused` with `extra["fields"][field]`, in the user's
language, and nothing is stored.

Shape: `upload_check(upload, *, kinds, max_bytes, field) -> CheckedUpload` (bytes read once, SHA-256).
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from common.errors import ApplicationError

#: A cleaned file name keeps at most this many characters (the extension kept).
NAME_MAX = 120
#: Pixels an image may have (a 50-megapixel phone photo is 8,160 × 6,120); more is a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000
#: What an Office file (a zip) may expand to, in bytes, and how many times its own size.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100

UPLOAD_REFUSED = "upload_refused"


@dataclass(frozen=True)
class FileKind:
    """One kind of file we accept: its key, content type, extension and a label for messages."""

    key: str
    content_type: str
    extension: str
    label: str


PDF = FileKind("pdf", "application/pdf", "pdf", "PDF")
JPEG = FileKind("jpeg", "image/jpeg", "jpg", "JPEG")
PNG = FileKind("png", "image/png", "png", "PNG")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
                "Word (.docx)")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                "Excel (.xlsx)")

#: An applicant's materials and a clerk's documents: scans, photos and PDFs.
DOCUMENT_KINDS = (PDF, JPEG, PNG)
#: An item's forms and samples (表单, 样表): also the Word and Excel files people fill in.
FORM_KINDS = (PDF, JPEG, PNG, DOCX, XLSX)

_OFFICE_MARKERS = {"docx": "word/", "xlsx": "xl/"}


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed `upload_check`: its bytes, kind, cleaned name, size (bytes) and SHA-256 (hex)."""

    content: bytes
    kind: FileKind
    name: str
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    def stored_name(self, folder: str) -> str:
        """A random name under `folder` with the kind's extension (never the person's name: not guessable)."""
        return f"{folder.strip('/')}/{uuid.uuid4().hex}.{self.kind.extension}"


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, UPLOAD_REFUSED, {"fields": {field: [message]}})


def clean_name(name: str | None, *, extension: str = "") -> str:
    """The file name a person gave, safe to show and to send back in a header: the last path part only
    (`C:\\fakepath\\..\\证明.pdf` → `证明.pdf`), NFC, control and reserved characters (`<>:"/\\|?*`)
    dropped, leading dots removed, at most `NAME_MAX` characters with the extension kept. With
    `extension`, the name ends with it (the kind found in the content decides, not the name). Never
    empty: "file" (文件) when nothing is left."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    text = text.strip().lstrip(".").strip()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if extension and ext.lower() not in ({"jpg", "jpeg"} if extension == "jpg" else {extension}):
        ext = extension  # the kind found in the content names the file: 说明.exe holding a PDF → 说明.pdf
    stem = stem.strip() or _("file")
    room = NAME_MAX - (len(ext) + 1 if ext else 0)
    return f"{stem[:room]}.{ext}" if ext else stem[:NAME_MAX]


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _office_kind(content: bytes, field: str) -> str | None:
    """'docx' or 'xlsx' for an Office Open XML file, after the zip-bomb checks; None for another zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            expanded = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse(field, _("The file is damaged: it cannot be opened.")) from exc
    if expanded > MAX_UNZIPPED_BYTES or expanded > MAX_ZIP_RATIO * max(len(content), 1):
        raise _refuse(field, _("The file expands to far more than its size (a compressed “zip bomb”): it is refused."))
    if "[Content_Types].xml" not in names:
        return None
    for key, marker in _OFFICE_MARKERS.items():
        if any(name.startswith(marker) for name in names):
            return key
    return None


def _image_check(content: bytes, field: str) -> None:
    from PIL import Image  # noqa: PLC0415  (Pillow is heavy; loaded when an image arrives)

    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(field, _("The picture has too many pixels (%(width)d × %(height)d): take it again "
                                       "at a lower resolution.") % {"width": width, "height": height})
            image.verify()
    except ApplicationError:
        raise
    except Exception as exc:  # noqa: BLE001  (Pillow raises many kinds for a damaged file)
        raise _refuse(field, _("The picture is damaged: it cannot be opened.")) from exc


def _pdf_check(content: bytes, field: str) -> None:
    if b"%%EOF" not in content[-2048:]:
        raise _refuse(field, _("The PDF is incomplete or damaged (it has no end): save or scan it again."))
    if b"/Encrypt" in content:
        raise _refuse(field, _("The PDF is protected by a password: save it without protection and try again."))


def upload_check(upload: IO[bytes], *, kinds: tuple[FileKind, ...], max_bytes: int, field: str,
                 name: str | None = None) -> CheckedUpload:
    """Read `upload` (at most `max_bytes` + 1 bytes) and check it is one of `kinds` by its content.

    Raises `ApplicationError` `upload_refused` (field `field`): empty, larger than `max_bytes` (the limit
    in MB named), not one of `kinds` (a renamed program, a zip), a damaged or password-protected PDF, an
    image too large in pixels or damaged, an Office file that is a zip bomb."""
    raw = upload.read(max_bytes + 1)
    if not raw:
        raise _refuse(field, _("The file is empty."))
    if len(raw) > max_bytes:
        raise _refuse(field, _("The file is larger than %(size)s MB.") % {"size": _megabytes(max_bytes)})
    found = _sniff(raw[:8])
    if found == "zip":
        found = _office_kind(raw, field)
    allowed = {kind.key: kind for kind in kinds}
    if found not in allowed:
        labels = ", ".join(kind.label for kind in kinds)
        raise _refuse(field, _("This kind of file is not accepted: send %(kinds)s.") % {"kinds": labels})
    kind = allowed[found]
    if kind in (JPEG, PNG):
        _image_check(raw, field)
    elif kind is PDF:
        _pdf_check(raw, field)
    given = name if name is not None else os.path.basename(getattr(upload, "name", "") or "")
    return CheckedUpload(content=raw, kind=kind, name=clean_name(given, extension=kind.extension), size=len(raw),
                         sha256=hashlib.sha256(raw).hexdigest())


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}"
