"""The small abstract base every model uses, and the one idempotency store (common.idempotency)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds created_at / updated_at."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class IdempotencyKeyBase(models.Model):
    """A key a client sent, bound to the client, and what its first request made: the shape of every
    idempotency store (common.idempotency)."""

    scope = models.CharField(_("scope"), max_length=40, help_text=_("What the key files and where, e.g. case:12."))
    key = models.CharField(_("key"), max_length=100)
    request_hash = models.CharField(_("request hash"), max_length=64)
    result_id = models.CharField(_("result"), max_length=64, help_text=_("The id of what the first request made."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class IdempotencyKey(IdempotencyKeyBase):
    """The public schema's store: joint cases and proxy filings (a case's key is kept in its centre's
    schema: `cases.models.CaseIdempotencyKey`)."""

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="common_idempotencykey_once",
                                               violation_error_message=_("This key was used already."))]
