"""The faces printed documents are set in, and which characters they can print (字形覆盖).

A printed document (the guide book, `catalog.guidebook`) is set in Noto Sans CJK SC, from the
`noto-cjk-sans-otc` package, with fallback faces for what Noto lacks: the CJK extensions, where
village and personal names often live (`𡉃`, U+21243, Extension B):

- HanaMin B (花園明朝 B, Debian's `fonts-hanazono`, Hanazono Font Licence or SIL OFL 1.1):
  Extensions B to F, nearly whole;
- BabelStone Han (Debian's `fonts-babelstone-han`, Arphic Public Licence / CC BY-SA): much of
  Extensions G and H and the compatibility supplement, and Extension B's few left.

A document is not set in the whole Noto collection but in `printing_face()`: Noto Sans CJK SC cut to
the characters nearly every document uses (GB2312, Latin to bopomofo, full-width forms, a few place- and
name-hanzi), built once into a cache file; a character outside the cut is set in the full face
(`face_for`), so the page is the same, at a tenth of the cost (`common.pdf`).

No package on PyPI carries such a face under a free licence, so these come from Debian
(`apt-get install fonts-hanazono fonts-babelstone-han`; the README and `.ci/run` say so). A face
not installed is left out, and then the characters only it has count as unprintable.

What no face has would vanish from the page, so it is refused when saved:
`unprintable_characters(text)` names such characters (and those refused for the reasons below)
and `printable_field_errors(values)` turns them into per-field messages; every service that saves
text a document prints calls the latter. The coverage is read from the faces' character maps once
per process and kept as sorted ranges.

What a document sets is the *printed form* of a text (`printed_form`); the text stored stays as
typed, nothing is lost in the database:

- Unicode's default-ignorable code points (variation selectors, ideographic variation selectors
  U+E0100..., zero-width joiner and non-joiner, word joiner, BOM, soft hyphen, bidi controls, tag
  characters, Hangul fillers) are left out, and need no glyph. A face that has them draws them as
  labelled boxes ("VS17", "ZWJ" in BabelStone Han). Printing an ideographic variation sequence
  right would take OpenType shaping (`FPDF.set_text_shaping`, which needs `uharfbuzz`) and a face
  with the sequence in its `cmap` format 14: Debian's HanaMin B has no such table and Noto lacks
  the Hanyo-Denshi sequences, so the base character prints in its default form.
- The rest is normalised to NFC, so that a letter and its combining accent (`e` + U+0301) print
  as the one precomposed letter (`é`): fpdf2 does no mark positioning, and Noto draws a lone
  accent over the *next* character. CJK compatibility ideographs (U+F900..., U+2F800...) are kept
  as typed, not replaced by their unified forms as NFC would: a name written with one means it.

Refused when saved, besides what no face has, each kind with its own message naming the field and
the character (`refused_characters`):

- a combining mark left after NFC (`q` + U+0301 has no precomposed form): it would be drawn on
  the wrong character;
- a private-use character (U+E000-F8FF, planes 15 and 16): it has no agreed meaning, and a glyph
  one font gives it is that font's guess; an official document prints what was meant;
- an emoji (the pictographic blocks of plane 1, `EMOJI`): names on official documents hold none,
  and no face here is an emoji face (BabelStone Han's are its own drawings). Symbols with a text
  form that a face has (`❤`, U+2764) print like any other character.

Text saved before these checks prints each such character as its code point (`printable_text`).
"""
from __future__ import annotations

import bisect
import contextlib
import hashlib
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

#: The primary face: simplified Chinese glyph forms, taken from the OpenType collection.
PRIMARY_FACE = "Noto Sans CJK SC"

#: Fallback faces, in the order they are tried: (name, the places Debian installs the file).
FALLBACK_FACES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("HanaMinB", ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",)),
    ("BabelStoneHan", ("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",)),
)

#: The Debian packages that carry the fallback faces (for messages and checks).
FALLBACK_PACKAGES = ("fonts-hanazono", "fonts-babelstone-han")

#: Line breaks and tabs are layout, not glyphs.
_LAYOUT = frozenset("\n\r\t")

