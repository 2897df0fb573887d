"""What the reviews room tells the apps above it (typed hooks, common.hooks): they register listeners in
their `AppConfig.ready`, and supervision imports none of them.

- `inquiry_answered`: a complaint, consultation or letter to the director (投诉、咨询、主任信箱) was
  answered. Sent inside the answer's transaction with the answered `Inquiry`; the online service hall
  (portal) tells the account that asked (`Inquiry.applicant_id`) by SMS. A listener's error rolls the
  answer back.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from common.hooks import Hook

if TYPE_CHECKING:
    from supervision.reviews.models import Inquiry

inquiry_answered: Hook[Inquiry] = Hook("inquiry_answered")
