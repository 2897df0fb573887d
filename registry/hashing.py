"""The HMAC that binds a progress-lookup factor to one case number (the registry holds no personal
data: the applicant's identity only as `common.identity.identity_hmac`)."""
from __future__ import annotations

import hashlib
import hmac

from common.identity import hmac_key, normalise_case_number, normalise_identifier


def lookup_hmac(number: str, factor: str) -> str:
    """A progress-lookup factor (the last four characters of the ID number or the mobile) bound to one
    case number; both normalised first (full-width digits, spaces, a lower-case x)."""
    message = f"{normalise_case_number(number)}|{normalise_identifier(factor)}"
    return hmac.new(hmac_key(), message.encode(), hashlib.sha256).hexdigest()
