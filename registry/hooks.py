"""What the registry asks of the apps above it (typed hooks, common.hooks): they register listeners in
their `AppConfig.ready`, and the registry imports none of them.

- `joint_number_asked`: the progress lookup was given a joint case's number (联办件编号,
  `common.identity.is_joint_case_number`). The app that keeps joint cases (joint_approval) fills in
  what the public may see of it (`JointFacts`); the registry reads the legs' own rows and checks the
  lookup factor against them. Read only.
- `counter_rated`: an applicant rated a hall visit (排队号, `registry.models.HallVisit`) on the window's
  rating pad (评价器). The hall sends it inside its transaction; the app that keeps reviews
  (supervision.reviews) writes the review there and sets `review_id`, or raises its `ApplicationError`
  (a second rating of the visit: a `ConflictError`), which rolls everything back. The hall and
  supervision never import each other: this hook is where they meet.
- `counter_ratings_asked`: which of some hall visits have a rating already (the pad asks whether the
  visit that just finished still waits for one). Read only.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class CounterRated:
    """The hall visit of ticket `ticket_id` at `centre` was rated on its window's pad: `levels` by field
    name (overall, efficiency, service_level, attitude: the national five levels' values), `comment`
    free text, at `now`. The listener that writes the review sets `review_id`."""

    centre: Centre
    ticket_id: uuid.UUID
    levels: dict[str, str]
    comment: str
    now: dt.datetime
    review_id: int | None = None


counter_rated: Hook[CounterRated] = Hook("counter_rated")


@dataclass
class CounterRatingsAsked:
    """Which of the hall visits of `ticket_ids` at `centre` are rated: the listener adds them to `rated`,
    and says what a pad asks: `levels` ((value, label), best first: the national five levels) and
    `dimensions` ((field name, label, required), overall first). Labels are lazy translations."""

    centre: Centre
    ticket_ids: tuple[uuid.UUID, ...] = ()
    rated: set[uuid.UUID] = field(default_factory=set)
    levels: list[tuple[str, Any]] = field(default_factory=list)
    dimensions: list[tuple[str, Any, bool]] = field(default_factory=list)


counter_ratings_asked: Hook[CounterRatingsAsked] = Hook("counter_ratings_asked")
