"""Joint approvals: public schema. The catalogue of bundles, the linked approval of key projects (the
projects are the key-project register's, `projects.KeyProject`; what is joint-specific — the items by
level, the bundle — is kept here, keyed by the register's project), and each joint case with one mirror
row per leg.

Personal data stays in the centres' schemas (ARCHITECTURE.md): a leg is a normal case in the
centre that handles it and holds the applicant there. A joint case keeps only what the join and the
reports need: the applicant's type and the HMAC of the ID number / credit code
(`common.identity.identity_hmac`: an applicant's joint cases are found without holding the number;
never shown), the accepting centre and clerk, the legs' numbers,
items, holders, statuses, due dates, fees and, for a denied leg, the department's reason.
"""
from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import pick
from common.models import TimeStampedModel
from joint_approval.choices import BundleKind, JointStatus, LegLevel, Stage


class Bundle(TimeStampedModel):
    """A joint-service bundle (联办事项 / 并联审批事项): items grouped by business relation and stage,
    named by what the applicant wants done, with the bundle's promised limit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=BundleKind.choices, default=BundleKind.PARALLEL)
    promised_days = models.PositiveIntegerField(_("promised bundle limit (working days)"))
    sequential_days = models.PositiveIntegerField(
        _("sequential limit (working days)"), null=True, blank=True,
        help_text=_("What the items took one after another before the bundle (empty: the sum of the items' "
                    "promised limits)."))
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("joint-service bundle")
        verbose_name_plural = _("joint-service bundles")
        ordering = ["position", "code"]
        constraints = [models.CheckConstraint(condition=Q(promised_days__gt=0), name="joint_approval_bundle_limit",
                                              violation_error_message=_("A bundle promises at least one working "
                                                                        "day."))]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return pick(self.description_zh, self.description_en)


class BundleItem(models.Model):
    """One item of a bundle (联办事项中的单项): who handles it (the city centre, or the accepting district
    or zone centre), whether the applicant may leave it out, and the document it produces."""

    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("handled by"), max_length=8, choices=LegLevel.choices, default=LegLevel.LOCAL)
    required = models.BooleanField(_("always included"), default=True,
                                   help_text=_("Optional items are chosen by the applicant (dynamic combination)."))
    produces_zh = models.CharField(_("document produced (Chinese)"), max_length=100, blank=True,
                                   help_text=_("e.g. 营业执照: the other items of the bundle do not ask for it."))
    produces_en = models.CharField(_("document produced (English)"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("bundle item")
        verbose_name_plural = _("bundle items")
        ordering = ["bundle", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="joint_approval_bundleitem_once",
                                               violation_error_message=_("The item is already in the bundle."))]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class LinkedProject(TimeStampedModel):
    """A key project in the city-district linked approval (市区两级联动): the register's project
    (`projects.KeyProject`: name, year, company, credit code, district or zone) taken into the linked
    approval, with the linked bundle its items come from. Its items by level are `LinkedProjectItem`s
    and its joint cases `JointCase.project`, both keyed by the register's project."""

    project = models.OneToOneField("projects.KeyProject", verbose_name=_("key project"), on_delete=models.CASCADE,
                                   related_name="linked")
    bundle = models.ForeignKey(Bundle, verbose_name=_("joint-service bundle"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="projects",
                               help_text=_("The linked bundle its items come from, if any."))

    class Meta:
        verbose_name = _("linked key project")
        verbose_name_plural = _("linked key projects")

    def __str__(self) -> str:
        return str(self.project)


class LinkedProjectItem(models.Model):
    """An item a linked project needs, and the level that handles it."""

    project = models.ForeignKey("projects.KeyProject", verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="linked_items")
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("handled by"), max_length=8, choices=LegLevel.choices)
    produces_zh = models.CharField(_("document produced (Chinese)"), max_length=100, blank=True)
    produces_en = models.CharField(_("document produced (English)"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("linked project item")
        verbose_name_plural = _("linked project items")
        ordering = ["project", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "item"],
                                               name="joint_approval_linkedprojectitem_once",
                                               violation_error_message=_("The item is already listed."))]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.item_id}"


