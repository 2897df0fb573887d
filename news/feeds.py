"""A centre's news as an Atom feed (django.contrib.syndication, Atom 1.0): the latest 20 published posts."""
from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from news.models import Post
from news.selectors import published_posts
from tenants.models import Centre
from tenants.request import centre_of

FEED_SIZE = 20


class CentreNewsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs) -> Centre:  # noqa: ARG002 - Feed's signature
        return centre_of(request)

    def title(self, obj: Centre) -> str:
        return _("%(centre)s: news and policy changes") % {"centre": obj.name}

    def subtitle(self, obj: Centre) -> str:
        return _("News, notices and procedure changes of %(centre)s.") % {"centre": obj.name}

    def link(self) -> str:
        return reverse("news-list")

    def feed_url(self) -> str:
        return reverse("news-feed")

    def author_name(self, obj: Centre) -> str:
        return obj.name

    def items(self, obj: Centre):
        return published_posts(centre=obj)[:FEED_SIZE]

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.html

    def item_link(self, item: Post) -> str:
        return reverse("news-detail", args=[item.pk])

    def item_pubdate(self, item: Post):
        return item.published_at

    def item_updateddate(self, item: Post):
        return max(item.updated_at, item.published_at) if item.published_at else item.updated_at

    def item_categories(self, item: Post) -> list[str]:
        return [str(item.get_kind_display())]
