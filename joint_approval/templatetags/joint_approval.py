"""`{% joint_case_of case as joint %}`: the joint case a leg belongs to (for the case page's link).
`{% joint_follows as follows %}`: whether the user has joint cases to follow on this host (the
sub-navigation's links)."""
from __future__ import annotations

from django import template

from joint_approval.models import JointCase
from joint_approval.selectors import follows_joint_cases
from tenants.request import centre_or_none

register = template.Library()


@register.simple_tag(takes_context=True)
def joint_follows(context) -> bool:
    request = context.get("request")
    if request is None:
        return False
    return follows_joint_cases(user=request.user, centre=centre_or_none(request))


@register.simple_tag
def joint_case_of(case):
    joint_case_id = getattr(case, "joint_case_id", None)
    if joint_case_id is None:
        return None
    return JointCase.objects.filter(pk=joint_case_id).only("pk", "number").first()