#: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.1): no visible form.
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_IGNORABLE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in DEFAULT_IGNORABLE) + "]")

#: Private use: the BMP's area and the supplementary planes 15 and 16.
PRIVATE_USE: tuple[tuple[int, int], ...] = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))

#: Emoji: the pictographic blocks of plane 1 (game pieces, regional indicators, pictographs,
#: emoticons, transport, coloured shapes, supplemental and extended pictographs).
EMOJI: tuple[tuple[int, int], ...] = (
    (0x1F000, 0x1F0FF), (0x1F1E6, 0x1F1FF), (0x1F300, 0x1F6FF), (0x1F7E0, 0x1F7FF), (0x1F900, 0x1FAFF),
)

#: CJK compatibility ideographs, which NFC would replace by their unified forms.
_COMPATIBILITY_IDEOGRAPHS = re.compile("([\uF900-\uFAFF\U0002F800-\U0002FA1F])")


@dataclass(frozen=True)
class Face:
    """A font file (and the face's index in it, for a collection)."""

    name: str
    path: str
    index: int = 0


@lru_cache(maxsize=1)
def primary_face() -> Face:
    """Noto Sans CJK SC in the collection of the `noto-cjk-sans-otc` package. Its index in the collection
    is kept in Django's cache under the file's path, size and time (finding it imports fontTools and reads
    the collection's name tables: ~70 ms, which the first centre onboarded in every process paid)."""
    import noto_cjk_sans_otc  # noqa: PLC0415 - font data, read when a document is first printed or checked
    from django.core.cache import cache  # noqa: PLC0415

    path = str(noto_cjk_sans_otc.FONT_PATH)
    try:
        key = "glyphs:primary-face:" + hashlib.sha256(
            repr((path, os.stat(path).st_mtime_ns, os.stat(path).st_size)).encode()).hexdigest()
        stored = cache.get(key)
    except Exception:  # noqa: BLE001 - no cache (or no settings): read the collection
        key, stored = "", None
    if isinstance(stored, int):
        return Face(PRIMARY_FACE, path, stored)
    from fontTools.ttLib import TTCollection  # noqa: PLC0415 - 50 ms to import

    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(4) == PRIMARY_FACE:
                if key:
                    with contextlib.suppress(Exception):  # not writable: the next process reads the collection
                        cache.set(key, index, 30 * 24 * 3600)
                return Face(PRIMARY_FACE, path, index)
    finally:
        collection.close()
    raise LookupError(f"{PRIMARY_FACE} is not in {path}")


#: Bump when the way the printing face is cut changes (its options, not its characters: those are hashed).
SUBSET_VERSION = 1

#: Hanzi outside GB2312 that the printing face holds anyway. Place names, measured: 浐 and 鄠 (Xi'an's
#: 浐灞 and 鄠邑) in the project's data, the rest in the county names of `stdnum.cn.loc`. Personal names: a
#: short list by hand of common name characters outside GB2312 (no frequency list installs offline: the
#: 通用规范汉字表's 8,105 would be the better source).
EXTRA_HANZI = ("浐鄠埇埗沚浉瀍猇硚"
               "堃喆犇垚玥珺瑄璟祎晞旻瑀彧翀昇镕玹焜弢汭沄洺淏湉珅玙珮瑢璠祐禛芃")

#: Non-hanzi ranges the printing face holds whatever of them the primary face has: Latin, IPA, Greek,
#: Cyrillic, punctuation, symbols, arrows, box drawing, dingbats, CJK punctuation, kana, bopomofo
#: (U+0020-U+31FF), vertical and compatibility forms, small and full-width forms (U+FE10-U+FFEF).
COMMON_RANGES: tuple[tuple[int, int], ...] = ((0x0020, 0x31FF), (0xFE10, 0xFFEF))


