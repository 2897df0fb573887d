"""Text from uploaded files: spreadsheets saved by Chinese Excel are often GB18030, not UTF-8."""
from __future__ import annotations

from django.utils.translation import gettext as _

from common.errors import ApplicationError


def decode_upload(raw: bytes, *, error_code: str) -> str:
    """UTF-8 (with or without a BOM), else GB18030; neither: a clear error with `error_code`."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ApplicationError(_("The file is neither UTF-8 nor GB18030 text."), error_code) from exc