class JointCase(TimeStampedModel):
    """A joint case (联办件): one acceptance (一站受理), one leg per item, all handled at once (同步办理);
    its id is the `joint_case_id` of every leg and registry row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("joint case number"), max_length=32, unique=True)
    bundle = models.ForeignKey(Bundle, verbose_name=_("bundle"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="joint_cases")
    project = models.ForeignKey("projects.KeyProject", verbose_name=_("linked project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="joint_cases")
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    accepting_centre = models.ForeignKey("tenants.Centre", verbose_name=_("accepting centre"),
                                         on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey("tenants.User", verbose_name=_("accepted by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    applicant_kind = models.CharField(_("applicant type"), max_length=16)
    applicant_hmac = models.CharField(_("applicant HMAC"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=JointStatus.choices, default=JointStatus.RUNNING)
    accepted_at = models.DateTimeField(_("accepted at"))
    accepted_on = models.DateField(_("accepted on"))
    due = models.DateField(_("due date (latest leg's)"), null=True, blank=True)
    promised_days = models.PositiveIntegerField(_("promised limit (working days)"),
                                                help_text=_("The bundle's limit, else the longest leg's."))
    sequential_days = models.PositiveIntegerField(_("one after another (working days)"))
    parallel_days = models.PositiveIntegerField(_("all at once (working days)"))
    completed_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    actual_workdays = models.PositiveIntegerField(_("actual working days"), null=True, blank=True)
    denial_reasons = models.JSONField(_("denial reasons"), default=list, blank=True)
    fee_total_yuan = models.DecimalField(_("fees in all (yuan)"), max_digits=12, decimal_places=2, default=0)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        verbose_name = _("joint case")
        verbose_name_plural = _("joint cases")
        ordering = ["-accepted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(bundle__isnull=False) | Q(project__isnull=False),
                                   name="joint_approval_jointcase_has_source",
                                   violation_error_message=_("A joint case comes from a bundle or a linked "
                                                             "project.")),
        ]
        indexes = [models.Index(fields=["accepting_centre", "status"], name="joint_case_centre_status"),
                   models.Index(fields=["applicant_hmac", "-accepted_at"], name="joint_case_applicant")]

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)

    @property
    def days_saved(self) -> int:
        return max(self.sequential_days - self.parallel_days, 0)


class JointLeg(models.Model):
    """A leg (联办分项) of a joint case: a normal case in the centre and department that handles it,
    mirrored here (number, item, holder, status, due date, fee) for the join and for every centre
    of the project to see."""

    joint_case = models.ForeignKey(JointCase, verbose_name=_("joint case"), on_delete=models.CASCADE,
                                   related_name="legs")
    position = models.PositiveSmallIntegerField(_("position"))
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("handling centre"), on_delete=models.PROTECT,
                               related_name="+")
    level = models.CharField(_("handled by"), max_length=8, choices=LegLevel.choices)
    case_id = models.UUIDField(_("case id"), unique=True)
    case_number = models.CharField(_("case number"), max_length=32)
    item = models.ForeignKey("catalog.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("item code"), max_length=32)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200)
    item_name_en = models.CharField(_("item (English)"), max_length=300)
    department_code = models.CharField(_("department"), max_length=2, blank=True)
    department_name_zh = models.CharField(_("department (Chinese)"), max_length=100, blank=True)
    department_name_en = models.CharField(_("department (English)"), max_length=150, blank=True)
    fee_yuan = models.DecimalField(_("fee (yuan)"), max_digits=10, decimal_places=2, default=0)
    produces_zh = models.CharField(_("document produced (Chinese)"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=24)
    promised_limit_days = models.PositiveIntegerField(_("promised limit (working days)"), null=True, blank=True)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    paused = models.BooleanField(_("clock paused"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True,
                               help_text=_("approved, denied, refused or withdrawn; empty while the leg runs."))
    denial_reason = models.TextField(_("reason for the denial"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("joint case leg")
        verbose_name_plural = _("joint case legs")
        ordering = ["joint_case", "position"]
        constraints = [models.UniqueConstraint(fields=["joint_case", "position"], name="joint_approval_jointleg_pos",
                                               violation_error_message=_("Two legs at one position."))]
        indexes = [models.Index(fields=["centre", "joint_case"], name="joint_leg_centre")]

    def __str__(self) -> str:
        return self.case_number

    @property
    def item_name(self) -> str:
        return pick(self.item_name_zh, self.item_name_en)

    @property
    def department_name(self) -> str:
        return pick(self.department_name_zh, self.department_name_en)


class JointCaseCounter(models.Model):
    """An accepting centre's last joint-case number of the day (one atomic statement takes the next).
    Per centre, so acceptances at different centres never wait for each other's numbers."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("accepting centre"), on_delete=models.CASCADE,
                               related_name="+")
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("joint case number counter")
        verbose_name_plural = _("joint case number counters")
        constraints = [models.UniqueConstraint(fields=["centre", "day"], name="joint_approval_jointcasecounter_once",
                                               violation_error_message=_("The centre already counts this day."))]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.day} {self.last}"


class JointCaseEvent(models.Model):
    """What happened to a joint case: accepted, a leg moved, joined (once)."""

    joint_case = models.ForeignKey(JointCase, verbose_name=_("joint case"), on_delete=models.CASCADE,
                                   related_name="events")
    kind = models.CharField(_("kind"), max_length=24)
    leg_position = models.PositiveSmallIntegerField(_("leg"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("joint case event")
        verbose_name_plural = _("joint case events")
        ordering = ["joint_case", "at", "pk"]
        constraints = [models.UniqueConstraint(fields=["joint_case"], condition=Q(kind="joined"),
                                               name="joint_approval_jointcaseevent_joined_once",
                                               violation_error_message=_("The joint case is already joined."))]

    def __str__(self) -> str:
        return f"{self.joint_case_id} {self.kind}"
