"""Who a person or an organisation is, read one way at every door (window, online, proxy, joint,
consent, key projects, lookups): normalised, checked, hashed and masked here and nowhere else.

Real input arrives from IMEs and spreadsheets: full-width digits and letters (６１０１…, Ｘ), spaces
(the ideographic one too) and hyphens. `normalise_identifier` folds them (NFKC, whitespace and dashes
removed, upper case) *before* anything is checked, stored or hashed, so one number is one person
everywhere (the registry's HMAC, consent, reviews, the progress lookup).

Resident ID numbers (居民身份证号码, GB 11643-1999): 18 characters — a 6-digit division code, the birth
date (YYYYMMDD), a 3-digit sequence and a check character (ISO 7064 MOD 11-2, `0`–`9` or `X`). The
division code is where the number was first issued, and most people born before the mid-1980s got
theirs as adults: a county code may be younger than its holder (610116, Chang'an District since 2002,
on a person born in 1980). So a number is never refused for that (python-stdnum's `cn.ric` does);
only its province and prefecture (the first four digits) must be a real division, present or past.

Unified social credit codes (统一社会信用代码, GB 32100-2015): python-stdnum's `cn.uscc`.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import importlib.resources
import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

_EARLIEST_BIRTH = dt.date(1900, 1, 1)


def normalise_identifier(value: str | None) -> str:
    """An ID number, credit code or lookup factor as typed → as stored: NFKC (full-width ６ → 6, Ｘ → X),
    whitespace and dashes (any of Unicode's, category Pd) removed, upper case:
    `" ６１０１０３-1985 0615 100x "` → `"61010319850615100X"`."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Pd").upper()


#: The first letter of a joint case's number (联办件编号): `J<division code>-<YYYYMMDD>-<4-digit sequence>`.
JOINT_CASE_PREFIX = "J"


def normalise_case_number(value: str | None) -> str:
    """A case number as typed → as stored (`<division code>-<YYYYMMDD>-<5-digit sequence>`, the division
    code 6 digits, or 9 for a township; a joint case's `J<division code>-<YYYYMMDD>-<4-digit sequence>`):
    NFKC, upper case, any dash (Unicode category Pd) or run of whitespace between groups read as one `-`,
    ends stripped. A number read out over the phone and typed without separators (19 or 22 digits; a
    joint one J and 18 or 21) gets its hyphens back:
    `" ６１０１０３－２０２６…"`, `"610103 20261130 00011"`, `"6101032026113000011"` → `"610103-20261130-00011"`;
    `"j 610103 20261130 0001"`, `"J610103202611300001"` → `"J610103-20261130-0001"`."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    text = "".join("-" if unicodedata.category(ch) == "Pd" or ch.isspace() else ch for ch in text)
    text = re.sub(r"-+", "-", text).strip("-")
    if text.startswith(JOINT_CASE_PREFIX + "-"):
        text = JOINT_CASE_PREFIX + text[2:]
    bare = re.fullmatch(r"([0-9]{6}|[0-9]{9})([0-9]{8})([0-9]{5})", text)
    if bare:
        return "-".join(bare.groups())
    joint = re.fullmatch(JOINT_CASE_PREFIX + r"([0-9]{6}|[0-9]{9})([0-9]{8})([0-9]{4})", text)
    return JOINT_CASE_PREFIX + "-".join(joint.groups()) if joint else text


def is_joint_case_number(number: str) -> bool:
    """Whether `number` (as `normalise_case_number` returns it) names a joint case (联办件) rather than
    one case: a joint number starts with `JOINT_CASE_PREFIX`; a case's with its division code's digits."""
    return number.startswith(JOINT_CASE_PREFIX)


@functools.cache
def _prefectures() -> frozenset[str]:
    """Every province + prefecture (the first four digits of a division code) that exists or existed,
    from python-stdnum's table of county-level codes (`cn/loc.dat`: a 2-digit province line, then its
    4-digit county lines)."""
    found: set[str] = set()
    province = ""
    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code = line.split()[0]
        if not line.startswith(" ") and len(code) == 2:
            province = code
        elif province and len(code) == 4 and line.startswith(" "):
            found.add(province + code[:2])
    return frozenset(found)


def resident_id_problem(number: str, *, today: dt.date | None = None) -> str | None:
    """Why `number` (already normalised) is not a resident ID number, in the user's language, or None.

    Checks: 18 characters, 17 digits then a digit or X, a real birth date not in the future and not
    before 1900, the check character, and that the province and prefecture are a real division code.
    Never the county-at-birth-year rule (see the module docstring)."""
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("A resident ID number has 18 characters: 17 digits, then a digit or X.")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("The birth date in this ID number (characters 7–14) is not a real date.")
    if born > (today or timezone.localdate()) or born < _EARLIEST_BIRTH:
        return _("The birth date in this ID number (characters 7–14) is in the future or before 1900.")
    if number[17] != ric.calc_check_digit(number):
        return _("The check character of this ID number is wrong: check every digit.")
    if number[:4] not in _prefectures():
        return _("The first digits of this ID number are not a division code of China.")
    return None


def credit_code_problem(code: str) -> str | None:
    """Why `code` (already normalised) is not a unified social credit code, or None."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters.")
    if not uscc.is_valid(code):
        return _("Not a valid unified social credit code (check every character, the last is a check "
                 "character).")
    return None


def normalise_mobile(phone: str | None) -> str | None:
    """A Chinese mobile number as typed (full-width digits, spaces, `+86`, hyphens) → E.164
    (`+8613812345678`), or None when it is not a mobile number."""
    text = normalise_identifier(phone).removeprefix("00")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.number_type(parsed) not in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- hashing: match a person without holding their number -----------------------------------------

def hmac_key() -> bytes:
    """The key of the platform's HMACs of identities (REGISTRY_HMAC_KEY, else derived from SECRET_KEY)."""
    return (settings.REGISTRY_HMAC_KEY or f"registry:{settings.SECRET_KEY}").encode()


def identity_hmac(number: str) -> str:
    """The same person or organisation gives the same value in every centre and every app (the number
    normalised first: a full-width ID and an ASCII one are one person). 64 hex characters."""
    return hmac.new(hmac_key(), normalise_identifier(number).encode(), hashlib.sha256).hexdigest()


def recipient_hmac(phone: str) -> str:
    """`identity_hmac` of a phone in E.164 (as typed: `138 1234 5678` and `+8613812345678` give one value):
    how a number's SMS are found in the outbox, whose `to` is encrypted."""
    return identity_hmac(normalise_mobile(phone) or phone)


# --- masking: one format each, wherever a number or a name is shown or logged ----------------------

def mask_id_number(value: str) -> str:
    """An ID number or credit code with all but its last four characters hidden (the lookup factor):
    `610103198506151004` → `**************1004`."""
    value = value or ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_phone(value: str) -> str:
    """A phone number with its middle four digits hidden, country code dropped: `+8613812345678` →
    `138****5678`; anything shorter than 7 digits → `****`."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


#: A mainland mobile number (with or without +86 / 86) or an 18-character resident ID number, standing alone.
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9][0-9]{9}(?![0-9])")
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_numbers_in(text: str, *, to: str = "") -> str:
    """A message's text with the recipient's number `to` (in any form) and any mobile or ID number masked,
    should a template have put one there: `回电 13812345678` → `回电 138****5678`."""
    if to:
        text = text.replace(to, mask_phone(to))
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name and two stars, whatever the name's length (not even that shows)."""
    name = (name or "").strip()
    return (name[:1] + "**") if name else ""
