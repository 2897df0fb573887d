"""Reads of the outbox (发件箱)."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from notifications.models import OutboxMessage, OutboxStatus
from tenants.models import AnyUser
from tenants.selectors import user_is_platform_admin


def outbox_list_for(*, user: AnyUser, status: str | None = None) -> QuerySet[OutboxMessage]:
    """Every centre's outbox messages, newest first, optionally of one status: platform administrators
    only (anyone else 404, as the platform's other pages)."""
    if not user_is_platform_admin(user=user):
        raise Http404
    messages = OutboxMessage.objects.select_related("centre")
    if status in OutboxStatus.values:
        messages = messages.filter(status=status)
    return messages.order_by("-created_at", "-id")
