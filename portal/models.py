"""The online service hall's accounts (网上办事大厅的申请人账户): public schema, one account for every
centre. An applicant signs in with a mobile and an SMS code (no password) and binds a real name once: a
person (name and resident ID) or an organisation (name, unified social credit code, legal representative).
The mobile and the ID number are encrypted (`common.fields.EncryptedTextField`) and found by their HMACs
(`common.identity`): `id_hmac` is the registry's `applicant_hmac`, so "my cases" is one indexed read of the
registry, never a loop over schemas."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.choices import ApplicantKind
from common.fields import EncryptedTextField
from common.models import TimeStampedModel


class Applicant(TimeStampedModel):
    """An applicant's account (申请人账户). Unbound until a real name is bound (`bound_at`); erased on
    request (`erased_at`: every personal field emptied, the HMACs cleared, the row kept as a tombstone so
    that the audit log's references stay meaningful)."""

    mobile = EncryptedTextField(_("mobile phone"), blank=True)
    mobile_hmac = models.CharField(_("mobile (HMAC)"), max_length=64, blank=True)
    kind = models.CharField(_("applicant type"), max_length=16, choices=ApplicantKind.choices, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    id_number = EncryptedTextField(_("ID number / credit code"), blank=True)
    id_hmac = models.CharField(_("ID number / credit code (HMAC)"), max_length=64, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    bound_at = models.DateTimeField(_("real name bound at"), null=True, blank=True)
    last_sign_in_at = models.DateTimeField(_("last signed in at"), null=True, blank=True)
    erasure_requested_at = models.DateTimeField(_("erasure requested at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("applicant account")
        verbose_name_plural = _("applicant accounts")
        constraints = [
            models.UniqueConstraint(fields=["mobile_hmac"], condition=~Q(mobile_hmac=""),
                                    name="portal_applicant_one_per_mobile",
                                    violation_error_message=_("An account with this mobile exists.")),
            models.UniqueConstraint(fields=["id_hmac"], condition=~Q(id_hmac=""),
                                    name="portal_applicant_one_per_identity",
                                    violation_error_message=_("This ID number is bound to another account.")),
        ]

    def __str__(self) -> str:
        return f"applicant {self.pk}"

    @property
    def is_bound(self) -> bool:
        return self.bound_at is not None and bool(self.id_hmac)


class SignInCode(models.Model):
    """An SMS code sent to sign in (登录验证码): kept as an HMAC bound to the mobile, valid
    `PORTAL_CODE_VALID_MINUTES` minutes, spent by use or by `PORTAL_CODE_TRIES` wrong tries. Counted per
    mobile and per client address to cap the texts (they cost money and invite abuse)."""

    mobile_hmac = models.CharField(max_length=64)
    address = models.GenericIPAddressField(null=True, blank=True)
    code_hmac = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["mobile_hmac", "-sent_at"], name="portal_signincode_mobile"),
                   models.Index(fields=["address", "-sent_at"], name="portal_signincode_address")]

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M}"


class Booking(TimeStampedModel):
    """An appointment (预约) booked from the online service hall: the public index of the account's
    appointments in the centres' halls (each appointment lives in its centre's schema, reached through
    `hall.door`), so "my appointments" reads the centres that hold one, never every centre."""

    applicant = models.ForeignKey(Applicant, verbose_name=_("online service hall account"), on_delete=models.CASCADE,
                                  related_name="bookings")
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="+")
    appointment_id = models.UUIDField(_("appointment"), unique=True)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("booking from the online service hall")
        verbose_name_plural = _("bookings from the online service hall")
        indexes = [models.Index(fields=["applicant", "-day"], name="portal_booking_applicant")]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.day}"
