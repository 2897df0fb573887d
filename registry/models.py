"""One row per case, written in the same transaction as the case change (or, on a Citus cluster, projected
from the centre's outbox just after it commits: cases.outbox). No personal data: the
applicant's ID number only as an HMAC, the lookup factors only as HMACs bound to the case number."""
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseStatus, Channel
from common.i18n import pick


def status_label(status: str) -> str:
    """A case status's label in the reader's language (the raw value for one not known)."""
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


class RegistryEntry(models.Model):
    """A case as the platform sees it (centre, case UUID, number, item, status, dates)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.PROTECT,
                               related_name="registry_entries")
    case_id = models.UUIDField(_("case id"), unique=True)
    number = models.CharField(_("case number"), max_length=32, unique=True)
    item_code = models.CharField(_("item code"), max_length=32)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200)
    item_name_en = models.CharField(_("item (English)"), max_length=300)
    department_code = models.CharField(_("department"), max_length=2, blank=True)
    department_name_zh = models.CharField(_("department (Chinese)"), max_length=100, blank=True)
    department_name_en = models.CharField(_("department (English)"), max_length=150, blank=True)
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=24)
    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    promised_limit_days = models.PositiveIntegerField(_("promised limit"), null=True, blank=True)
    legal_limit_days = models.PositiveIntegerField(_("legal limit"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("working days paused"), default=0)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    legal_due = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due_provisional = models.BooleanField(_("promised due date provisional"), default=False)
    legal_due_provisional = models.BooleanField(_("legal due date provisional"), default=False)
    paused = models.BooleanField(_("clock paused"), default=False)
    is_open = models.BooleanField(_("open"), default=True)
    last_event_at = models.DateTimeField(_("last event at"))
    applicant_hmac = models.CharField(_("applicant HMAC"), max_length=64)
    lookup_hmacs = ArrayField(models.CharField(max_length=64), verbose_name=_("lookup factor HMACs"), default=list)
    history = models.JSONField(_("public history"), default=list)
    joint_case_id = models.UUIDField(_("joint case"), null=True, blank=True)
    handler_id = models.BigIntegerField(_("responsible clerk (user id)"), null=True, blank=True)
    green_channel = models.CharField(_("green channel"), max_length=32, blank=True, db_default="")
    outbox_id = models.BigIntegerField(
        _("last outbox row applied"), null=True, blank=True,
        help_text=_("With writes projected after commit (cases.outbox): the id of the centre's outbox row this "
                    "row last applied; an older or repeated one is ignored."))

    class Meta:
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        indexes = [
            models.Index(fields=["promised_due"], condition=Q(is_open=True, paused=False),
                         name="registry_open_promised_due"),
            models.Index(fields=["legal_due"], condition=Q(is_open=True, paused=False),
                         name="registry_open_legal_due"),
            models.Index(fields=["centre", "status"], name="registry_centre_status"),
            models.Index(fields=["joint_case_id"], condition=Q(joint_case_id__isnull=False),
                         name="registry_joint_case"),
            # an applicant's cases across every centre (the online service hall's "my cases")
            models.Index(fields=["applicant_hmac", "-submitted_at"], name="registry_applicant"),
            # The supervision dashboards (measured over 10,000,000 rows, docs/benchmarks.md): the daily
            # roll-up finds the rows written since its last run, and the pages today's rows, by
            # `last_event_at` (every write appends at the index's end); "overdue now" reads the running cases.
            models.Index(fields=["last_event_at"], name="registry_last_event"),
            models.Index(fields=["promised_due"], include=["centre", "department_code"],
                         condition=Q(status__in=["accepted", "supplemented", "under_review"]),
                         name="registry_dash_running_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def item_name(self) -> str:
        """The item's name in the reader's language."""
        return pick(self.item_name_zh, self.item_name_en)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


class NumberGuard(models.Model):
    """One rule of `settings.PROGRESS_GUARD` counting the wrong factors sent for one case number
    (查询防暴力破解): how many, until when the count is kept, until when the number is guarded.

    Written only by `registry.guard` (one INSERT … ON CONFLICT per wrong factor). The number is held
    only as the SHA-256 of its normalised form; rows whose count and guard have both run out are
    removed by the beat (`registry.number_guard_purge`). No timestamps of its own: the two times it
    holds are its data, and a row lives a day at most."""

    number_hash = models.CharField(_("case number (SHA-256)"), max_length=64)
    window_seconds = models.PositiveIntegerField(_("rule window (seconds)"))
    failures = models.PositiveIntegerField(_("wrong factors"))
    counted_until = models.DateTimeField(_("count kept until"))
    locked_until = models.DateTimeField(_("guarded until"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress lookup guard")
        verbose_name_plural = _("progress lookup guards")
        constraints = [models.UniqueConstraint(fields=["number_hash", "window_seconds"],
                                               name="registry_numberguard_one_per_rule",
                                               violation_error_message=_("This number is counted once per rule."))]

    def __str__(self) -> str:
        return f"{self.number_hash[:12]}… ({self.window_seconds} s)"


class HallVisit(models.Model):
    """A hall ticket (排队号) as the platform sees it: one public row per ticket of every centre's hall,
    written in the ticket's transaction (hall.services), so that waiting and service times, no-shows and
    long waits are one GROUP BY for a centre or the whole city, and a counter review (评价器) can name the
    window and the clerk. No personal data."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.PROTECT,
                               related_name="hall_visits")
    ticket_id = models.UUIDField(_("ticket id"), unique=True)
    day = models.DateField(_("day"))
    queue_letter = models.CharField(_("queue"), max_length=2)
    code = models.CharField(_("ticket"), max_length=8)
    source = models.CharField(_("taken"), max_length=12)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    by_appointment = models.BooleanField(_("by appointment"), default=False)
    status = models.CharField(_("status"), max_length=12)
    taken_at = models.DateTimeField(_("taken at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    window_number = models.CharField(_("window"), max_length=16, blank=True)
    clerk_id = models.BigIntegerField(_("clerk (user id)"), null=True, blank=True)
    case_id = models.UUIDField(_("case"), null=True, blank=True)
    long_wait_flagged_at = models.DateTimeField(_("long wait flagged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hall visit")
        verbose_name_plural = _("hall visits")
        indexes = [models.Index(fields=["centre", "day"], name="registry_hallvisit_day"),
                   models.Index(fields=["day"], name="registry_hallvisit_city_day"),
                   models.Index(fields=["taken_at"], condition=Q(status="waiting"),
                                name="registry_hallvisit_waiting"),
                   models.Index(fields=["centre", "window_number", "-finished_at"],
                                condition=Q(status="done"), name="registry_hallvisit_finished")]

    def __str__(self) -> str:
        return f"{self.day} {self.code}"
