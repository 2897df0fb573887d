"""The one way the project prints a PDF (the guide book, a case's archive summary): fpdf2, A4, set in
Noto Sans CJK SC with the fallback faces of `common.glyphs` for what Noto lacks, a running head from
the second page on and the page number at the foot.

`document(running_head=..., archival=True)` makes the file PDF/A-2b (ISO 19005-2, level B, 档案级PDF):
fpdf2 embeds every font (subsets), writes the XMP metadata with `pdfaid:part` 2 and
`pdfaid:conformance` B and an sRGB output intent (its built-in sRGB2014 v2 ICC profile), and refuses
what PDF/A forbids (encryption, the unembedded base fonts).

fpdf takes 330 ms to import: only a process that prints a document pays for it (imported here, when
`document` is first called).
"""
from __future__ import annotations

import gc
import logging
from typing import Any

from django.utils.translation import gettext as _

from common import glyphs

FONT = "noto-sc"
ACCENT = (179, 38, 30)
MUTED = (91, 107, 124)
FILL = (238, 241, 244)
#: The PDF/A level archival documents claim (fpdf2's `enforce_compliance`).
ARCHIVAL = "PDF/A-2B"

# fontTools tells every subsetting step at INFO level; one line per glyph table is noise here.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def document(*, running_head: str = "", archival: bool = False, with_font: bool = True) -> Any:
    """A new `fpdf.FPDF` (A4, millimetres, margins 18/16/18, automatic page breaks) whose texts are set
    in their printed form (`glyphs.printable_text`): what no face has, private use and emoji as their
    code points; a text with characters Noto lacks set with the fallback faces that have them (each
    added at its first use). `running_head`: the line at the top of every page after the first.
    `archival`: PDF/A-2b. `with_font`: add the CJK face (a page that holds only an image needs none)."""
    from fpdf import FPDF  # noqa: PLC0415  (heavy: see the module's docstring)
    from fpdf.enums import XPos, YPos  # noqa: PLC0415

    primary = glyphs.primary_face()
    noto_lacks = glyphs.checker((primary,)).lacking

    class Document(FPDF):
        fallbacks: list[str] = []  # the fallback faces added to this document, by font id
        fallback_on = False

        def normalize_text(self, text: str) -> str:
            # fpdf2 looks at each character once fallbacks are on: a text without such a character pays nothing
            text = glyphs.printable_text(text)
            lacking = noto_lacks(text)
            if lacking:
                for char in lacking:
                    face = glyphs.fallback_face_for(char)
                    if face is not None and face.name.lower() not in self.fallbacks:
                        self.add_font(face.name.lower(), fname=face.path, collection_font_number=face.index)
                        self.fallbacks = [*self.fallbacks, face.name.lower()]
                self.set_fallback_fonts(self.fallbacks)
                self.fallback_on = True
            elif self.fallback_on:
                self.set_fallback_fonts([])
                self.fallback_on = False
            return super().normalize_text(text)

        def header(self):
            if self.page_no() == 1 or not running_head:
                return
            self.set_font(FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, running_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_draw_color(*ACCENT)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(3)
            self.set_text_color(0, 0, 0)

        def footer(self):
            if not with_font:
                return
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, _("Page %(page)d") % {"page": self.page_no()}, align="C")

    pdf = Document(format="A4", unit="mm", enforce_compliance=ARCHIVAL if archival else None)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    if with_font:
        pdf.add_font(FONT, fname=primary.path, collection_font_number=primary.index)
    return pdf


def output(pdf: Any) -> bytes:
    """The document's bytes, and the document freed now: an fpdf2 document holds reference cycles (its
    fonts' parsed tables, its images) that Python's cyclic collector frees late, so a process printing
    documents one after another (an archive of many cases) would otherwise hold several at once (measured:
    a 20-case archive peaked at 401 MiB of Python memory; one document at a time, see
    platform/bench/archive_bench.py)."""
    data = bytes(pdf.output())
    del pdf
    gc.collect()
    return data
