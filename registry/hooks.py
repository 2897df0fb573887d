"""What the registry asks of the apps above it (typed hooks, common.hooks): they register listeners in
their `AppConfig.ready`, and the registry imports none of them.

- `joint_number_asked`: the progress lookup was given a joint case's number (联办件编号,
  `common.identity.is_joint_case_number`). The app that keeps joint cases (joint_approval) fills in
  what the public may see of it (`JointFacts`); the registry reads the legs' own rows and checks the
  lookup factor against them. Read only.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from common.hooks import Hook
from common.i18n import pick
from tenants.models import Centre


@dataclass(frozen=True)
class JointFacts:
    """What the public may see of a joint case beyond its legs' rows: no applicant, no ID number, no
    phone. `status` is the joint case's own (running, completed, partly denied…) with `status_label`
    in the reader's language; `leg_case_ids` the legs' case UUIDs in the order of their positions;
    `accepted_on` and `due` (the latest leg's promised date) are days."""

    joint_case_id: uuid.UUID
    number: str
    title_zh: str
    title_en: str
    status: str
    status_label: str
    is_open: bool
    accepting_centre: Centre
    accepted_on: dt.date
    due: dt.date | None
    completed_at: dt.datetime | None
    leg_case_ids: tuple[uuid.UUID, ...]

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)


@dataclass
class JointNumberAsked:
    """The joint case number `number` (normalised) is looked up; a listener that knows it sets `facts`."""

    number: str
    facts: JointFacts | None = None


joint_number_asked: Hook[JointNumberAsked] = Hook("joint_number_asked")
