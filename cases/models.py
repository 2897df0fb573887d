"""Cases, their materials checklist, events and one-time notices: tenant schema (each centre's own).

References to public rows (item, item version, catalogue material, users) are plain ids, never
foreign keys across schemas; what a case needs of them is frozen on it at submission/acceptance.
"""
from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import ApplicantKind, CaseEventKind, CaseStatus, Channel
from common.fields import EncryptedTextField
from common.i18n import pick
from common.models import IdempotencyKeyBase, TimeStampedModel


class Case(TimeStampedModel):
    """A case (办件): one application for one adopted item at this centre."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("case number"), max_length=32, unique=True)
    item_id = models.BigIntegerField(_("item id"))
    item_version_id = models.BigIntegerField(_("item version id"))
    item_code = models.CharField(_("item code"), max_length=32)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200)
    item_name_en = models.CharField(_("item (English)"), max_length=300)
    department_code = models.CharField(_("department"), max_length=2, blank=True)
    department_name_zh = models.CharField(_("department (Chinese)"), max_length=100, blank=True)
    department_name_en = models.CharField(_("department (English)"), max_length=150, blank=True)
    window = models.CharField(_("window"), max_length=40, blank=True)
    legal_limit_days = models.PositiveIntegerField(_("legal limit (working days)"))
    promised_limit_days = models.PositiveIntegerField(_("promised limit (working days)"))
    applicant_kind = models.CharField(_("applicant type"), max_length=16, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("applicant"), max_length=200)
    # Personal data encrypted at rest (common.crypto): the attributes hold the clear values, the columns
    # Fernet tokens; never filtered on (the registry keeps the ID number's HMAC for lookups).
    applicant_id_number = EncryptedTextField(_("ID number / credit code"))
    phone = EncryptedTextField(_("mobile phone"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("working days paused"), default=0)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    legal_due = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due_provisional = models.BooleanField(
        _("promised due date provisional"), default=False,
        help_text=_("Counted on days of a year whose holiday schedule is not out yet: recomputed when it is."))
    legal_due_provisional = models.BooleanField(_("legal due date provisional"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    submitted_by_id = models.BigIntegerField(_("submitted by (user id)"), null=True, blank=True)
    handler_id = models.BigIntegerField(_("responsible clerk (user id)"), null=True, blank=True,
                                        help_text=_("Who accepted the case."))
    on_behalf_of = models.CharField(_("filed on behalf of"), max_length=200, blank=True)
    joint_case_id = models.UUIDField(_("joint case"), null=True, blank=True)
    green_channel = models.CharField(_("green channel"), max_length=32, blank=True, db_default="",
                                     help_text=_("The programme whose simplified materials and shorter limit apply."))
    promised_cap_days = models.PositiveIntegerField(
        _("promised limit cap (working days)"), null=True, blank=True,
        help_text=_("At acceptance the promised limit is at most this (a green channel's compressed limit)."))
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["department_code", "status"], name="cases_case_dept_status"),
                   models.Index(fields=["promised_due"], name="cases_case_promised_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def item_name(self) -> str:
        """The item's name in the active language."""
        return pick(self.item_name_zh, self.item_name_en)

    @property
    def department_name(self) -> str:
        """The department's name in the active language."""
        return pick(self.department_name_zh, self.department_name_en)


class CaseMaterial(models.Model):
    """One line of the materials checklist, against the item version's materials."""

    class State(models.TextChoices):
        PROVIDED = "provided", _("Provided")
        MISSING = "missing", _("Missing")
        NOT_NEEDED = "not_needed", _("Not needed for this applicant")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="materials")
    material_id = models.BigIntegerField(_("catalogue material id"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)
    required = models.BooleanField(_("required"), default=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.MISSING)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["case", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "material_id"], name="cases_casematerial_once",
                                               violation_error_message=_("The material is already listed."))]

    def __str__(self) -> str:
        return self.name_zh


