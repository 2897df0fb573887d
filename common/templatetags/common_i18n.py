"""`{{ names|names_list }}`: a list of names joined in the reader's language (common.i18n.join_names):
`甲、乙` in Chinese, `a, b` in English. The result is escaped like any other value."""
from __future__ import annotations

from collections.abc import Iterable

from django import template

from common.i18n import join_names

register = template.Library()


@register.filter
def names_list(names: Iterable[object] | None) -> str:
    return join_names(names or [])
