"""`{% joint_case_of case as joint %}`: the joint case a leg belongs to (for the case page's link)."""
from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def joint_case_of(case):
    from joint_approval.models import JointCase

    joint_case_id = getattr(case, "joint_case_id", None)
    if joint_case_id is None:
        return None
    return JointCase.objects.filter(pk=joint_case_id).only("pk", "number").first()
