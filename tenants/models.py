"""Centres (tenants), their domains, users and memberships: all in the public schema."""
from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin

from common.i18n import pick
from common.models import TimeStampedModel
from tenants.choices import AuditKind, AuditTarget, BatchStatus, CentreStatus, Level, Role


class Centre(TenantMixin, TimeStampedModel):
    """A government service centre (政务服务中心 / 便民服务中心): one tenant, one schema.

    Levels: the city centre (市政务服务中心), district/county centres (区县政务中心),
    development-zone centres (开发区政务中心) and township/street convenience centres
    (镇街便民服务中心). The schema is created by the onboarding service, never on save.
    """

    auto_create_schema = False
    auto_drop_schema = False

    slug = models.SlugField(_("slug"), max_length=40, unique=True,
                            help_text=_("Lower-case address label: <slug>.<platform domain>."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    division_code = models.CharField(_("administrative division code"), max_length=9, unique=True)
    parent = models.ForeignKey("self", verbose_name=_("parent centre"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    status = models.CharField(_("status"), max_length=16, choices=CentreStatus.choices,
                              default=CentreStatus.PROVISIONING)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["division_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=Q(level=Level.CITY),
                name="tenants_centre_one_city",
                violation_error_message=_("There is already a city centre."),
            ),
            models.CheckConstraint(
                condition=Q(level=Level.CITY, parent__isnull=True)
                | (~Q(level=Level.CITY) & Q(parent__isnull=False)),
                name="tenants_centre_parent_matches_level",
                violation_error_message=_("Only the city centre has no parent."),
            ),
            models.CheckConstraint(
                condition=Q(division_code__regex=r"^[0-9]{6}$") & ~Q(level=Level.TOWNSHIP)
                | Q(division_code__regex=r"^[0-9]{9}$", level=Level.TOWNSHIP),
                name="tenants_centre_division_code_format",
                violation_error_message=_("A division code has 6 digits (9 for a township)."),
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"),
                name="tenants_centre_slug_format",
                violation_error_message=_("A slug is lower-case letters, digits and hyphens."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return pick(self.name_zh, self.name_en)

    @property
    def is_ready(self) -> bool:
        return self.status == CentreStatus.READY


class Domain(DomainMixin):
    """A host name that routes to a centre (`<slug>.<platform domain>` by default)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.domain


class RoutingVersion(models.Model):
    """One row, bumped by a database trigger whenever a centre or a domain changes.

    Every process caches host → centre and compares this number at most once per
    `ROUTING_CHECK_SECONDS`; a change empties its cache (tenants.routing).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("routing version")
        verbose_name_plural = _("routing versions")

    def __str__(self) -> str:
        return str(self.version)


class User(AbstractUser):
    """A person who signs in: staff of one or more centres, or a platform administrator."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    full_name_en = models.CharField(_("full name (English)"), max_length=100, blank=True,
                                    help_text=_("Shown on English pages; empty: the full name as written."))
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True,
                              help_text=_("For deadline warnings by SMS (E.164, e.g. +8613800000000)."))
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("Set when an administrator gives a temporary password: the next sign-in asks for a new one."))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name staff are shown by: in English where the user has an English name, else as written."""
        return pick(self.full_name, self.full_name_en) or self.username

    @property
    def name_zh(self) -> str:
        """The name as written (Chinese), whatever the active language: for texts kept or sent (an SMS,
        a case's history), which must not freeze the language of whoever acted."""
        return self.full_name or self.username

    @property
    def name_en(self) -> str:
        """The English name where there is one, else the name as written."""
        return self.full_name_en or self.name_zh


class Membership(TimeStampedModel):
    """A user's role in a centre (岗位). A platform administrator's membership has no centre."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="memberships")
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    department_code = models.CharField(_("department"), max_length=2, blank=True,
                                       help_text=_("The department whose cases this person handles (its letter "
                                                   "pair in the catalogue); empty: every department."))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "centre", "role"],
                                    name="tenants_membership_unique_role",
                                    violation_error_message=_("The user already has this role here.")),
            models.UniqueConstraint(fields=["user"], condition=Q(centre__isnull=True),
                                    name="tenants_membership_one_platform_role",
                                    violation_error_message=_("The user is already a platform administrator.")),
            models.CheckConstraint(
                condition=Q(role=Role.PLATFORM_ADMIN, centre__isnull=True)
                | (~Q(role=Role.PLATFORM_ADMIN) & Q(centre__isnull=False)),
                name="tenants_membership_platform_role_has_no_centre",
                violation_error_message=_("Only the platform administrator role has no centre."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.centre or '-'}"


class OnboardingBatch(TimeStampedModel):
    """A bulk onboarding from a CSV or Excel file, run by a Celery worker; its progress is shown."""

    file_name = models.CharField(_("file name"), max_length=200)
    rows = models.JSONField(_("rows"), default=list)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices,
                              default=BatchStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("onboarding batch")
        verbose_name_plural = _("onboarding batches")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class AuditEvent(models.Model):
    """One entry of the platform's audit log (操作日志): who did what, where, to what, and what changed.

    Written by the service that makes the change, in the same transaction (`tenants.audit.audit_record`):
    a change rolled back leaves no entry. The actor's user name and the centre's division code are
    copied, so an entry still reads after the user or the centre is gone. `before` and `after` hold only
    the fields that changed. Append-only: `at` is its time, so it has no created/updated stamps.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=AuditKind.choices)
    actor = models.ForeignKey(User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(_("actor's user name"), max_length=150)
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_index=False)  # indexed with `at` below
    centre_code = models.CharField(_("centre's division code"), max_length=9, blank=True)
    at = models.DateTimeField(_("time"))
    target_type = models.CharField(_("target type"), max_length=32, choices=AuditTarget.choices, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(pgettext_lazy("audit log", "target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["centre", "-at"], name="tenants_audit_centre_at"),
            models.Index(fields=["centre_code", "-at"], name="tenants_audit_centre_code_at"),
            models.Index(fields=["kind", "-at"], name="tenants_audit_kind_at"),
            models.Index(fields=["-at"], name="tenants_audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.actor_name} {self.target_label}"


#: Who a request carries: a signed-in user or Django's anonymous one (the access checks take either and
#: answer "no" for the anonymous one).
AnyUser: TypeAlias = User | AnonymousUser
