"""The faces printed documents are set in, and which characters they can print (字形覆盖).

A printed document (the guide book, `catalog.guidebook`) is set in Noto Sans CJK SC, from the
`noto-cjk-sans-otc` package, with fallback faces for what Noto lacks: the CJK extensions, where
village and personal names often live (`𡉃`, U+21243, Extension B):

- HanaMin B (花園明朝 B, Debian's `fonts-hanazono`, Hanazono Font Licence or SIL OFL 1.1):
  Extensions B to F, nearly whole;
- BabelStone Han (Debian's `fonts-babelstone-han`, Arphic Public Licence / CC BY-SA): much of
  Extensions G and H and the compatibility supplement, and Extension B's few left.

No package on PyPI carries such a face under a free licence, so these come from Debian
(`apt-get install fonts-hanazono fonts-babelstone-han`; the README and `.ci/run` say so). A face
not installed is left out, and then the characters only it has count as unprintable.

What no face has would vanish from the page, so it is refused when saved:
`unprintable_characters(text)` names such characters and `printable_field_errors(values)` turns
them into per-field messages; every service that saves text a document prints calls the latter.
The coverage is read from the faces' character maps once per process and kept as sorted ranges.
"""
from __future__ import annotations

import bisect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True)
class Face:
    """A font file (and the face's index in it, for a collection)."""

    name: str
    path: str
    index: int = 0


@lru_cache(maxsize=1)
def primary_face() -> Face:
    """Noto Sans CJK SC in the collection of the `noto-cjk-sans-otc` package."""
    import noto_cjk_sans_otc  # noqa: PLC0415 - font data, read when a document is first printed or checked
    from fontTools.ttLib import TTCollection  # noqa: PLC0415 - 50 ms to import

    path = str(noto_cjk_sans_otc.FONT_PATH)
    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(4) == PRIMARY_FACE:
                return Face(PRIMARY_FACE, path, index)
    finally:
        collection.close()
    raise LookupError(f"{PRIMARY_FACE} is not in {path}")


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
        self.coverage = Coverage.of([point for face in faces for point in _code_points(face)])
        self._printable: set[str] = set()

    def lacking(self, text: str) -> list[str]:
        """The characters of `text` none of the faces has, each once, in order of appearance."""
        new = set(text) - self._printable
        if not new:
            return []
        lacking = {char for char in new if char not in _LAYOUT and ord(char) not in self.coverage}
        self._printable.update(new - lacking)
        return list(dict.fromkeys(char for char in text if char in lacking)) if lacking else []


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


def describe(char: str) -> str:
    """`U+21243 𡉃`: how a message names a character."""
    return f"U+{ord(char):04X} {char}"


def unprintable_characters(text: str) -> list[str]:
    """The characters of `text` that no face has a glyph for, each once, in order of appearance, as
    `describe` writes them (`["U+2EBF0 𮯰"]`). Empty when all of it prints."""
    if not text or text.isascii() and text.isprintable():
        return []
    return [describe(char) for char in checker(faces()).lacking(text)]


def _texts(value: object) -> list[str]:
    """The text in a value a document prints: a string, or the strings in a list or dict of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return []


def printable_field_errors(values: Mapping[str, object],
                           labels: Mapping[str, object] | None = None) -> dict[str, list[str]]:
    """`{field: [message]}` for each field of `values` holding characters no face can print, each
    message naming the field (its label from `labels`, else its name) and the characters; empty when
    all print. A list or dict value (steps, materials) is searched through."""
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        missing: dict[str, None] = {}
        for text in _texts(value):
            missing.update(dict.fromkeys(unprintable_characters(text)))
        if missing:
            label = (labels or {}).get(field) or field
            errors[field] = [
                _("%(field)s: %(characters)s cannot be printed, no font of the printed documents has it. "
                  "Write it another way (a common variant, or in pinyin).")
                % {"field": label, "characters": ", ".join(missing)}]
    return errors


def printable_text(text: str) -> str:
    """`text` with each character no face can print written as `[U+2EBF0]`: text saved before the
    check never vanishes silently from a page."""
    for char in checker(faces()).lacking(text) if text else ():
        text = text.replace(char, f"[U+{ord(char):04X}]")
    return text
