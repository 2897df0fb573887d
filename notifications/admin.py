"""Django admin for notifications: message templates are edited here (a centre's own overrides the
default); the outbox is read-only, its phone numbers masked, with a "retry now" action that goes
through notifications.dispatch.outbox_retry_now."""
from __future__ import annotations

from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from common.identity import mask_phone, normalise_mobile, recipient_hmac
from notifications.dispatch import outbox_retry_now
from notifications.models import MessageTemplate, OutboxMessage


class DefaultOrCentreFilter(admin.SimpleListFilter):
    title = _("scope")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("default", _("Default (every centre)")), ("centre", _("A centre's own"))]

    def queryset(self, request, queryset):
        if self.value() == "default":
            return queryset.filter(centre__isnull=True)
        if self.value() == "centre":
            return queryset.filter(centre__isnull=False)
        return queryset


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "scope", "short_zh", "short_en", "updated_at")
    list_filter = (DefaultOrCentreFilter, "key")
    list_select_related = ("centre",)
    search_fields = ("key", "body_zh", "body_en", "centre__name_zh", "centre__slug")
    fields = ("key", "centre", "body_zh", "body_en")
    ordering = ("key", "centre__name_zh")

    @admin.display(description=_("centre"), ordering="centre__name_zh")
    def scope(self, obj: MessageTemplate) -> object:
        return obj.centre.name_zh if obj.centre is not None else _("Default (every centre)")

    @admin.display(description=_("text (Chinese)"))
    def short_zh(self, obj: MessageTemplate) -> str:
        return Truncator(obj.body_zh).chars(50)

    @admin.display(description=_("text (English)"))
    def short_en(self, obj: MessageTemplate) -> str:
        return Truncator(obj.body_en).chars(50)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are written by the services that cause them and sent by the dispatcher."""

    list_display = ("dedupe_key", "masked_to", "template_key", "language", "centre", "status", "attempts",
                    "next_attempt_at", "sent_at", "short_error")
    list_filter = ("status", "template_key", "channel")
    list_select_related = ("centre",)
    # A phone number typed in the search box finds its messages by the recipient's HMAC (`to` is encrypted),
    # without the list ever showing one.
    search_fields = ("dedupe_key", "provider_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = ("dedupe_key", "centre", "channel", "masked_to", "language", "template_key", "body", "status",
              "attempts", "next_attempt_at", "sent_at", "provider_id", "last_error", "created_at", "updated_at")
    readonly_fields = fields
    actions = ["retry_now"]

    def get_search_results(self, request, queryset, search_term):
        results, distinct = super().get_search_results(request, queryset, search_term)
        phone = normalise_mobile(search_term)
        if phone:
            results |= queryset.filter(to_hmac=recipient_hmac(phone))
        return results, distinct

    @admin.display(description=pgettext_lazy("message recipient", "to"))
    def masked_to(self, obj: OutboxMessage) -> str:
        return mask_phone(obj.to)

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(60)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(request, ngettext("%(count)d message will be sent within a minute.",
                                            "%(count)d messages will be sent within a minute.", count)
                          % {"count": count}, messages.SUCCESS if count else messages.WARNING)
        if skipped:
            self.message_user(request, ngettext("%(count)d message was already sent or is being sent.",
                                                "%(count)d messages were already sent or are being sent.", skipped)
                              % {"count": skipped}, messages.WARNING)
