"""The printable guide book (审批清单 / 办事指南汇编) of a centre's catalogue, as a PDF.

Made with fpdf2 and Noto Sans CJK SC, taken from the `noto-cjk-sans-otc` package (SIL Open Font
Licence 1.1). A character Noto lacks (the CJK extensions: `𡉃`, U+21243, in a village's name) is
set in a fallback face (HanaMin B, BabelStone Han: `common.glyphs`), loaded only by a book that
needs one; a character no face has is refused when saved, and one saved before that check is
printed as `[U+2EBF0]`, never dropped. What is set is the text's printed form
(`common.glyphs.printed_form`): variation selectors, zero-width joiners and the other
default-ignorable code points are left out (never boxes), and accents are composed (NFC); private-use
characters and emoji print as their code points, never as a font's guess. Only the glyphs used
are embedded (fpdf2 subsets the fonts), so a 160-item book stays small and is made in well under a second.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalog.models import ItemVersion, Material
from catalog.selectors import CatalogueEntry
from common.i18n import is_english, join_names
from common.pdf import ACCENT, FILL, FONT, MUTED
from common.pdf import document as pdf_document
from tenants.models import Centre


def _english() -> bool:
    return is_english()


def steps_of(version: ItemVersion) -> list[dict]:
    """A version's process steps as `{"name", "detail"}`. A step is stored as text or as a small dict
    (`name_zh`/`name_en` or `name`, optionally `description` and `days`)."""
    english = _english()
    rows = []
    for step in version.steps or []:
        if not isinstance(step, dict):
            rows.append({"name": str(step), "detail": ""})
            continue
        name = ((step.get("name_en") if english else None) or step.get("name_zh") or step.get("name")
                or step.get("title") or "")
        detail = str((step.get("description_en") if english else None) or step.get("description_zh")
                     or step.get("description") or step.get("detail") or "")
        if step.get("days") not in (None, ""):
            days = _("%(days)s working days") % {"days": step["days"]}
            detail = f"{detail} ({days})" if detail else days
        rows.append({"name": str(name), "detail": detail})
    return rows


def materials_of(version: ItemVersion) -> list[Material]:
    """A version's materials, in their order (each says who must bring it: `applicant_labels`)."""
    return list(version.materials.all())


def _fee(version: ItemVersion) -> str:
    if not version.fee_yuan:
        return _("Free of charge")
    amount = _("%(amount)s yuan") % {"amount": version.fee_yuan.quantize(Decimal("0.01"))}
    return f"{amount}（{version.fee_basis}）" if version.fee_basis else amount


def _limits(adoption: CatalogueEntry, version: ItemVersion) -> str:
    if version.is_immediate:
        return _("Immediate item: decided on the spot") + " · " + _("legal limit %(legal)d working days") % {
            "legal": version.legal_limit_days}
    return _("Promised here: %(promised)d working days · legal limit %(legal)d working days") % {
        "promised": adoption.promised_days, "legal": version.legal_limit_days}


def _visits(version: ItemVersion) -> str:
    if version.visits_required == 0:
        return _("No visit needed (零跑腿)")
    if version.visits_required == 1:
        return _("At most one visit (最多跑一次)")
    return _("%(count)d visits") % {"count": version.visits_required}