def gb2312_characters() -> frozenset[str]:
    """The 7,445 characters of GB 2312-80 (its 6,763 hanzi, kana, Greek, Cyrillic, symbols), by decoding
    every two-byte EUC-CN code (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(found)


def common_code_points() -> frozenset[int]:
    """The code points the printing face is cut to (those of them the primary face has): `COMMON_RANGES`,
    GB2312 and `EXTRA_HANZI`. Nearly every document prints only these; the rest comes from the full face."""
    points = {point for start, end in COMMON_RANGES for point in range(start, end + 1)}
    points.update(ord(char) for char in gb2312_characters())
    points.update(ord(char) for char in EXTRA_HANZI)
    return frozenset(points)


def printing_face_at(source: Face, folder: Path) -> Face:
    """`source` cut to `common_code_points` (字体子集), as an OpenType file in `folder`, built when absent.

    A PDF's cost is nearly all fpdf2 parsing the face and subsetting it again when saving, both in
    proportion to the face's glyphs: Noto Sans CJK SC has 65,535, the cut ~8,300 (measured in
    docs/benchmarks.md, "Printing PDFs"). The outlines, advance widths, names and vertical metrics are
    the source's, unchanged (bounding boxes are not recomputed: the font descriptor a PDF gets is the
    same), so a document printed with it is the same as with the source, glyph for glyph; a character
    outside it is set in the source itself (`common.pdf`).

    The file is named by a hash of the source's real path, face index, size and modification time, the code
    points and `SUBSET_VERSION`, so a new version of the source (or of the cut) gets a new file. It is
    written to a temporary file in `folder` and renamed into place: a reader never sees half a file,
    whatever the number of processes building at once or a build killed half way; a lock file makes the
    others wait for the first builder (a build takes ~10-40 s on 2 cores) instead of each building too.
    Files of other hashes are left (a process still running an older version may print with them)."""
    import fcntl  # noqa: PLC0415 - POSIX only, and needed only when the cache is looked up
    import hashlib  # noqa: PLC0415

    stat = os.stat(source.path)
    points = sorted(common_code_points())
    key = hashlib.sha256(repr((SUBSET_VERSION, os.path.realpath(source.path), source.index, stat.st_size,
                               stat.st_mtime_ns, points)).encode()).hexdigest()[:20]
    target = folder / f"noto-sans-cjk-sc-common-{key}.otf"
    if target.is_file():
        return Face(source.name, str(target))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            _write_subset(source, points, target)
    return Face(source.name, str(target))


def _write_subset(source: Face, points: Sequence[int], target: Path) -> None:
    import tempfile  # noqa: PLC0415
    import time  # noqa: PLC0415

    from fontTools import subset  # noqa: PLC0415
    from fontTools.ttLib import TTFont  # noqa: PLC0415

    for stale in target.parent.glob(".*.otf.tmp"):  # left by a build killed an hour ago or more
        if stale.stat().st_mtime < time.time() - 3600:
            stale.unlink(missing_ok=True)
    font = TTFont(source.path, fontNumber=source.index, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    try:
        cmap = font.getBestCmap()
        options = subset.Options()
        # fpdf2 sets text without OpenType layout and embeds only the outlines and widths
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
        options.layout_features = []
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.recommended_glyphs = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[point for point in points if point in cmap])
        subsetter.subset(font)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".otf.tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                font.save(out)
            os.chmod(temporary, 0o644)  # readable by every user that prints (mkstemp makes it 0600)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    finally:
        font.close()


@lru_cache(maxsize=1)
def printing_face() -> Face:
    """The face a document is set in: Noto Sans CJK SC cut to the common characters
    (`printing_face_at`), cached under `settings.VAR_DIR / "cache" / "fonts"`."""
    from django.conf import settings  # noqa: PLC0415

    return printing_face_at(primary_face(), Path(settings.VAR_DIR) / "cache" / "fonts")


@lru_cache(maxsize=1)
def fallback_faces() -> tuple[Face, ...]:
    """The fallback faces installed on this machine, in order."""
    found = []
    for name, places in FALLBACK_FACES:
        path = next((place for place in places if os.path.isfile(place)), None)
        if path is not None:
            found.append(Face(name, path))
    return tuple(found)


def missing_fallback_faces() -> list[str]:
    """The names of the fallback faces not installed here."""
    installed = {face.name for face in fallback_faces()}
    return [name for name, _places in FALLBACK_FACES if name not in installed]


def _code_points(face: Face) -> list[int]:
    from fontTools.ttLib import TTFont  # noqa: PLC0415

    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return list(font.getBestCmap())
    finally:
        font.close()


@dataclass(frozen=True)
class Coverage:
    """Code points a set of faces has glyphs for, as sorted, disjoint [start, end] ranges."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, code_points: Sequence[int]) -> Coverage:
        starts: list[int] = []
        ends: list[int] = []
        for point in sorted(set(code_points)):
            if ends and point == ends[-1] + 1:
                ends[-1] = point
            else:
                starts.append(point)
                ends.append(point)
        return cls(tuple(starts), tuple(ends))

    def __contains__(self, point: object) -> bool:
        if not isinstance(point, int):
            return False
        at = bisect.bisect_right(self.starts, point) - 1
        return at >= 0 and point <= self.ends[at]


