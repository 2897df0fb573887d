"""`{% joint_case_of case as joint %}`: the joint case a leg belongs to (for the case page's link).
`{% joint_follows as follows %}`: whether the user has joint cases to follow on this host (the
sub-navigation's links)."""
from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def joint_follows(context) -> bool:
    from joint_approval.selectors import follows_joint_cases

    request = context.get("request")
    if request is None:
        return False
    return follows_joint_cases(user=request.user, centre=getattr(request, "centre", None))


@register.simple_tag
def joint_case_of(case):
    from joint_approval.models import JointCase

    joint_case_id = getattr(case, "joint_case_id", None)
    if joint_case_id is None:
        return None
    return JointCase.objects.filter(pk=joint_case_id).only("pk", "number").first()