def guidebook_pdf(*, centre: Centre, adoptions: Iterable[CatalogueEntry], today: dt.date) -> bytes:
    """The book: a cover, a contents table, then one service guide per item."""
    # fpdf takes 330 ms to import: only a process that prints a guide book pays for it
    from fpdf.enums import WrapMode, XPos, YPos  # noqa: PLC0415
    from fpdf.fonts import FontFace  # noqa: PLC0415

    adoptions = list(adoptions)
    english = _english()
    wrap = WrapMode.WORD if english else WrapMode.CHAR
    title = _("Service guide book")
    centre_name = centre.name

    pdf = pdf_document(running_head=f"{centre_name} · {title}")
    pdf.set_title(f"{centre_name} {title}")
    pdf.set_author(centre_name)
    pdf.set_lang("en" if english else "zh-CN")
    width = pdf.epw

    def para(text: str, size: float = 10, height: float = 5.5, colour=(0, 0, 0)) -> None:
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width, height, text, wrapmode=wrap, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)

    def fact(label: str, value: str) -> None:
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(32, 5.5, label)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width - 32, 5.5, value or "—", wrapmode=wrap, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)

    def heading(text: str, size: float = 11) -> None:
        if pdf.will_page_break(24):
            pdf.add_page()
        pdf.ln(1.5)
        para(text, size=size, height=6.5, colour=ACCENT)

    # Cover
    pdf.add_page()
    pdf.ln(60)
    pdf.set_font(FONT, size=24)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(width, 12, centre_name, align="C", wrapmode=wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, size=18)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(width, 10, title, align="C", wrapmode=wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_font(FONT, size=11)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width, 7, _("%(count)d items · as of %(date)s") % {
        "count": len(adoptions), "date": date_format(today, "DATE_FORMAT")}, align="C", wrapmode=wrap,
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Contents
    pdf.add_page()
    heading(_("Contents"), size=14)
    if adoptions:
        style = FontFace(emphasis="", fill_color=FILL, color=MUTED)
        pdf.set_font(FONT, size=8.5)
        with pdf.table(col_widths=(36, 82, 24, 20), headings_style=style, wrapmode=wrap, line_height=4.6,
                       text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"), padding=1) as table:
            table.row([_("Item code"), _("Item"), _("Promised"), _("Legal")])
            for adoption in adoptions:
                version = adoption.item.version
                table.row([adoption.item.code, version.name,
                           _("immediate") if version.is_immediate else str(adoption.promised_days),
                           str(version.legal_limit_days)])
        para(_("Time limits in working days."), size=8, colour=MUTED)
    else:
        para(_("This centre has adopted no items yet."))

    # One guide per item
    for number, adoption in enumerate(adoptions, start=1):
        item, version = adoption.item, adoption.item.version
        pdf.add_page()
        para(f"{number}. {version.name}", size=14, height=7, colour=ACCENT)
        para(item.code, size=9, colour=MUTED)
        pdf.ln(1)
        fact(_("Category"), f"{item.get_category_display()} · {item.get_item_type_display()}")
        fact(_("Time limit"), _limits(adoption, version))
        fact(_("Visits"), _visits(version))
        fact(_("Fees"), _fee(version))
        fact(_("Where to go"), " · ".join(p for p in (
            centre_name, _("window %(window)s") % {"window": adoption.window} if adoption.window else "",
            adoption.department_name or item.department.name) if p))
        fact(_("Contact"), " · ".join(p for p in (version.contact_phone, item.department.phone,
                                                   item.department.address) if p))
        if version.complaint_channel:
            fact(_("Complaints"), version.complaint_channel)
        if version.conditions:
            heading(_("Conditions"))
            para(version.conditions, size=9.5)
        materials = materials_of(version)
        heading(_("Materials"))
        if materials:
            style = FontFace(emphasis="", fill_color=FILL, color=MUTED)
            pdf.set_font(FONT, size=8.5)
            with pdf.table(col_widths=(8, 70, 16, 16, 52), headings_style=style, wrapmode=wrap,
                           line_height=4.6, text_align="LEFT", padding=1) as table:
                table.row(["#", _("Material"), _("Originals"), _("Copies"), _("How delivered")])
                for i, material in enumerate(materials, start=1):
                    name = material.name if material.required else f"{material.name}（{_('if applicable')}）"
                    delivery = material.get_delivery_display()
                    if material.applicant_labels:
                        delivery += " · " + join_names(material.applicant_labels)
                    table.row([str(i), name, str(material.originals), str(material.copies), delivery])
        else:
            para(_("No materials are required."), size=9.5)
        steps = steps_of(version)
        if steps:
            heading(_("Steps"))
            for i, step in enumerate(steps, start=1):
                para(f"{i}. {step['name']}" + (f" — {step['detail']}" if step["detail"] else ""), size=9.5)
        if version.legal_basis:
            heading(_("Legal basis"))
            para(version.legal_basis, size=9)
    return bytes(pdf.output())