class Checker:
    """Which characters some faces print. Remembers the characters seen to print, so that checking
    a whole book's text costs a set difference, not a search per character."""

    def __init__(self, faces: tuple[Face, ...]) -> None:
        self.faces = faces
        self.coverage = _coverage(faces)
        self._printable: set[str] = set()

    def lacking(self, text: str) -> list[str]:
        """The characters of `text` none of the faces has, each once, in order of appearance."""
        new = set(text) - self._printable
        if not new:
            return []
        lacking = {char for char in new if char not in _LAYOUT and ord(char) not in self.coverage}
        self._printable.update(new - lacking)
        return list(dict.fromkeys(char for char in text if char in lacking)) if lacking else []


def _coverage(faces: tuple[Face, ...]) -> Coverage:
    """The faces' coverage, kept in Django's cache (var/cache or Redis) under the font files' paths, sizes
    and times: reading the character maps costs ~1 s (6 s on a loaded machine), once per process else,
    and the first centre onboarded or item saved in every process paid it."""
    from django.core.cache import cache  # noqa: PLC0415

    try:
        key = "glyphs:coverage:" + repr([(f.path, f.index, os.stat(f.path).st_mtime_ns, os.stat(f.path).st_size)
                                         for f in faces])
        key = "glyphs:coverage:" + hashlib.sha256(key.encode()).hexdigest()
        stored = cache.get(key)
    except Exception:  # noqa: BLE001 - no cache (or no settings): read the fonts
        key, stored = "", None
    if isinstance(stored, Coverage):
        return stored
    coverage = Coverage.of([point for face in faces for point in _code_points(face)])
    if key:
        with contextlib.suppress(Exception):  # a cache that cannot be written: the next process reads the fonts
            cache.set(key, coverage, 30 * 24 * 3600)
    return coverage


@lru_cache(maxsize=4)
def checker(faces: tuple[Face, ...]) -> Checker:
    """The (cached) checker of `faces`: each face's character map is read once per process."""
    return Checker(faces)


def faces() -> tuple[Face, ...]:
    """Every face a printed document may use: the primary, then the fallbacks installed."""
    return (primary_face(), *fallback_faces())


def fallback_face_for(char: str) -> Face | None:
    """The first fallback face with a glyph for `char`, or None."""
    return next((face for face in fallback_faces() if not checker((face,)).lacking(char)), None)


def face_for(char: str) -> Face | None:
    """The first face of `faces()` (the full primary face, then the fallbacks) with a glyph for `char`, or
    None: where a document sets a character its printing face lacks."""
    return next((face for face in faces() if not checker((face,)).lacking(char)), None)


def describe(char: str) -> str:
    """`U+21243 𡉃`: how a message names a character (a combining mark on a dotted circle)."""
    shown = f"\u25cc{char}" if unicodedata.combining(char) or unicodedata.category(char).startswith("M") else char
    return f"U+{ord(char):04X} {shown}"


