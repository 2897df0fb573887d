"""The one way the project prints a PDF (the guide book, a case's archive summary): fpdf2, A4, set in
Noto Sans CJK SC with the fallback faces of `common.glyphs` for what Noto lacks, a running head from
the second page on and the page number at the foot.

Cost: fpdf2 parses the face a document is set in and subsets it again when saving, both in proportion
to the face's glyphs. So the text is set in `glyphs.printing_face`, Noto Sans CJK SC cut once (to a
cache file) to the ~8,300 characters nearly every document uses, and only a document with a character
outside it loads the full face (65,535 glyphs) as well: ~0.4 s a receipt instead of ~4-5 s at the same
load (docs/benchmarks.md, "Printing PDFs").

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
from collections.abc import Callable
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


def document(*, running_head: str = "", archival: bool = False, with_font: bool = True,
             margins: tuple[float, float, float] = (18, 16, 18), bottom_margin: float = 16,
             page_numbers: bool = True) -> Any:
    """A new `fpdf.FPDF` (A4, millimetres, automatic page breaks) whose texts are set in their printed
    form (`glyphs.printable_text`): what no face has, private use and emoji as their code points.

    The text is set in the printing face (`glyphs.printing_face`: Noto Sans CJK SC cut to the
    characters nearly every document uses: a tenth of the full face's cost, docs/benchmarks.md);
    a text with characters outside it is set with the faces that have them, in the order of
    `glyphs.faces()` (the full Noto Sans CJK SC, then the fallbacks), each added at its first use, so a
    document prints the same glyphs as if set in the full face.

    `running_head`: the line at the top of every page after the first. `archival`: PDF/A-2b.
    `with_font`: add the CJK face (a page that holds only an image needs none). `margins`: left, top,
    right, `bottom_margin`: where a page breaks (millimetres). `page_numbers`: "Page N" at the foot."""
    from fpdf import FPDF  # noqa: PLC0415  (heavy: see the module's docstring)
    from fpdf.enums import XPos, YPos  # noqa: PLC0415

    printing = glyphs.printing_face() if with_font else None
    # a document without the face (an image's page) sets no text of its own: nothing to look up
    printing_lacks: Callable[[str], list[str]] = (glyphs.checker((printing,)).lacking if printing is not None
                                                  else lambda _text: [])
    order = {face: at for at, face in enumerate(glyphs.faces())}

    class Document(FPDF):
        fallbacks: list[glyphs.Face] = []  # the faces added to this document for what the printing face lacks
        fallback_on = False

        def normalize_text(self, text: str) -> str:
            # fpdf2 looks at each character once fallbacks are on: a text without such a character pays nothing
            text = glyphs.printable_text(text)
            lacking = printing_lacks(text)
            if lacking:
                for char in lacking:
                    face = glyphs.face_for(char)
                    if face is not None and face not in self.fallbacks:
                        self._add_face(face)
                # fpdf2 takes the first fallback with the glyph: keep the order of `glyphs.faces()`
                self.set_fallback_fonts([_font_key(face) for face in sorted(self.fallbacks, key=order.__getitem__)])
                self.fallback_on = True
            elif self.fallback_on:
                self.set_fallback_fonts([])
                self.fallback_on = False
            return super().normalize_text(text)

        def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
            # fpdf2 2.8.9: a line whose first character is in a fallback face sets the page's font inside
            # the line's own graphics state (q ... Q) yet records it as set for the page, so the next line
            # would be drawn with no font selected (a reader shows nothing or the wrong glyphs, and text
            # extraction fails). After a line with fallbacks, make fpdf2 select the font again.
            try:
                return super()._render_styled_text_line(*args, **kwargs)
            finally:
                if self.fallback_on:
                    self.current_font_is_set_on_page = False

        def _add_face(self, face: glyphs.Face) -> None:
            key = _font_key(face)
            self.add_font(key, fname=face.path, collection_font_number=face.index)
            if printing is not None and face.name == printing.name:
                # the full face after its cut: a name of its own in the PDF (two subsets of one name would
                # share a BaseFont, which PDF readers may take for one font)
                self.fonts[key].name = f"{self.fonts[key].name}-Full"
            self.fallbacks = [*self.fallbacks, face]

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
            if not with_font or not page_numbers:
                return
            self.set_y(-12)
            self.set_font(FONT, size=8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, _("Page %(page)d") % {"page": self.page_no()}, align="C")

    pdf = Document(format="A4", unit="mm", enforce_compliance=ARCHIVAL if archival else None)
    pdf.set_margins(*margins)
    pdf.set_auto_page_break(auto=True, margin=bottom_margin)
    if printing is not None:
        pdf.add_font(FONT, fname=printing.path, collection_font_number=printing.index)
    return pdf


def _font_key(face: glyphs.Face) -> str:
    """The family name a face is added to a document under (`FONT` is the printing face's)."""
    return "fallback-" + face.name.lower().replace(" ", "-")


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
