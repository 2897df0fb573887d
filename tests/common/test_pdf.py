"""Printing a PDF (`common.pdf`): set in Noto Sans CJK SC cut to the common characters (a cached file,
`common.glyphs.printing_face`), with the full face and the fallback faces for the rest; what a reader
sees and extracts is what the full face gives, and PDF/A-2b still holds."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pypdf
import pytest
from django.conf import settings
from fontTools import subset
from fontTools.ttLib import TTFont

from common import glyphs
from common.pdf import FONT, document, output

#: U+4DAE, CJK Extension A (a GB18030 hanzi, in a personal name): outside the printing face, in the full Noto.
RARE = "\u4dae"
#: U+20000, the first of CJK Extension B: Noto Sans CJK SC lacks it, HanaMin B has it.
EXTENSION_B = "\U00020000"
#: U+30000, the first of CJK Extension G: only BabelStone Han has it.
EXTENSION_G = "\U00030000"
TEXT = "西安市碑林区政务服务中心 受理回执 Acceptance receipt 申请人 张三"


def fonts_of(data: bytes) -> dict[str, dict]:
    """{BaseFont: {"program": the embedded font program's bytes, "widths": /W, "bbox": /FontBBox,
    "unicode": the ToUnicode CMap's text}} of every font on the pages."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            found[str(font["/BaseFont"])] = {
                "program": program.get_object().get_data() if program is not None else None,
                "widths": repr(descendant.get("/W")), "bbox": repr(descriptor["/FontBBox"]),
                "unicode": font["/ToUnicode"].get_object().get_data().decode("latin-1")}
    return found


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages).replace("\x00", ""))


def printed(*texts: str, archival: bool = False) -> bytes:
    pdf = document(archival=archival, page_numbers=False)
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    for text in texts:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return output(pdf)


def maps(cmap_text: str, char: str) -> bool:
    """Whether a ToUnicode CMap maps some code to `char` (UTF-16BE hex, as fpdf2 writes it)."""
    return f"<{char.encode('utf-16-be').hex().upper()}>" in cmap_text


@pytest.fixture
def fallback_faces():
    missing = glyphs.missing_fallback_faces()
    if missing and os.environ.get("GOVSERVICE_REQUIRE_FONTS") != "1":
        pytest.skip(f"fallback fonts not installed: {', '.join(missing)}")
    assert not missing


# --- what is printed -----------------------------------------------------------------------------

def test_the_printing_face_is_cached_under_var_dir_and_holds_the_common_characters():
    face = glyphs.printing_face()
    assert Path(face.path).parent == Path(settings.VAR_DIR) / "cache" / "fonts"
    covered = glyphs.checker((face,))
    common = "西安碑林浐灞鄠邑区，。《》（）“”ＡＢ１２" + "".join(sorted(glyphs.gb2312_characters()))
    assert covered.lacking(common) == []
    assert covered.lacking(RARE) == [RARE]


def test_a_document_prints_the_same_font_program_as_the_full_face():
    """The glyphs, widths and font descriptor a reader gets are those of Noto Sans CJK SC itself."""
    from fpdf import FPDF

    full = glyphs.primary_face()
    plain = FPDF(format="A4", unit="mm")
    plain.set_margins(18, 16, 18)
    plain.set_auto_page_break(auto=True, margin=16)
    plain.add_font(FONT, fname=full.path, collection_font_number=full.index)
    plain.add_page()
    plain.set_font(FONT, size=11)
    plain.multi_cell(0, 6, TEXT, new_x="LMARGIN", new_y="NEXT")

    assert fonts_of(printed(TEXT)) == fonts_of(bytes(plain.output()))


