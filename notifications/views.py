"""The platform's outbox page: every text message queued or sent, numbers masked (platform administrators);
the message templates' preview (platform administrators; a centre's administrators on its host)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.identity import mask_numbers_in, mask_phone
from notifications.models import MessageTemplate, OutboxMessage, OutboxStatus
from notifications.selectors import outbox_list_for, template_previews_for
from tenants.models import Centre
from tenants.request import centre_or_none

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


@login_required
def message_templates(request: HttpRequest) -> HttpResponse:
    """Every message template in Chinese and English with sample values, as the outbox would write it. On
    the platform's site the platform's defaults, or a centre's texts with `?centre=<slug>` (the centres
    with texts of their own are offered); on a centre's host that centre's texts (its administrators)."""
    centre = centre_or_none(request)
    choices: list[Centre] = []
    if centre is None:
        previews = template_previews_for(user=request.user, centre=None)  # 404 unless a platform administrator
        choices = list(Centre.objects.filter(pk__in=MessageTemplate.objects.filter(centre__isnull=False)
                                             .values("centre_id")).order_by("division_code"))
        if slug := request.GET.get("centre"):
            centre = next((c for c in choices if c.slug == slug), None)
            if centre is not None:
                previews = template_previews_for(user=request.user, centre=centre)
    else:
        previews = template_previews_for(user=request.user, centre=centre)
    return render(request, "notifications/templates.html", {
        "previews": previews, "shown_centre": centre, "choices": choices,
        "on_platform": centre_or_none(request) is None,
    })