def _within(point: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(start <= point <= end for start, end in ranges)


def printed_form(text: str) -> str:
    """What a document sets for `text`: the default-ignorable code points left out, then NFC, with
    CJK compatibility ideographs kept as typed (the module's docstring says why)."""
    if not text or text.isascii():
        return text
    text = _IGNORABLE.sub("", text)
    return "".join(part if _COMPATIBILITY_IDEOGRAPHS.fullmatch(part) else unicodedata.normalize("NFC", part)
                   for part in _COMPATIBILITY_IDEOGRAPHS.split(text))


#: Why a character is refused, in the order messages name them.
UNCOVERED, COMBINING, PRIVATE, EMOJI_KIND = "uncovered", "combining", "private", "emoji"


@lru_cache(maxsize=4096)
def _refusal(char: str) -> str | None:
    """Why `char` (of a printed form), which a face has, is refused anyway; None if it is not."""
    point = ord(char)
    if _within(point, PRIVATE_USE):
        return PRIVATE
    if _within(point, EMOJI):
        return EMOJI_KIND
    if unicodedata.category(char).startswith("M"):
        return COMBINING
    return None


def refused_characters(text: str) -> dict[str, list[str]]:
    """The characters of `text`'s printed form a document cannot print as meant, each once, in order
    of appearance, by why (`UNCOVERED`, `COMBINING`, `PRIVATE`, `EMOJI_KIND`), as `describe` writes
    them. Empty when all of it prints."""
    if not text or text.isascii() and text.isprintable():
        return {}
    printed = printed_form(text)
    found: dict[str, list[str]] = {}
    for char in dict.fromkeys(printed):
        kind = _refusal(char)
        if kind is not None:
            found.setdefault(kind, []).append(describe(char))
    lacking = [char for char in checker(faces()).lacking(printed) if _refusal(char) is None]
    if lacking:
        found = {UNCOVERED: [describe(char) for char in lacking], **found}
    return found


def unprintable_characters(text: str) -> list[str]:
    """Every character of `text` refused for a printed document, whatever the reason, each once, as
    `describe` writes them (`["U+2EBF0 𮯰"]`). Empty when all of it prints."""
    return [char for chars in refused_characters(text).values() for char in chars]


def _texts(value: object) -> list[str]:
    """The text in a value a document prints: a string, or the strings in a list or dict of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


def _messages() -> dict[str, str]:
    return {
        UNCOVERED: _("%(field)s: %(characters)s cannot be printed, no font of the printed documents has it. "
                     "Write it another way (a common variant, or in pinyin)."),
        COMBINING: _("%(field)s: %(characters)s is an accent with no precomposed letter, which a printed "
                     "document would place on the wrong character. Write the letter another way."),
        PRIVATE: _("%(field)s: %(characters)s is a private-use character, which has no agreed meaning: a "
                   "printed document cannot show what was meant. Write the character itself or describe it."),
        EMOJI_KIND: _("%(field)s: %(characters)s is an emoji, which official documents do not print. Leave it "
                      "out or say it in words."),
    }


def printable_field_errors(values: Mapping[str, object],
                           labels: Mapping[str, object] | None = None) -> dict[str, list[str]]:
    """`{field: [message]}` for each field of `values` holding characters a document cannot print
    (`refused_characters`), one message per reason, each naming the field (its label from `labels`,
    else its name) and the characters; empty when all print. A list or dict value (steps,
    materials) is searched through."""
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        found: dict[str, dict[str, None]] = {}
        for text in _texts(value):
            for kind, described in refused_characters(text).items():
                found.setdefault(kind, {}).update(dict.fromkeys(described))
        if found:
            label = (labels or {}).get(field) or field
            messages = _messages()
            errors[field] = [messages[kind] % {"field": label, "characters": ", ".join(named)}
                             for kind in (UNCOVERED, COMBINING, PRIVATE, EMOJI_KIND) if (named := found.get(kind))]
    return errors


def printable_text(text: str) -> str:
    """The printed form of `text` (`printed_form`), with each character a document cannot print as
    meant written as `[U+2EBF0]`: text saved before the checks never vanishes silently from a page,
    nor prints as a font's guess."""
    text = printed_form(text)
    if not text or text.isascii() and text.isprintable():
        return text
    refused = {char for char in dict.fromkeys(text) if _refusal(char) is not None}
    refused.update(checker(faces()).lacking(text))
    for char in refused:
        text = text.replace(char, f"[U+{ord(char):04X}]")
    return text
