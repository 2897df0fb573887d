"""Reads of the outbox (发件箱) and the previews of the message templates."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404

from notifications.models import MessageTemplate, OutboxMessage, OutboxStatus
from notifications.services import DEFAULT_TEMPLATES, SAMPLE_CONTEXT, TEMPLATE_DESCRIPTIONS, render
from tenants.addresses import centre_address
from tenants.models import AnyUser, Centre
from tenants.selectors import user_is_centre_admin, user_is_platform_admin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def outbox_list_for(*, user: AnyUser, status: str | None = None) -> QuerySet[OutboxMessage]:
    """Every centre's outbox messages, newest first, optionally of one status: platform administrators
    only (anyone else 404, as the platform's other pages)."""
    if not user_is_platform_admin(user=user):
        raise Http404
    messages = OutboxMessage.objects.select_related("centre")
    if status in OutboxStatus.values:
        messages = messages.filter(status=status)
    return messages.order_by("-created_at", "-id")


@dataclass(frozen=True)
class OutboxWaiting:
    """What the outbox has not sent yet (pending: never tried, or waiting for a retry): how many messages,
    and when the oldest was written (None: none)."""

    waiting: int
    oldest: dt.datetime | None


def outbox_waiting() -> OutboxWaiting:
    """The outbox's backlog for the platform's metrics: one statement on the partial index of pending
    messages (`notifications_outbox_due`), never a scan of the messages sent."""
    figures = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(
        waiting=Count("pk"), oldest=Min("created_at"))
    return OutboxWaiting(**figures)


@dataclass(frozen=True)
class TemplatePreview:
    """One message template as it would be sent: its key, what it is for, where its text comes from
    (`source`: "centre" — the centre's own, "platform" — the platform's edited default, "built-in"), and
    the Chinese and English text rendered with sample values."""

    key: str
    description: StrOrPromise
    source: str
    text_zh: str
    text_en: str


def template_previews_for(*, user: AnyUser, centre: Centre | None) -> list[TemplatePreview]:
    """Every template key (DEFAULT_TEMPLATES' and any the admin added), rendered in both languages with
    `SAMPLE_CONTEXT` by `notifications.services.render`, the function the outbox writes with (a
    placeholder without a sample shows as `{name}`). `centre`: that centre's texts (its own overrides
    first); None: the platform's defaults. Platform administrators see any centre; a centre's
    administrators their own; anyone else 404."""
    allowed = user_is_platform_admin(user=user) if centre is None else user_is_centre_admin(user=user, centre=centre)
    if not allowed:
        raise Http404
    centre_id = centre.pk if centre is not None else None
    stored = {(key, owner) for key, owner in MessageTemplate.objects.filter(
        Q(centre_id=centre_id) | Q(centre__isnull=True)).values_list("key", "centre_id")}
    keys = list(DEFAULT_TEMPLATES) + sorted({key for key, _owner in stored} - DEFAULT_TEMPLATES.keys())
    sample = {**SAMPLE_CONTEXT, "lookup_url": centre_address(slug=centre.slug if centre else "beilin",
                                                             path="/progress/")}
    previews = []
    for key in keys:
        texts = {language: render(key=key, centre_id=centre_id, language=language,
                                  context=_SampleContext(sample)) for language in ("zh-hans", "en")}
        source = ("centre" if centre_id is not None and (key, centre_id) in stored
                  else "platform" if (key, None) in stored else "built-in")
        previews.append(TemplatePreview(key=key, description=TEMPLATE_DESCRIPTIONS.get(key, key), source=source,
                                        text_zh=texts["zh-hans"], text_en=texts["en"]))
    return previews


class _SampleContext(dict):
    """Sample values; a placeholder without one reads as itself (`{name}`), so the preview shows it."""

    def get(self, name, default=None):  # noqa: ARG002 - the preview shows a missing value as its placeholder
        return super().get(name, "{" + name + "}")
