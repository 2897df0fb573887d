"""Checks on centre input, shared by one-at-a-time and bulk onboarding.

Every message names its field and comes in the request's language (Chinese or English).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.glyphs import printable_field_errors
from tenants.choices import ALLOWED_PARENT_LEVELS, DIVISION_CODE_LENGTH, Level

SLUG_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")
CODE_RE = re.compile(r"^[0-9]+$")

#: The fields of a centre row, in the order of the CSV/Excel header.
FIELDS = ("level", "code", "slug", "name_zh", "name_en", "parent_code")

#: How a field is named in a message (the same words as on the onboarding form).
FIELD_LABELS = {
    "level": gettext_lazy("Level"),
    "code": gettext_lazy("Division code"),
    "slug": gettext_lazy("Address label (slug)"),
    "name_zh": gettext_lazy("Name (Chinese)"),
    "name_en": gettext_lazy("Name (English)"),
    "parent_code": gettext_lazy("Parent centre's division code"),
}


def level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


@dataclass(frozen=True)
class CentreInput:
    """What it takes to onboard one centre."""

    level: str
    code: str
    slug: str
    name_zh: str
    name_en: str
    parent_code: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> CentreInput:
        def text(key: str) -> str:
            value = data.get(key)
            if value is None:
                return ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # Excel gives numeric cells as floats
            return str(value).strip()

        return cls(level=text("level").lower(), code=text("code"), slug=text("slug").lower(),
                   name_zh=text("name_zh"), name_en=text("name_en"), parent_code=text("parent_code"))

    @property
    def domain(self) -> str:
        return f"{self.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def schema_name(self) -> str:
        return f"c{self.code}"


@dataclass
class KnownCentre:
    """What validation needs to know of an existing (or earlier in the file) centre."""

    code: str
    level: str
    slug: str


@dataclass
class Errors:
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)


def _check_name_lengths(errors: Errors, *, name_zh: str, name_en: str) -> None:
    """Lengths, and characters: a centre's name is printed (the guide book's cover and pages)."""
    if len(name_zh) > 100:
        errors.add("name_zh", _("The Chinese name is longer than 100 characters."))
    if len(name_en) > 150:
        errors.add("name_en", _("The English name is longer than 150 characters."))
    for name, problems in printable_field_errors({"name_zh": name_zh, "name_en": name_en}, FIELD_LABELS).items():
        for problem in problems:
            errors.add(name, problem)


def validate_centre_names(*, name_zh: str, name_en: str) -> Errors:
    """The rules on a centre's names alone (renaming): both given, neither too long."""
    errors = Errors()
    for name, value in (("name_zh", name_zh), ("name_en", name_en)):
        if not value:
            errors.add(name, _("%(field)s is required.") % {"field": FIELD_LABELS[name]})
    _check_name_lengths(errors, name_zh=name_zh, name_en=name_en)
    return errors


def validate_centre_input(
    data: CentreInput,
    *,
    by_code: Mapping[str, KnownCentre],
    by_slug: Mapping[str, KnownCentre],
    has_city: bool,
) -> Errors:
    """All the problems with `data`, by field. `by_code`/`by_slug` are the centres that exist
    (plus, in a bulk import, the rows above this one)."""
    errors = Errors()
    for name in FIELDS:
        if name != "parent_code" and not getattr(data, name):
            errors.add(name, _("%(field)s is required.") % {"field": FIELD_LABELS[name]})
    if errors:
        return errors

    if data.level not in Level.values:
        errors.add("level", _("Unknown level “%(value)s”: use one of %(choices)s.")
                   % {"value": data.level, "choices": ", ".join(Level.values)})
        return errors

    length = DIVISION_CODE_LENGTH[data.level]
    if not CODE_RE.match(data.code) or len(data.code) != length:
        errors.add("code", _("Malformed division code “%(value)s”: a %(level)s centre's code is "
                             "%(length)d digits.") % {"value": data.code, "level": level_label(data.level),
                                                      "length": length})
    if not SLUG_RE.match(data.slug):
        errors.add("slug", _("Malformed slug “%(value)s”: use 1–40 lower-case letters, digits and "
                             "hyphens, not starting or ending with a hyphen.") % {"value": data.slug})
    _check_name_lengths(errors, name_zh=data.name_zh, name_en=data.name_en)

    existing = by_code.get(data.code)
    other_slug = by_slug.get(data.slug)
    if other_slug is not None and other_slug.code != data.code:
        errors.add("slug", _("Duplicate domain: “%(domain)s” already belongs to centre %(code)s.")
                   % {"domain": data.domain, "code": other_slug.code})
    if existing is not None and (existing.slug != data.slug or existing.level != data.level):
        errors.add("code", _("Duplicate division code: %(code)s already belongs to another centre "
                             "(%(slug)s, %(level)s).") % {"code": data.code, "slug": existing.slug,
                                                         "level": level_label(existing.level)})

    allowed = ALLOWED_PARENT_LEVELS[data.level]
    if allowed is None:
        if data.parent_code:
            errors.add("parent_code", _("The city centre has no parent."))
        if has_city and existing is None:
            errors.add("level", _("There is already a city centre."))
    elif not data.parent_code:
        errors.add("parent_code", _("A %(level)s centre needs a parent centre.") % {"level": level_label(data.level)})
    else:
        parent = by_code.get(data.parent_code)
        if parent is None:
            errors.add("parent_code", _("Unknown parent centre “%(value)s”.") % {"value": data.parent_code})
        elif parent.level not in allowed:
            errors.add("parent_code", _("A %(level)s centre cannot sit under a %(parent_level)s centre "
                                        "(%(parent)s); allowed parents: %(allowed)s.")
                       % {"level": level_label(data.level), "parent_level": level_label(parent.level),
                          "parent": parent.code,
                          "allowed": ", ".join(level_label(lv) for lv in sorted(allowed))})
        elif data.level == Level.TOWNSHIP and "code" not in errors.fields \
                and not data.code.startswith(parent.code):
            errors.add("code", _("A township's division code starts with its parent's code %(parent)s.")
                       % {"parent": parent.code})
    return errors
