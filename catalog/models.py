"""The master catalogue, versions, materials, adoptions, local items, lifecycle events, agencies.

All public schema: every centre reads the same master rows; an adoption says which centre
exercises which item with which local limit.
"""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.choices import (
    ApplicantType,
    Category,
    Delivery,
    EventKind,
    FormKind,
    ImportStage,
    ItemKind,
    ItemType,
    VersionStatus,
)
from catalog.retention import Retention, retention_for
from common.i18n import pick
from common.models import TimeStampedModel
from common.uploads import FORM_KINDS


def _localised(obj, field: str) -> str:
    return pick(getattr(obj, f"{field}_zh"), getattr(obj, f"{field}_en"))


class Department(TimeStampedModel):
    """A department (部门) that decides or provides items, e.g. 市市场监督管理局."""

    code = models.CharField(_("department code"), max_length=2, unique=True,
                            help_text=_("The letter pair used in item codes, e.g. SC."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="catalog_department_code_format",
                                   violation_error_message=_("A department code is two capital letters.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")


class Item(TimeStampedModel):
    """An item (事项): one thing a department decides or provides. Its content lives in versions.

    `owner_centre` is empty for a master item and set for a centre's local item.
    """

    code = models.CharField(_("item code"), max_length=32, unique=True)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="items")
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    item_type = models.CharField(_("item type"), max_length=2, choices=ItemType.choices)
    kind = models.CharField(_("hierarchy level"), max_length=10, choices=ItemKind.choices, default=ItemKind.MAIN)
    parent = models.ForeignKey("self", verbose_name=_("parent item"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    levels = ArrayField(models.CharField(max_length=16), verbose_name=_("levels that exercise it"), default=list)
    owner_centre = models.ForeignKey("tenants.Centre", verbose_name=_("local item of"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="local_items")
    current_version = models.ForeignKey("ItemVersion", verbose_name=_("current version"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    removed_on = models.DateField(_("removed on"), null=True, blank=True,
                                  help_text=_("From this date the item accepts no new case anywhere."))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    search_text = models.TextField(_("search text"), blank=True, editable=False,
                                   help_text=_("Names, code, department, keywords and pinyin initials."))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ItemKind.MAIN, parent__isnull=True)
                | (~Q(kind=ItemKind.MAIN) & Q(parent__isnull=False)),
                name="catalog_item_parent_matches_kind",
                violation_error_message=_("Only a main item has no parent item."),
            ),
        ]
        indexes = [models.Index(fields=["category"], name="catalog_item_category")]

    def __str__(self) -> str:
        version = self.current_version
        return f"{self.code} {version.name if version else ''}".strip()

    @property
    def retention(self) -> Retention:
        """How long its cases' files are kept (保管期限): `catalog.retention.retention_for` its item type."""
        return retention_for(self.item_type)

    @property
    def version(self) -> ItemVersion:
        """The version in effect (`current_version`). Every item in a catalogue has one; an item
        without one (a draft never published) raises `LookupError`."""
        if self.current_version is None:
            raise LookupError(f"item {self.code} has no version in effect")
        return self.current_version


class ItemVersion(TimeStampedModel):
    """One version of an item's content. Published versions are never edited in place (a database
    trigger refuses it): a change makes a new version. A case keeps the version it was accepted under."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    effective_from = models.DateField(_("effective from"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)
    legal_limit_days = models.PositiveIntegerField(_("legal time limit (working days)"))
    promised_limit_days = models.PositiveIntegerField(_("promised time limit (working days)"))
    is_immediate = models.BooleanField(_("immediate item"), default=False,
                                       help_text=_("Decided on the spot (即办件) rather than promised (承诺件)."))
    visits_required = models.PositiveSmallIntegerField(_("visits required"), default=1)
    online_depth = models.PositiveSmallIntegerField(_("online handling depth"), default=1,
                                                    help_text=_("1 information, 2 forms, 3 online application, "
                                                                "4 fully online."))
    fee_yuan = models.DecimalField(_("fee (yuan)"), max_digits=10, decimal_places=2, default=0)
    fee_basis = models.CharField(_("fee basis"), max_length=300, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    steps = models.JSONField(_("process steps"), default=list, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    complaint_channel = models.CharField(_("complaint channel"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_itemversion_unique_number",
                                    violation_error_message=_("This item already has a version with that number.")),
            models.CheckConstraint(condition=Q(promised_limit_days__lte=F("legal_limit_days")),
                                   name="catalog_itemversion_promised_within_legal",
                                   violation_error_message=_("The promised limit cannot exceed the legal limit.")),
            models.CheckConstraint(condition=Q(is_immediate=False) | Q(promised_limit_days=0),
                                   name="catalog_itemversion_immediate_has_no_promise",
                                   violation_error_message=_("An immediate item is decided on the spot "
                                                             "(promised limit 0).")),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"

    @property
    def name(self) -> str:
        return _localised(self, "name")


class Material(models.Model):
    """A required material (申报材料) of an item version."""

    version = models.ForeignKey(ItemVersion, verbose_name=_("item version"), on_delete=models.CASCADE,
                                related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    delivery = models.CharField(_("how delivered"), max_length=10, choices=Delivery.choices, default=Delivery.UPLOAD)
    applicant_types = ArrayField(models.CharField(max_length=16, choices=ApplicantType.choices),
                                 verbose_name=_("for applicant types"), default=list, blank=True,
                                 help_text=_("Empty: every applicant."))
    required = models.BooleanField(_("required"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def applicant_labels(self) -> list[str]:
        """Who must bring it, by applicant type in the active language (empty: every applicant)."""
        return [str(ApplicantType(t).label) if t in ApplicantType.values else t for t in self.applicant_types]


class FormFile(models.Model):
    """A form or a sample (表单, 样表) of an item version, downloaded from its service guide: a blank form to
    fill in, or a filled-in sample to copy from. Public documents. The file lives in Django's default storage
    under a random name (`common.uploads.CheckedUpload.stored_name`), never served from MEDIA_URL (the
    download view sends it, `catalog.views.form_download`); `file_name` is the cleaned name the administrator
    gave, sent back as the download's name. Like the materials, a published version's forms are never
    changed (a database trigger refuses it); a new draft shares its base version's files (same stored name:
    a stored file is never written twice), and a file is deleted from storage when no row names it."""

    version = models.ForeignKey(ItemVersion, verbose_name=_("item version"), on_delete=models.CASCADE,
                                related_name="forms")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=FormKind.choices, default=FormKind.BLANK)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    stored_name = models.CharField(_("stored as"), max_length=255, editable=False)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("form or sample")
        verbose_name_plural = _("forms and samples")
        ordering = ["version", "kind", "position", "pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def type_label(self) -> str:
        """The kind of file for people: PDF, Word (.docx), Excel (.xlsx), JPEG, PNG."""
        return next((kind.label for kind in FORM_KINDS if kind.content_type == self.content_type),
                    self.content_type)


class Adoption(TimeStampedModel):
    """A centre claims an item it exercises (认领), with its own promised limit, window and department.

    Active while `ends_on` is empty or in the future; a lifecycle event sets `ends_on`."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="adoptions")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="adoptions")
    promised_limit_days = models.PositiveIntegerField(_("local promised limit (working days)"), null=True,
                                                      blank=True, help_text=_("Empty: the master promise."))
    window = models.CharField(_("window"), max_length=40, blank=True)
    department_name = models.CharField(_("handling department"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    end_event = models.ForeignKey("LifecycleEvent", verbose_name=_("ended by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="ended_adoptions")

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        constraints = [
            models.UniqueConstraint(fields=["centre", "item"], condition=Q(ends_on__isnull=True),
                                    name="catalog_adoption_one_open_per_item",
                                    violation_error_message=_("The centre has already adopted this item.")),
        ]
        indexes = [models.Index(fields=["item", "ends_on"], name="catalog_adoption_item")]

    def __str__(self) -> str:
        return f"{self.centre_id}:{self.item_id}"


class LifecycleEvent(TimeStampedModel):
    """A change to the catalogue with its reason and effective date (事项调整), e.g. devolved to
    districts (下放区县) or cancelled by the state (国家取消). Propagated to adopting centres by Celery."""

    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="events")
    merged_into = models.ForeignKey(Item, verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_events")
    reason = models.TextField(_("reason"))
    effective_on = models.DateField(_("effective on"))
    created_by = models.ForeignKey("tenants.User", verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    propagated_at = models.DateTimeField(_("propagated at"), null=True, blank=True)
    centres_reached = models.PositiveIntegerField(_("centres reached"), default=0)
    levels_changed_on = models.DateField(
        _("levels changed on"), null=True, blank=True,
        help_text=_("A devolution: the day the item's levels took the change (its effective date, not before)."))

    class Meta:
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind=EventKind.MERGED, merged_into__isnull=False)
                                   | (~Q(kind=EventKind.MERGED) & Q(merged_into__isnull=True)),
                                   name="catalog_lifecycleevent_merge_target",
                                   violation_error_message=_("A merge names the item merged into, and only a merge.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item.code} {self.effective_on}"


class CatalogueNotice(models.Model):
    """What a lifecycle event means for one centre (its inbox of catalogue changes)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="catalogue_notices")
    event = models.ForeignKey(LifecycleEvent, verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="notices")
    message_zh = models.CharField(_("message (Chinese)"), max_length=300)
    message_en = models.CharField(_("message (English)"), max_length=400)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue notice")
        verbose_name_plural = _("catalogue notices")
        constraints = [models.UniqueConstraint(fields=["centre", "event"], name="catalog_cataloguenotice_once",
                                               violation_error_message=_("Already notified."))]

    def __str__(self) -> str:
        return self.message_zh

    @property
    def message(self) -> str:
        return _localised(self, "message")


class Agency(TimeStampedModel):
    """A third-party service agency (中介服务机构) and the items it serves."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300)
    contact = models.CharField(_("contact"), max_length=100)
    materials = models.TextField(_("materials"), blank=True)
    procedure = models.TextField(_("procedure"), blank=True)
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    items = models.ManyToManyField(Item, verbose_name=_("items served"), related_name="agencies", blank=True)

    class Meta:
        verbose_name = _("service agency")
        verbose_name_plural = _("service agencies")
        ordering = ["name_zh"]

    def __str__(self) -> str:
        return self.name_zh


class CatalogueImport(TimeStampedModel):
    """A large catalogue file (目录导入) handed to the Celery worker, and how far it has got: rows
    checked, then items created; when refused, the first problems and how many there are in all.
    The file's bytes are kept only until the worker has read them."""

    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("file content"), editable=False, default=bytes)
    stage = models.CharField(_("stage"), max_length=16, choices=ImportStage.choices, default=ImportStage.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("items created"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    problems = models.JSONField(_("first problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_by = models.ForeignKey("tenants.User", verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_stage_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
