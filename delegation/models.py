"""Delegation (代办): village and community stations, village agents and their proxy filings, the
key-project agency service (its records about the projects of the key-project register,
`projects.KeyProject`) and green channels. All public (SHARED_APPS).

A proxy filing's case lands in whichever centre exercises the item (the township, its district or
the city), so the records that follow the filing are public and refer to the case as the registry
does: centre + case UUID + number, never a foreign key into a centre's schema.

Personal data: the resident's name, ID number and mobile stay on the case, in the centre's schema.
The public rows keep only what the agent's workbench shows and what matching needs: a masked name
(张**) and an HMAC of the ID number (common.identity.identity_hmac). The SMS at each handover
reads the mobile from the case when it is written.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from delegation.choices import AgencyLevel, ConsentMethod, HandoverStepKind, StationKind


class TownshipDivisions(models.Model):
    """How many villages (行政村) and communities (社区) a township has: the denominators of coverage."""

    township = models.OneToOneField("tenants.Centre", verbose_name=_("township"), primary_key=True,
                                    on_delete=models.CASCADE, related_name="divisions")
    villages = models.PositiveIntegerField(_("villages"), default=0)
    communities = models.PositiveIntegerField(_("communities"), default=0)

    class Meta:
        verbose_name = _("township divisions")
        verbose_name_plural = _("township divisions")

    def __str__(self) -> str:
        return f"{self.township_id}: {self.villages}/{self.communities}"


class Station(TimeStampedModel):
    """A village or community convenience station (村/社区便民服务站) under a township centre."""

    township = models.ForeignKey("tenants.Centre", verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="stations")
    kind = models.CharField(_("kind"), max_length=10, choices=StationKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, unique=True,
                                     help_text=_("The village's or community's 12-digit code."))

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["division_code"]
        indexes = [models.Index(fields=["township", "kind"], name="delegation_station_township")]
        constraints = [models.CheckConstraint(
            condition=Q(division_code__regex=r"^[0-9]{12}$"), name="delegation_station_code_format",
            violation_error_message=_("A village or community code has 12 digits."))]

    def __str__(self) -> str:
        return self.name_zh


class StationAgent(TimeStampedModel):
    """A village agent's post (村级代办员) at one station; the user also holds the village-agent role
    at the station's township. A post ends (`active` off, `ended_at` set) by `station_agent_end`: the
    agent can no longer act on any filing, and their open filings pass on (the station's next agent,
    else the township's clerks until one is posted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="agent_posts")
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE,
                                related_name="agents")
    active = models.BooleanField(_("active"), default=True)
    ended_at = models.DateTimeField(_("post ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("station agent")
        verbose_name_plural = _("station agents")
        constraints = [models.UniqueConstraint(
            fields=["user"], condition=Q(active=True), name="delegation_stationagent_one_station",
            violation_error_message=_("The agent already works at a station."))]

    def __str__(self) -> str:
        return f"{self.user} @ {self.station}"


class Consent(models.Model):
    """The resident's consent (委托授权) to a proxy filing: who, for which item, when and how given."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    resident_name_masked = models.CharField(_("resident"), max_length=50)
    resident_id_hmac = models.CharField(_("resident ID (HMAC)"), max_length=64)
    item_code = models.CharField(_("item code"), max_length=32)
    method = models.CharField(_("how given"), max_length=16, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given at"))
    evidence = models.CharField(_("evidence reference"), max_length=100, blank=True,
                                help_text=_("The call recording's reference (a recorded phone call)."))
    scan = models.FileField(_("scan of the signed form"), upload_to="consents/%Y/%m/", max_length=200, blank=True,
                            help_text=_("A photo or scan (JPEG, PNG or PDF) of the form the resident signed."))
    scan_content_type = models.CharField(_("scan type"), max_length=40, blank=True)
    sms_phone_masked = models.CharField(_("SMS code sent to"), max_length=20, blank=True)
    sms_confirmed_at = models.DateTimeField(_("SMS code confirmed at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.resident_name_masked} · {self.item_code}"


class ConsentDraft(models.Model):
    """The consent evidence gathered while one filing form is open (one per form token and agent): the
    scan uploaded so far and the SMS code sent to the resident (stored as an HMAC, never in clear), so
    a page sent back with an error loses neither. The consent takes them when the case is filed."""

    token = models.CharField(_("form token"), max_length=64)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE,
                              related_name="+")
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    scan = models.FileField(_("scan of the signed form"), upload_to="consents/%Y/%m/", max_length=200, blank=True)
    scan_name = models.CharField(_("file name"), max_length=200, blank=True)
    scan_content_type = models.CharField(_("scan type"), max_length=40, blank=True)
    code_hash = models.CharField(_("code (HMAC)"), max_length=64, blank=True)
    code_phone_hmac = models.CharField(_("sent to (HMAC)"), max_length=64, blank=True)
    code_phone_masked = models.CharField(_("sent to"), max_length=20, blank=True)
    code_sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    code_sends = models.PositiveSmallIntegerField(_("codes sent"), default=0)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)
    code_confirmed_at = models.DateTimeField(_("code confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent draft")
        verbose_name_plural = _("consent drafts")
        constraints = [models.UniqueConstraint(fields=["agent", "token"], name="delegation_consentdraft_once")]

    def __str__(self) -> str:
        return self.token


class ProxyFiling(models.Model):
    """A proxy filing (代办件): a case an agent filed on a resident's behalf, and where it stands.
    `agent` is who carries it now (the filer, or the agent it passed to when a post ended); None while
    it waits for the station's next agent with the township's clerks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="proxy_filings")
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="filings")
    consent = models.OneToOneField(Consent, verbose_name=_("consent"), on_delete=models.PROTECT,
                                   related_name="filing")
    target_centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.PROTECT,
                                      related_name="+")
    case_id = models.UUIDField(_("case id"), unique=True)
    case_number = models.CharField(_("case number"), max_length=32)
    item_code = models.CharField(_("item code"), max_length=32)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200)
    item_name_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    resident_name_masked = models.CharField(_("resident"), max_length=50)
    last_step = models.CharField(_("last handover step"), max_length=24, choices=HandoverStepKind.choices,
                                 blank=True)
    last_step_at = models.DateTimeField(_("last handover at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"))

    class Meta:
        verbose_name = _("proxy filing")
        verbose_name_plural = _("proxy filings")
        indexes = [models.Index(fields=["agent", "-filed_at"], name="delegation_filing_agent")]

    def __str__(self) -> str:
        return self.case_number


