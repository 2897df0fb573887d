"""What `cases` announces to the apps above it (typed hooks, common.hooks): they register listeners
in their `AppConfig.ready`, and `cases` imports none of them.

- `cases_filed`: new cases were written (one at the window or online, or a centre's legs of a joint
  case submitted already accepted). Inside the filing's transaction. The registry writes their rows.
- `case_changed`: a case moved (a transition) or its due dates were recomputed. Inside the change's
  transaction, after the case row and its event are written. The registry mirrors it; a joint case
  follows its leg.
- `step_refused`: a step was refused as out of process (a role not allowed to take it, or a step
  skipped from the state the caller saw — never a race lost to another clerk). Outside the refused
  change: what a listener writes stays. Supervision records a finding.
- `proxy_carrier` (a read hook): who brings a proxy filing's (代办) result to the resident, for the
  applicant's SMS. `cases` names the agent who filed it; a listener may name the filing's agent now
  (a filing handed on when an agent's post ends). Listeners only set the names.
- `case_page`: what the apps above add to a case's page for the staff reading it (a read hook; nothing
  is written). Delegation adds a proxy filing's consent record and its agent's handover log.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cases.models import Case
from common.hooks import Hook
from tenants.models import Centre, User


@dataclass(frozen=True)
class CasesFiled:
    """`cases` were just written at `centre` at `now`; `accepted`: submitted already accepted (the legs
    of a joint case), so their public history has both steps."""

    centre: Centre
    cases: list[Case]
    now: dt.datetime
    accepted: bool = False


@dataclass(frozen=True)
class CaseChanged:
    """`case` (as saved) changed at `centre`: `kind` is a `CaseEventKind` (an action, or
    `due_recomputed`), `from_status` its status before, `note` the event's note (a refusal's or a
    denial's reason); `status_changed` whether the public history gets a step; `holder` (zh, en) who
    that step names instead of the department (a result collected by proxy: the agent)."""

    centre: Centre
    case: Case
    kind: str
    from_status: str
    now: dt.datetime
    note: str = ""
    holder: tuple[str, str] | None = None

    @property
    def status_changed(self) -> bool:
        return self.case.status != self.from_status


@dataclass(frozen=True)
class StepRefused:
    """An out-of-process step: `kind` is `wrong_role` or `step_skipped`, `action` what was tried on
    `case` (its status then), by `acting_user`."""

    centre: Centre
    case: Case
    kind: str
    action: str
    acting_user: User | None
    now: dt.datetime


@dataclass
class ProxyCarrier:
    """Who carries the result of `case` (filed by proxy at `centre`) to the resident: their names in
    Chinese and English, filled in by `cases` (the filing agent) and changed by listeners."""

    centre: Centre
    case: Case
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class PageSection:
    """One section of the case page: `title` (translated), `html` (rendered and escaped by the app that
    answers, e.g. with `render_to_string`), `key` (a stable name: the section's id on the page)."""

    key: str
    title: str
    html: str


@dataclass
class CasePage:
    """`case` of `centre` is shown to `user`; listeners append the sections they have for it (in the
    order they were connected). Read only."""

    centre: Centre
    case: Case
    user: User
    sections: list[PageSection] = field(default_factory=list)


WRONG_ROLE = "wrong_role"
STEP_SKIPPED = "step_skipped"

cases_filed: Hook[CasesFiled] = Hook("cases_filed")
case_changed: Hook[CaseChanged] = Hook("case_changed")
step_refused: Hook[StepRefused] = Hook("step_refused")
proxy_carrier: Hook[ProxyCarrier] = Hook("proxy_carrier")
case_page: Hook[CasePage] = Hook("case_page")
