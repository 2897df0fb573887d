"""The platform's outbox page: every text message queued or sent, numbers masked (platform administrators)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.identity import mask_numbers_in, mask_phone
from notifications.models import OutboxMessage, OutboxStatus
from notifications.selectors import outbox_list_for

OUTBOX_PAGE_SIZE = 50


def _row(message: OutboxMessage) -> dict:
    return {
        "status": message.status, "status_label": message.get_status_display(),
        "template_key": message.template_key, "channel": message.channel, "language": message.language,
        "to": mask_phone(message.to), "centre": message.centre,
        "text": mask_numbers_in(message.body, to=message.to),
        "created_at": message.created_at, "sent_at": message.sent_at, "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at, "last_error": message.last_error,
    }


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """The outbox, newest first, 50 a page, filterable by status."""
    status = request.GET.get("status") or ""
    messages = outbox_list_for(user=request.user, status=status or None)
    page = Paginator(messages, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {
        "page_obj": page, "rows": [_row(m) for m in page.object_list],
        "statuses": OutboxStatus.choices, "status": status if status in OutboxStatus.values else "",
    })