class HandoverStep(models.Model):
    """One step of the materials' journey (材料交接): who, when; once per filing and step."""

    filing = models.ForeignKey(ProxyFiling, verbose_name=_("proxy filing"), on_delete=models.CASCADE,
                               related_name="handovers")
    step = models.CharField(_("step"), max_length=24, choices=HandoverStepKind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                           related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("handover step")
        verbose_name_plural = _("handover steps")
        ordering = ["filing", "at", "pk"]
        constraints = [models.UniqueConstraint(fields=["filing", "step"], name="delegation_handoverstep_once",
                                               violation_error_message=_("This step is already logged."))]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.step}"


# --- key-project agency service (重点项目代办) ---------------------------------------------------------
# The projects are the register's (`projects.KeyProject`, 重点建设项目): a project is under the agency
# service once one of these records names it; the register's facts are never copied here.

class AgencyAssignment(TimeStampedModel):
    """An agent assigned to a key project at a level: guide (导办), assist (协办) or full agency (代办)."""

    project = models.ForeignKey("projects.KeyProject", verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="assignments")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT,
                              related_name="+")
    level = models.CharField(_("level"), max_length=8, choices=AgencyLevel.choices)
    assigned_on = models.DateField(_("assigned on"))

    class Meta:
        verbose_name = _("agency assignment")
        verbose_name_plural = _("agency assignments")
        constraints = [models.UniqueConstraint(fields=["project", "agent"], name="delegation_agencyassignment_once",
                                               violation_error_message=_("The agent is already assigned."))]

    def __str__(self) -> str:
        return f"{self.project} · {self.agent} · {self.level}"


class ProjectProblem(models.Model):
    """A problem in a key project's approvals (问题协调): which departments, how it was resolved."""

    project = models.ForeignKey("projects.KeyProject", verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="problems")
    problem = models.TextField(_("problem"))
    departments = models.CharField(_("departments"), max_length=300)
    resolution = models.TextField(_("resolution"), blank=True)
    raised_on = models.DateField(_("raised on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project problem")
        verbose_name_plural = _("project problems")
        ordering = ["project", "raised_on", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
            name="delegation_projectproblem_resolved_after_raised",
            violation_error_message=_("A problem is resolved on or after the day it was raised."))]

    def __str__(self) -> str:
        return self.problem[:40]


class ProjectApproval(models.Model):
    """An approval finished for a key project (recorded by its agent: the approvals span city and
    district centres and are not all cases on this platform)."""

    project = models.ForeignKey("projects.KeyProject", verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="approvals")
    item_name = models.CharField(_("approval"), max_length=200)
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    finished_on = models.DateField(_("finished on"))

    class Meta:
        verbose_name = _("project approval")
        verbose_name_plural = _("project approvals")
        ordering = ["project", "finished_on", "pk"]

    def __str__(self) -> str:
        return self.item_name


# --- green channels (绿色通道) ---------------------------------------------------------------------

class GreenChannel(TimeStampedModel):
    """A green channel (绿色通道) for a programme: simplified materials and shorter limits for its items."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    target_count = models.PositiveIntegerField(_("target"), help_text=_("E.g. 119 boilers to replace."))
    target_unit_zh = models.CharField(_("unit (Chinese)"), max_length=20)
    target_unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("green channel")
        verbose_name_plural = _("green channels")
        ordering = ["-starts_on", "code"]
        constraints = [models.CheckConstraint(
            condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            name="delegation_greenchannel_period",
            violation_error_message=_("A programme ends on or after the day it starts."))]

    def __str__(self) -> str:
        return self.name_zh


class GreenChannelItem(models.Model):
    """An item on a green channel: its compressed promised limit and the materials waived (by name,
    so the waiver survives a new version of the item)."""

    channel = models.ForeignKey(GreenChannel, verbose_name=_("green channel"), on_delete=models.CASCADE,
                                related_name="items")
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    promised_cap_days = models.PositiveIntegerField(_("compressed promised limit (working days)"))
    usual_days = models.PositiveIntegerField(_("usual limit (working days)"), null=True, blank=True,
                                             help_text=_("What it took before the programme (for the report)."))
    waived_materials = models.JSONField(_("waived materials"), default=list, blank=True,
                                        help_text=_("Chinese names of the materials not asked for."))

    class Meta:
        verbose_name = _("green-channel item")
        verbose_name_plural = _("green-channel items")
        constraints = [models.UniqueConstraint(fields=["channel", "item"], name="delegation_greenchannelitem_once",
                                               violation_error_message=_("The item is already on this channel."))]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.item_id}"
