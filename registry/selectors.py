"""Reads of the registry: the public progress lookup (no sign-in, no personal data), a centre's open cases."""
from __future__ import annotations

import hmac

from common.identity import normalise_case_number
from registry.hashing import lookup_hmac
from registry.models import RegistryEntry
from tenants.models import Centre

#: Compared against when the number is unknown, so that an unknown number costs what a wrong factor does.
_NO_MATCH = ["0" * 64, "0" * 64]


def progress_lookup(*, number: str, factor: str) -> RegistryEntry | None:
    """The registry entry of case `number` if `factor` (the last four characters of the applicant's ID
    number or mobile phone) matches it; None both for an unknown number and for a wrong factor. Both
    are normalised first (full-width digits from an IME, spaces, a lower-case x).

    The HMAC is computed and compared with every stored value in constant time whether the number
    exists or not, so the two answers take about the same time.
    """
    number = normalise_case_number(number)
    candidate = lookup_hmac(number, factor or "")
    entry = RegistryEntry.objects.select_related("centre").filter(number=number).first()
    stored = list(entry.lookup_hmacs) if entry is not None else []
    stored += _NO_MATCH[len(stored):]
    matched = False
    for value in stored:
        matched |= hmac.compare_digest(candidate, value)
    return entry if matched and entry is not None else None


def open_case_count(*, centre: Centre) -> int:
    """How many of `centre`'s cases are open (not finished), paused ones included."""
    return RegistryEntry.objects.filter(centre=centre, is_open=True).count()
