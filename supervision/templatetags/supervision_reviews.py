"""`{% item_satisfaction item %}`: the item's published satisfaction at this centre (the service guide)."""
from __future__ import annotations

from typing import Any

from django import template

from supervision.reviews.selectors import rate_of_item
from tenants.request import centre_or_none

register = template.Library()


@register.inclusion_tag("supervision/reviews_item_satisfaction.html", takes_context=True)
def item_satisfaction(context: template.Context, item: Any) -> dict:
    request = context.get("request")
    centre = centre_or_none(request) if request is not None else None
    rate = rate_of_item(item_code=item.code, centre=centre)
    return {"rate": rate,
            "satisfaction_percent": None if rate.satisfaction_rate is None else round(rate.satisfaction_rate * 100),
            "bad_percent": None if rate.bad_rate is None else round(rate.bad_rate * 100)}
