"""News posts (工作动态) of the centres: public schema, one table for every centre (the city's list reads
it in one query)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import pick
from common.models import TimeStampedModel
from news.choices import PostKind, PostStatus


class Post(TimeStampedModel):
    """A post of a centre's news and policy changes (工作动态): news, a notice, or a "procedure changed" post
    (办事指南变更) written by itself when a new version of an item the centre exercises takes effect.

    The body is Markdown (`body_zh`, `body_en`); its sanitised HTML (`news.text.render`) is kept beside it
    (`html_zh`, `html_en`) and is all a page shows. Readers see a post once it is published and its
    `published_at` has come (a procedure change is dated on the version's effective date). `revision`
    counts saves: an edit made on an older revision is refused (two editors at once: the first wins)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="news_posts")
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices, default=PostKind.NEWS)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_zh = models.TextField(_("text (Chinese, Markdown)"))
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    html_zh = models.TextField(_("text (Chinese, HTML)"), editable=False, default="")
    html_en = models.TextField(_("text (English, HTML)"), editable=False, default="")
    author = models.ForeignKey("tenants.User", verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    edited_by = models.ForeignKey("tenants.User", verbose_name=_("last edited by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=PostStatus.choices, default=PostStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("item version"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text=_("For a procedure change: the version that took effect."))
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "version"], condition=Q(version__isnull=False),
                                    name="news_post_once_per_version",
                                    violation_error_message=_("This centre has a post on this version already.")),
            models.CheckConstraint(condition=Q(status=PostStatus.DRAFT) | Q(published_at__isnull=False),
                                   name="news_post_published_has_date",
                                   violation_error_message=_("A published post has a publication time.")),
        ]
        indexes = [
            models.Index(fields=["centre", "status", "-published_at"], name="news_post_centre_list"),
            models.Index(fields=["status", "-published_at"], name="news_post_city_list"),
        ]

    def __str__(self) -> str:
        return self.title_zh

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)

    @property
    def html(self) -> str:
        """The sanitised HTML in the reader's language (the Chinese when there is no English)."""
        return pick(self.html_zh, self.html_en)

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED
