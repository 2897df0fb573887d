"""`{% item_satisfaction item %}`: the item's published satisfaction at this centre (the service guide)."""
from __future__ import annotations

from django import template

from supervision.review_selectors import rate_of_item

register = template.Library()


@register.inclusion_tag("supervision/reviews_item_satisfaction.html", takes_context=True)
def item_satisfaction(context, item) -> dict:
    request = context.get("request")
    centre = getattr(request, "centre", None)
    rate = rate_of_item(item_code=item.code, centre=centre)
    return {"rate": rate,
            "satisfaction_percent": None if rate.satisfaction_rate is None else round(rate.satisfaction_rate * 100),
            "bad_percent": None if rate.bad_rate is None else round(rate.bad_rate * 100)}
