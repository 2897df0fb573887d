"""QR codes as inline SVG (no image address, so the CSP's img-src 'self' holds): the second factor's
enrolment, a hall ticket's receipt and the kiosk's offered slots."""
from __future__ import annotations

from qrcode import make as qr_make
from qrcode.image.svg import SvgPathImage


def qr_svg(text: str) -> str:
    """`text` as an inline SVG QR code (a `<svg>` element, unicode)."""
    return qr_make(text, image_factory=SvgPathImage).to_string(encoding="unicode")
