"""`{% latest_news centre %}`: the latest five posts of a centre, for its home page (the home page's app sits
below news and cannot ask for them itself)."""
from django import template

from news.selectors import published_posts

register = template.Library()

LATEST = 5


@register.inclusion_tag("news/_latest.html")
def latest_news(centre) -> dict:
    return {"posts": list(published_posts(centre=centre)[:LATEST]) if centre is not None else []}
