"""Case statuses, channels and the transition map (the lifecycle as data)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.choices import Role


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting missing materials")
    SUPPLEMENTED = "supplemented", _("Materials supplemented")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    RESULT_READY = "result_ready", _("Result ready to collect")
    COLLECTED = "collected", _("Collected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    PROXY = "proxy", _("Proxy filing")
    JOINT = "joint", _("Joint approval")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Action(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REFUSE = "refuse", _("Refuse (不予受理)")
    ISSUE_NOTICE = "issue_notice", _("Issue a one-time notice")
    SUPPLEMENT = "supplement", _("Record the supplemented materials")
    START_REVIEW = "start_review", _("Start the review")
    APPROVE = "approve", _("Approve")
    DENY = "deny", _("Deny")
    RESULT_READY = "result_ready", _("Result ready")
    COLLECT = "collect", _("Result collected")
    WITHDRAW = "withdraw", _("Withdraw")


class CaseEventKind(models.TextChoices):
    """What a case event records: the submission, each action of the lifecycle, and a change of the
    due dates because the calendar changed (a holiday schedule entered, a closure day)."""

    SUBMIT = "submit", _("Submitted")
    ACCEPT = Action.ACCEPT.value, Action.ACCEPT.label
    REFUSE = Action.REFUSE.value, Action.REFUSE.label
    ISSUE_NOTICE = Action.ISSUE_NOTICE.value, Action.ISSUE_NOTICE.label
    SUPPLEMENT = Action.SUPPLEMENT.value, Action.SUPPLEMENT.label
    START_REVIEW = Action.START_REVIEW.value, Action.START_REVIEW.label
    APPROVE = Action.APPROVE.value, Action.APPROVE.label
    DENY = Action.DENY.value, Action.DENY.label
    RESULT_READY = Action.RESULT_READY.value, Action.RESULT_READY.label
    COLLECT = Action.COLLECT.value, Action.COLLECT.label
    WITHDRAW = Action.WITHDRAW.value, Action.WITHDRAW.label
    DUE_RECOMPUTED = "due_recomputed", _("Due dates recomputed (the calendar changed)")


assert set(Action.values) <= set(CaseEventKind.values), "every action is a kind of event"  # noqa: S101

#: The lowest online depth (网上办理深度, `ItemVersion.online_depth`) at which an item is applied for online:
#: 3 online application (网上申报), 4 fully online (全程网办).
ONLINE_DEPTH_MIN = 3

#: Who is the applicant acting online (not a staff role).
APPLICANT = "applicant"

_CLERKS = frozenset({Role.WINDOW_CLERK, Role.CHIEF_REPRESENTATIVE, Role.CENTRE_ADMIN})
_DECIDERS = frozenset({Role.CHIEF_REPRESENTATIVE, Role.CENTRE_ADMIN})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    note_required: bool = False
    #: Where the step leads on a case never accepted, when not to `target` (the supplement of a notice
    #: issued at the pre-check goes back to the pre-check, not on to the review).
    target_unaccepted: str | None = None

    def target_for(self, *, accepted: bool) -> str:
        """The status this step leads to on an accepted case, or on one not accepted yet."""
        return self.target if accepted or self.target_unaccepted is None else self.target_unaccepted


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition(Action.ACCEPT, frozenset({CaseStatus.SUBMITTED}), CaseStatus.ACCEPTED, _CLERKS),
    Transition(Action.REFUSE, frozenset({CaseStatus.SUBMITTED}), CaseStatus.REFUSED, _CLERKS, note_required=True),
    # The one-time notice (一次性告知) at the pre-check, before acceptance (no clock to pause), or later (paused).
    Transition(Action.ISSUE_NOTICE, frozenset({CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW}),
               CaseStatus.AWAITING_SUPPLEMENT, _CLERKS),
    # Recorded by a clerk, or by the applicant uploading every missing material online. A case never
    # accepted goes back to the pre-check (submitted); an accepted one resumes its clock (supplemented).
    Transition(Action.SUPPLEMENT, frozenset({CaseStatus.AWAITING_SUPPLEMENT}), CaseStatus.SUPPLEMENTED,
               _CLERKS | {APPLICANT}, target_unaccepted=CaseStatus.SUBMITTED),
    Transition(Action.START_REVIEW, frozenset({CaseStatus.ACCEPTED, CaseStatus.SUPPLEMENTED}),
               CaseStatus.UNDER_REVIEW, _CLERKS),
    Transition(Action.APPROVE, frozenset({CaseStatus.UNDER_REVIEW}), CaseStatus.APPROVED, _DECIDERS),
    Transition(Action.DENY, frozenset({CaseStatus.UNDER_REVIEW}), CaseStatus.DENIED, _DECIDERS, note_required=True),
    Transition(Action.RESULT_READY, frozenset({CaseStatus.APPROVED, CaseStatus.DENIED}), CaseStatus.RESULT_READY,
               _CLERKS),
    Transition(Action.COLLECT, frozenset({CaseStatus.RESULT_READY}), CaseStatus.COLLECTED, _CLERKS),
    Transition(Action.WITHDRAW, frozenset({CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.AWAITING_SUPPLEMENT,
                                           CaseStatus.SUPPLEMENTED, CaseStatus.UNDER_REVIEW}),
               CaseStatus.WITHDRAWN, _CLERKS | {APPLICANT}),
]}

TERMINAL = frozenset({CaseStatus.REFUSED, CaseStatus.COLLECTED, CaseStatus.WITHDRAWN})
#: The clock runs (deadlines count) in these statuses; it stops at the decision.
CLOCK_RUNNING = frozenset({CaseStatus.ACCEPTED, CaseStatus.SUPPLEMENTED, CaseStatus.UNDER_REVIEW})
CLOCK_PAUSED = frozenset({CaseStatus.AWAITING_SUPPLEMENT})
DECIDED = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.RESULT_READY, CaseStatus.COLLECTED})


def actions_from(status: str, roles: set[str]) -> list[Transition]:
    """The transitions open from `status` to someone with `roles`."""
    return [t for t in TRANSITIONS.values() if status in t.sources and t.roles & roles]
