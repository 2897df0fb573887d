"""Message templates and the outbox."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.fields import EncryptedTextField
from common.models import TimeStampedModel


class MessageTemplate(TimeStampedModel):
    """An SMS text in Chinese and English with `{placeholders}`; a centre's own overrides the default."""

    key = models.CharField(_("key"), max_length=60)
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="message_templates")
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["key", "centre"], name="notifications_messagetemplate_unique",
                                    violation_error_message=_("That centre already has this template.")),
            models.UniqueConstraint(fields=["key"], condition=Q(centre__isnull=True),
                                    name="notifications_messagetemplate_one_default",
                                    violation_error_message=_("There is already a default for this template.")),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.centre_id or 'default'})"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(TimeStampedModel):
    """A message written in the same transaction as the change that causes it; sent once (its
    `dedupe_key` is unique) by the dispatcher, with retries and backoff."""

    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, default="sms")
    to = EncryptedTextField(pgettext_lazy("message recipient", "to"))  # a phone: encrypted at rest (common.crypto)
    to_hmac = models.CharField(_("recipient (HMAC)"), max_length=64, blank=True, db_index=True,
                               help_text=_("common.identity.recipient_hmac of the recipient: how one number's "
                                           "messages are found (the encrypted column cannot be searched)."))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    template_key = models.CharField(_("template"), max_length=60)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"),
                                name="notifications_outbox_due")]

    def __str__(self) -> str:
        return self.dedupe_key