class CaseEvent(models.Model):
    """Every transition (who, when, from, to, note), written in the same transaction as the change."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("what happened"), max_length=24, choices=CaseEventKind.choices)
    from_status = models.CharField(pgettext_lazy("case status", "from"), max_length=24, blank=True)
    to_status = models.CharField(pgettext_lazy("case status", "to"), max_length=24)
    acting_user_id = models.BigIntegerField(_("acting user id"), null=True, blank=True)
    acting_name = models.CharField(_("acting"), max_length=150, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_status}→{self.to_status}"


class OneTimeNotice(models.Model):
    """The one-time notice (一次性告知): one written notice listing every missing material."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notices")
    missing = models.JSONField(_("missing materials"))
    note = models.TextField(_("note"), blank=True)
    issued_on = models.DateField(_("issued on"))
    issued_by_id = models.BigIntegerField(_("issued by"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(resolved_on__isnull=True),
                                               name="cases_onetimenotice_one_open",
                                               violation_error_message=_("The case already has an open notice."))]

    def __str__(self) -> str:
        return f"{self.case_id} {self.issued_on}"


class CaseNumberCounter(models.Model):
    """The day's last sequence number (row-locked when a number is taken, so numbers never collide)."""

    day = models.DateField(_("day"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class CaseDocument(models.Model):
    """A file of a case (办件材料与文书): a material the applicant uploaded (online or answering a
    one-time notice), or a document the centre issued (the acceptance receipt, a notice, the decision).
    The file lives in Django's storage under a random name (`cases.files`); `name` is the cleaned name the
    person gave, shown and sent back as the download's name. Served only through the case's pages to
    those who may see the case (staff through `cases.selectors`, the applicant through the door)."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Material")
        RECEIPT = "receipt", _("Acceptance receipt")
        NOTICE = "notice", _("One-time notice")
        DECISION = "decision", _("Decision")
        OTHER = "other", _("Other document")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    material_id = models.BigIntegerField(_("catalogue material id"), null=True, blank=True,
                                         help_text=_("For a material: which line of the checklist it answers."))
    notice = models.ForeignKey(OneTimeNotice, verbose_name=_("answers notice"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="documents")
    # stored as `cases/<centre schema>/<case uuid>/<random>.<ext>` (`common.uploads.CheckedUpload.stored_name`)
    file = models.FileField(_("file"), max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    by_applicant = models.BooleanField(_("from the applicant"), default=False)
    uploaded_by_id = models.BigIntegerField(_("uploaded by (user id)"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True,
                                       help_text=_("A later upload for the same material replaced this one."))

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "uploaded_at", "pk"]
        indexes = [models.Index(fields=["case", "kind"], name="cases_casedocument_kind")]

    def __str__(self) -> str:
        return self.name


class OutboxRow(models.Model):
    """A row of the centre's outbox (中心发件箱): a write a case change owes the public schema (its registry
    row, the applicant's SMS), kept in the centre's own schema in the case's transaction and projected
    into the public schema after commit (`cases.outbox`, with `CASE_PUBLIC_WRITES = "after_commit"`), so
    that a case write touches one schema — one node on a Citus cluster. `id` orders the rows: a case's
    rows are projected in the order its changes committed."""

    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(_("topic"), max_length=40)
    payload = models.JSONField(_("payload"))
    case_id = models.UUIDField(_("case"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outbox row")
        verbose_name_plural = _("outbox rows")

    def __str__(self) -> str:
        return f"{self.pk} {self.topic}"


class CaseIdempotencyKey(IdempotencyKeyBase):
    """A client's idempotency key of a case filed at this centre (`common.idempotency`), kept in the centre's
    schema so that filing a case writes one schema only."""

    class Meta(IdempotencyKeyBase.Meta):
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="cases_caseidempotencykey_once",
                                               violation_error_message=_("This key was used already."))]