def test_a_character_outside_the_cut_prints_in_the_full_face_extracts_and_stays_pdfa_2b():
    data = printed(TEXT, f"申请人 王{RARE}", archival=True)
    fonts = fonts_of(data)
    assert set(fonts) == {"/MPDFAA+NotoSansCJKSC", "/MPDFAA+NotoSansCJKSC-Full"}
    assert maps(fonts["/MPDFAA+NotoSansCJKSC-Full"]["unicode"], RARE)
    assert not maps(fonts["/MPDFAA+NotoSansCJKSC"]["unicode"], RARE)
    assert all(font["program"] for font in fonts.values())  # embedded
    assert f"申请人王{RARE}" in text_of(data)
    xmp = pypdf.PdfReader(io.BytesIO(data)).xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp


def test_the_full_face_comes_before_the_fallbacks_whatever_came_first(fallback_faces):
    """BabelStone Han has 䶮 too: set after a character only BabelStone Han has (Extension G), 䶮 is still
    set in Noto, as before the cut; an Extension B character in HanaMin B, the first fallback. The line
    after a line that starts in a fallback face keeps its font (fpdf2 2.8.9 drew it with none)."""
    assert [face.name for face in glyphs.faces() if not glyphs.checker((face,)).lacking(EXTENSION_G)] == [
        "BabelStoneHan"]
    data = printed(f"{EXTENSION_G} {EXTENSION_B}", f"王{RARE}")
    fonts = fonts_of(data)
    assert maps(fonts["/MPDFAA+BabelStoneHan"]["unicode"], EXTENSION_G)
    assert maps(fonts["/MPDFAA+HanaMinB"]["unicode"], EXTENSION_B)
    assert maps(fonts["/MPDFAA+NotoSansCJKSC-Full"]["unicode"], RARE)
    assert not maps(fonts["/MPDFAA+BabelStoneHan"]["unicode"], RARE)
    assert f"{EXTENSION_G}{EXTENSION_B}王{RARE}" in text_of(data)


# --- the cache -------------------------------------------------------------------------------------

@pytest.fixture
def small_source(tmp_path) -> glyphs.Face:
    """A small stand-in for Noto Sans CJK SC (a few dozen of its glyphs, in a file of the test's own),
    so that building the cut takes a moment, not the ~10-40 s of the real face."""
    font = TTFont(glyphs.printing_face().path, lazy=True)
    subsetter = subset.Subsetter(subset.Options(name_IDs=["*"], notdef_outline=True))
    subsetter.populate(unicodes=[ord(char) for char in "ABCabc123 西安受理回执浐"] + [ord(RARE)])
    subsetter.subset(font)
    path = tmp_path / "source.otf"
    font.save(path)
    return glyphs.Face(glyphs.PRIMARY_FACE, str(path))


def test_the_cut_is_built_when_absent_reused_and_rebuilt_when_the_source_changes(tmp_path, small_source):
    folder = tmp_path / "var" / "cache" / "fonts"
    first = glyphs.printing_face_at(small_source, folder)
    built = os.stat(first.path)
    assert glyphs.checker((first,)).lacking("西安受理回执浐ABC") == []

    again = glyphs.printing_face_at(small_source, folder)
    assert again == first and os.stat(again.path).st_mtime_ns == built.st_mtime_ns  # not built again

    os.unlink(first.path)
    assert Path(glyphs.printing_face_at(small_source, folder).path).is_file()  # absent: built again

    os.utime(small_source.path, ns=(built.st_atime_ns, built.st_mtime_ns + 10**9))  # a new version of the face
    newer = glyphs.printing_face_at(small_source, folder)
    assert newer.path != first.path and Path(newer.path).is_file()
    # both versions, the builders' lock, and no half-made file
    assert {p.name for p in folder.iterdir()} == {Path(first.path).name, Path(newer.path).name, ".build.lock"}


def test_a_document_set_in_a_cut_prints(tmp_path, small_source):
    from fpdf import FPDF

    face = glyphs.printing_face_at(small_source, tmp_path)
    pdf = FPDF()
    pdf.add_font(FONT, fname=face.path)
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 10, "西安受理回执 ABC")
    assert text_of(bytes(pdf.output())) == "西安受理回执ABC"
