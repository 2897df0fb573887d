"""Writes of the assessment room (考核): the city's scoring rules and the inspections of windows and staff
with their deductions. Rules are data: a rule is found by its code; an inspection's points default to
its rule's."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Department
from common.errors import ApplicationError
from supervision.access import require_city_overseer, require_overseer
from supervision.assessment.error_codes import AssessmentErrorCode
from supervision.assessment.models import Inspection, ScoringRule
from tenants.models import Centre, Membership, User


@transaction.atomic
def scoring_rule_save(*, code: str, description_zh: str, description_en: str, points: Decimal,
                      is_active: bool = True, acting_user: User | None,
                      now: dt.datetime | None = None) -> ScoringRule:
    """Create or change a rule (by its code); who changed it and when are kept (`updated_by`,
    `updated_at`). The city's overseers keep the rules; `acting_user=None` is the system (seeding)."""
    if acting_user is not None:
        require_city_overseer(user=acting_user)
    if points < 0:
        raise ApplicationError(_("A deduction is zero points or more."), AssessmentErrorCode.NEGATIVE_POINTS,
                               {"fields": {"points": [_("A deduction is zero points or more.")]}})
    rule, _created = ScoringRule.objects.update_or_create(code=code.strip(), defaults={
        "description_zh": description_zh, "description_en": description_en, "points": points,
        "is_active": is_active, "updated_at": now or timezone.now(), "updated_by": acting_user})
    return rule


@transaction.atomic
def inspection_record(*, centre: Centre, window_number: str, rule: ScoringRule, acting_user: User | None,
                      staff: User | None = None, department: Department | None = None,
                      points: Decimal | None = None, note: str = "", at: dt.datetime | None = None) -> Inspection:
    """Record an inspection's deduction, by `acting_user` (kept as the `inspector`; None: an import). The
    points default to the rule's; the department to the staff member's department at the centre.

    Raises ApplicationError `assessment_rule_inactive` for a retired rule, `assessment_staff_not_at_centre`
    when `staff` holds no role at this centre (a deduction lands on someone who works there)."""
    if acting_user is not None:
        require_overseer(user=acting_user, centre=centre)
    if not rule.is_active:
        raise ApplicationError(_("This rule is no longer in force."), AssessmentErrorCode.RULE_INACTIVE)
    if staff is not None and not Membership.objects.filter(user=staff, centre=centre).exists():
        message = _("%(user)s does not work at %(centre)s.") % {"user": staff.get_username(), "centre": centre.name}
        raise ApplicationError(message, AssessmentErrorCode.STAFF_NOT_AT_CENTRE, {"fields": {"staff": [message]}})
    if department is None and staff is not None:
        code = Membership.objects.filter(user=staff, centre=centre).exclude(department_code="").values_list(
            "department_code", flat=True).first()
        department = Department.objects.filter(code=code).first() if code else None
    return Inspection.objects.create(centre=centre, window_number=window_number.strip(), staff=staff,
                                     department=department, rule=rule,
                                     points=rule.points if points is None else points, note=note,
                                     at=at or timezone.now(), inspector=acting_user)
