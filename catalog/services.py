"""Writes for the catalogue: items and versions, adoption (认领), local items, lifecycle events.

Views, API, commands and tasks all call these. Dates are injectable (`today`) so that effective
dates can be tested; by default they are the platform's local date (Asia/Shanghai).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from catalog.choices import (
    PARENT_KIND,
    Category,
    EventKind,
    FormKind,
    ItemKind,
    ItemType,
    VersionStatus,
)
from catalog.error_codes import CatalogErrorCode
from catalog.hooks import VersionPublished, version_published
from catalog.models import (
    Adoption,
    CatalogueNotice,
    Department,
    FormFile,
    Item,
    ItemVersion,
    LifecycleEvent,
    Material,
)
from catalog.selectors import adoptable_items
from catalog.tasks import event_propagate_task
from common.errors import ApplicationError, ConflictError
from common.glyphs import printable_field_errors
from common.uploads import FORM_KINDS, upload_check
from tenants.audit import audit_changes, audit_record
from tenants.choices import AuditKind, AuditTarget, CentreStatus, Level
from tenants.models import Centre, User

logger = logging.getLogger(__name__)

#: The national form of an item code: implementing body's division code, department letter pair,
#: item type, serial; sub-items and handling items add a 3-digit suffix each.
ITEM_CODE_RE = re.compile(r"^[0-9]{6}[A-Z]{2}-[A-Z]{2}-[0-9]{4}(-[0-9]{3}){0,2}$")

VERSION_CONTENT_FIELDS = (
    "name_zh", "name_en", "legal_limit_days", "promised_limit_days", "is_immediate", "visits_required",
    "online_depth", "fee_yuan", "fee_basis", "legal_basis", "conditions", "steps", "contact_phone",
    "complaint_channel",
)
#: What a new draft copies of its base version's forms (the stored file itself is shared, never copied).
FORM_FILE_FIELDS = ("position", "kind", "name_zh", "name_en", "stored_name", "file_name", "content_type", "size",
                    "sha256", "uploaded_at")
MATERIAL_FIELDS = ("name_zh", "name_en", "originals", "copies", "delivery", "applicant_types", "required", "note")

#: What the printed guide book shows of a version, of its materials and of a centre's terms: text
#: no font can print is refused when saved (common.glyphs), never dropped from the page.
PRINTED_CONTENT_FIELDS = ("name_zh", "name_en", "fee_basis", "legal_basis", "conditions", "steps", "contact_phone",
                          "complaint_channel")
PRINTED_MATERIAL_FIELDS = ("name_zh", "name_en")
PRINTED_ADOPTION_FIELDS = ("window", "department_name")


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- items and versions --------------------------------------------------------------------------

def item_create(
    *,
    code: str,
    department: Department,
    category: str,
    item_type: str,
    levels: Iterable[str],
    kind: str = ItemKind.MAIN,
    parent: Item | None = None,
    owner_centre: Centre | None = None,
    keywords: str = "",
    acting_user: User | None,
) -> Item:
    """A new item (no content yet: add a version)."""
    with transaction.atomic():
        item = _item_insert(code=code, department=department, category=category, item_type=item_type,
                            levels=levels, kind=kind, parent=parent, owner_centre=owner_centre, keywords=keywords)
        audit_record(kind=AuditKind.ITEM_CREATED, actor=acting_user, centre=owner_centre,
                     target_type=AuditTarget.ITEM, target_id=item.pk, target_label=item.code,
                     after={"department": department.code, "levels": item.levels})
    return item


def _item_insert(*, code: str, department: Department, category: str, item_type: str, levels: Iterable[str],
                 kind: str, parent: Item | None, owner_centre: Centre | None, keywords: str) -> Item:
    errors: dict[str, list[str]] = {}
    if not ITEM_CODE_RE.match(code or ""):
        errors.setdefault("code", []).append(
            _("Malformed item code “%(value)s”: use the national form, e.g. 610100SC-XK-0001.") % {"value": code})
    elif Item.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(_("Item code %(value)s is taken.") % {"value": code})
    if category not in Category.values:
        errors.setdefault("category", []).append(_("Unknown category “%(value)s”.") % {"value": category})
    if item_type not in ItemType.values:
        errors.setdefault("item_type", []).append(_("Unknown item type “%(value)s”.") % {"value": item_type})
    levels = list(dict.fromkeys(levels))
    if not levels or any(level not in Level.values for level in levels):
        errors.setdefault("levels", []).append(
            _("Levels must be some of: %(choices)s.") % {"choices": ", ".join(Level.values)})
    expected_parent = PARENT_KIND.get(kind, "?")
    if kind not in ItemKind.values:
        errors.setdefault("kind", []).append(_("Unknown hierarchy level “%(value)s”.") % {"value": kind})
    elif expected_parent is None and parent is not None:
        errors.setdefault("parent", []).append(_("A main item has no parent item."))
    elif expected_parent is not None and (parent is None or parent.kind != expected_parent):
        errors.setdefault("parent", []).append(
            _("A %(kind)s sits under a %(parent)s.") % {"kind": ItemKind(kind).label,
                                                        "parent": ItemKind(expected_parent).label})
    if errors:
        raise ApplicationError(_("The item cannot be created: %(problems)s")
                               % {"problems": "; ".join(" ".join(v) for v in errors.values())},
                               CatalogErrorCode.INVALID_ITEM, {"fields": errors})
    item = Item.objects.create(code=code, department=department, category=category, item_type=item_type,
                               kind=kind, parent=parent, levels=levels, owner_centre=owner_centre,
                               keywords=keywords)
    return item


def _label(model: type[models.Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def unprintable_content(*, content: dict, materials: list[dict] | None = None) -> dict[str, list[str]]:
    """`{field: [message]}` for the printed fields of a version's content (and its materials) that hold
    characters no font of the guide book has, each message naming the field and the characters."""
    values: dict[str, object] = {name: content[name] for name in PRINTED_CONTENT_FIELDS if name in content}
    labels: dict[str, object] = {name: _label(ItemVersion, name) for name in values}
    if materials:
        values["materials"] = [[m.get(name) for name in PRINTED_MATERIAL_FIELDS] for m in materials]
        labels["materials"] = Material._meta.verbose_name_plural
    return printable_field_errors(values, labels)


def _check_printable_terms(**terms: str | None) -> None:
    """A centre's window and handling department are printed in its guide book."""
    errors = printable_field_errors({name: value for name, value in terms.items() if value},
                                    {name: _label(Adoption, name) for name in terms})
    if errors:
        raise ApplicationError(" ".join(" ".join(v) for v in errors.values()), CatalogErrorCode.UNPRINTABLE_TEXT,
                               {"fields": errors})


def _validate_content(content: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("name_zh", "name_en"):
        if not str(content.get(name) or "").strip():
            errors.setdefault(name, []).append(_("This field is required."))
    legal, promised = content.get("legal_limit_days"), content.get("promised_limit_days")
    for name, value in (("legal_limit_days", legal), ("promised_limit_days", promised)):
        if not isinstance(value, int) or value < 0:
            errors.setdefault(name, []).append(_("A number of working days, 0 or more."))
    if not errors and isinstance(promised, int) and isinstance(legal, int) and promised > legal:
        errors.setdefault("promised_limit_days", []).append(
            _("The promised limit (%(promised)d working days) cannot exceed the legal limit of %(legal)d "
              "working days.") % {"promised": promised, "legal": legal})
    if content.get("is_immediate") and promised not in (0, None):
        errors.setdefault("promised_limit_days", []).append(
            _("An immediate item is decided on the spot: its promised limit is 0."))
    return errors


#: What an audit entry shows of a first version (later versions: the content fields that changed).
_FIRST_VERSION_AUDITED = ("name_zh", "legal_limit_days", "promised_limit_days")


def _version_label(item: Item, version: ItemVersion) -> str:
    return f"{item.code} v{version.number}"


@transaction.atomic
def version_create_draft(
    *,
    item: Item,
    content: dict,
    materials: list[dict] | None = None,
    effective_from: dt.date,
    acting_user: User | None,
) -> ItemVersion:
    """A new draft version of `item`. Fields missing from `content` are taken from the current
    version, so a change is "the current version with this altered"."""
    base = item.current_version
    version = _version_insert(item=item, content=content, materials=materials, effective_from=effective_from)
    if base is not None:
        before, after = audit_changes(before={name: getattr(base, name) for name in VERSION_CONTENT_FIELDS},
                                      after={name: getattr(version, name) for name in VERSION_CONTENT_FIELDS})
    else:
        before, after = {}, {name: getattr(version, name) for name in _FIRST_VERSION_AUDITED}
    audit_record(kind=AuditKind.VERSION_DRAFTED, actor=acting_user, centre=item.owner_centre,
                 target_type=AuditTarget.ITEM_VERSION, target_id=version.pk,
                 target_label=_version_label(item, version), before=before,
                 after={**after, "effective_from": version.effective_from})
    return version


def _version_insert(*, item: Item, content: dict, materials: list[dict] | None,
                    effective_from: dt.date) -> ItemVersion:
    base = item.current_version
    merged = {name: getattr(base, name) for name in VERSION_CONTENT_FIELDS} if base else {}
    merged.update({k: v for k, v in content.items() if k in VERSION_CONTENT_FIELDS})
    if materials is None and base is not None:
        materials = [{name: getattr(m, name) for name in MATERIAL_FIELDS} for m in base.materials.all()]
    errors = _validate_content(merged)
    for field, problems in unprintable_content(content=merged, materials=materials).items():
        errors.setdefault(field, []).extend(problems)
    if errors:
        raise ApplicationError(_("The version cannot be saved: %(problems)s")
                               % {"problems": "; ".join(" ".join(v) for v in errors.values())},
                               CatalogErrorCode.INVALID_VERSION, {"fields": errors})
    Item.objects.select_for_update().get(pk=item.pk)  # numbers are handed out one at a time
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ItemVersion.objects.create(item=item, number=number, effective_from=effective_from, **merged)
    Material.objects.bulk_create(
        Material(version=version, position=i, **{k: v for k, v in m.items() if k in MATERIAL_FIELDS})
        for i, m in enumerate(materials or []))
    if base is not None:  # the forms follow the content: the new draft shares its base's stored files
        FormFile.objects.bulk_create(
            FormFile(version=version, **{name: getattr(f, name) for name in FORM_FILE_FIELDS})
            for f in base.forms.all())
    return version


def version_publish(*, version: ItemVersion, acting_user: User | None, today: dt.date | None = None) -> ItemVersion:
    """Publish a draft. From its effective date it is the item's current version and the one before
    is archived; adopting centres follow at once (a local promise above the new legal limit is
    lowered to it)."""
    with transaction.atomic():
        locked = _version_publish(version=version, today=_today(today))
        audit_record(kind=AuditKind.VERSION_PUBLISHED, actor=acting_user, centre=locked.item.owner_centre,
                     target_type=AuditTarget.ITEM_VERSION, target_id=locked.pk,
                     target_label=_version_label(locked.item, locked),
                     before={"status": VersionStatus.DRAFT},
                     after={"status": VersionStatus.PUBLISHED, "effective_from": locked.effective_from})
    return locked


def _version_publish(*, version: ItemVersion, today: dt.date) -> ItemVersion:
    """Publish inside the caller's transaction."""
    locked = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ConflictError(_("Version %(number)d is already %(status)s; only a draft can be published.")
                            % {"number": locked.number, "status": locked.get_status_display()},
                            CatalogErrorCode.VERSION_FROZEN)
    locked.status = VersionStatus.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    item = item_refresh_current(item=locked.item, today=today)
    _announce(locked, became_current=item.current_version_id == locked.pk)
    return locked


def _announce(version: ItemVersion, *, became_current: bool) -> None:
    """Tell the apps above (catalog.hooks.version_published) that `version` is published or now current."""
    previous = (ItemVersion.objects.filter(item_id=version.item_id, number__lt=version.number,
                                           status__in=(VersionStatus.PUBLISHED, VersionStatus.ARCHIVED))
                .order_by("-number").first())
    version_published.send(VersionPublished(version=version, previous=previous, effective_on=version.effective_from,
                                            became_current=became_current))


def item_refresh_current(*, item: Item, today: dt.date | None = None) -> Item:
    """Point `item.current_version` at its latest published version in effect on `today`; archive the
    published versions it supersedes; keep the search text and local promises in step."""
    today = _today(today)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        current = (item.versions.filter(status=VersionStatus.PUBLISHED, effective_from__lte=today)
                   .order_by("-effective_from", "-number").first())
        if current is None or current.pk == item.current_version_id:
            return item
        item.versions.filter(status=VersionStatus.PUBLISHED, number__lt=current.number).update(
            status=VersionStatus.ARCHIVED)
        item.current_version = current
        item.search_text = item_search_text(item=item, version=current)
        item.save(update_fields=["current_version", "search_text", "updated_at"])
        Adoption.objects.filter(item=item, promised_limit_days__gt=current.legal_limit_days).update(
            promised_limit_days=current.legal_limit_days)
    return item


def _devolution_take_effect(event: LifecycleEvent) -> None:
    """A devolution's effective date has come: the item's levels lose the city and gain the districts
    and zones (before it, the levels in force are the old ones: the city may still adopt it and a
    district not yet), and a city adoption made since the event was carried ends on that date too."""
    item = Item.objects.select_for_update().get(pk=event.item_id)
    Item.objects.filter(pk=item.pk).update(levels=sorted(
        (set(item.levels) - {Level.CITY}) | {Level.DISTRICT, Level.ZONE}))
    Adoption.objects.filter(item=item, ends_on__isnull=True, centre__level=Level.CITY).update(
        ends_on=event.effective_on, end_event=event)
    LifecycleEvent.objects.filter(pk=event.pk).update(levels_changed_on=event.effective_on)
    event.levels_changed_on = event.effective_on


def catalogue_refresh_current(*, today: dt.date | None = None) -> int:
    """Daily: versions whose effective date has come become current, and devolutions carried to the
    centres change their items' levels on their effective date. Returns how many items moved."""
    today = _today(today)
    moved = 0
    with transaction.atomic():
        for event in LifecycleEvent.objects.select_for_update().filter(
                kind=EventKind.DEVOLVED, propagated_at__isnull=False, levels_changed_on__isnull=True,
                effective_on__lte=today).order_by("effective_on", "pk"):
            _devolution_take_effect(event)
            moved += 1
    in_effect = ItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.PUBLISHED,
                                           effective_from__lte=today)
    due = Item.objects.filter(
        Q(current_version__isnull=True, pk__in=in_effect.values("item"))
        | Q(Exists(in_effect.filter(number__gt=OuterRef("current_version__number")))))
    for item in due:
        before = item.current_version_id
        with transaction.atomic():
            refreshed = item_refresh_current(item=item, today=today)
            if refreshed.current_version_id != before and refreshed.current_version is not None:
                _announce(refreshed.current_version, became_current=True)
                moved += 1
    return moved


def pinyin_initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def item_search_text(*, item: Item, version: ItemVersion) -> str:
    """What search matches: names, code, department, keywords, full pinyin and pinyin initials."""
    department = item.department
    parts = [version.name_zh, version.name_en, item.code, department.name_zh, department.name_en, item.keywords,
             pinyin_initials(version.name_zh), "".join(lazy_pinyin(version.name_zh, errors="ignore")),
             pinyin_initials(department.name_zh)]
    return " ".join(p for p in parts if p).lower()


# --- forms and samples (表单下载, 样表) ------------------------------------------------------------------

#: The storage folder of the forms' files (random names under it).
FORMS_FOLDER = "catalog/forms"


def _lock_draft(version: ItemVersion) -> ItemVersion:
    locked = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ConflictError(_("Version %(number)d is %(status)s: its forms and samples are never changed; make a "
                              "new version.") % {"number": locked.number, "status": locked.get_status_display()},
                            CatalogErrorCode.VERSION_FROZEN)
    return locked


def form_add(*, version: ItemVersion, kind: str, name_zh: str, name_en: str = "", upload,
             acting_user: User | None, file_name: str | None = None) -> FormFile:
    """Attach a blank form or a filled-in sample (表单, 样表) to a draft version. `upload` is a file object
    (bytes); it is told by its content (`common.uploads.FORM_KINDS`: PDF, JPEG, PNG, Word, Excel) and at most
    `settings.ITEM_FORM_MAX_BYTES`; it is stored under a random name in the default storage.

    Raises `ApplicationError` `catalog_invalid_form` (a name missing, an unknown kind; field errors),
    `upload_refused` (field `file`: see `common.uploads.upload_check`), `ConflictError`
    `catalog_version_frozen` (the version is published or archived). Nothing is stored on error."""
    errors: dict[str, list[str]] = {}
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    if not name_zh:
        errors["name_zh"] = [_("This field is required.")]
    if kind not in FormKind.values:
        errors["kind"] = [_("Unknown kind “%(value)s”.") % {"value": kind}]
    errors.update(printable_field_errors({"name_zh": name_zh, "name_en": name_en},
                                         {"name_zh": _label(FormFile, "name_zh"),
                                          "name_en": _label(FormFile, "name_en")}))
    if errors:
        raise ApplicationError(_("The form cannot be added: %(problems)s")
                               % {"problems": "; ".join(" ".join(v) for v in errors.values())},
                               CatalogErrorCode.INVALID_FORM, {"fields": errors})
    checked = upload_check(upload, kinds=FORM_KINDS, max_bytes=settings.ITEM_FORM_MAX_BYTES, field="file",
                           name=file_name)
    with transaction.atomic():
        locked = _lock_draft(version)
        stored = default_storage.save(checked.stored_name(FORMS_FOLDER), ContentFile(checked.content))
        try:
            with transaction.atomic():
                position = (locked.forms.aggregate(n=Max("position"))["n"] or 0) + 1
                form = FormFile.objects.create(
                    version=locked, position=position, kind=kind, name_zh=name_zh, name_en=name_en,
                    stored_name=stored, file_name=checked.name, content_type=checked.content_type, size=checked.size,
                    sha256=checked.sha256, uploaded_at=timezone.now())
                audit_record(kind=AuditKind.ITEM_FORM_ADDED, actor=acting_user, centre=locked.item.owner_centre,
                             target_type=AuditTarget.ITEM_VERSION, target_id=locked.pk,
                             target_label=_version_label(locked.item, locked),
                             after={"kind": kind, "name_zh": name_zh, "file_name": checked.name,
                                    "size": checked.size, "sha256": checked.sha256})
        except Exception:
            default_storage.delete(stored)
            raise
    return form


def _delete_unused_file(stored_name: str) -> None:
    if not FormFile.objects.filter(stored_name=stored_name).exists():
        default_storage.delete(stored_name)


def form_remove(*, form: FormFile, acting_user: User | None) -> None:
    """Take a form or sample off a draft version. Its stored file is deleted after commit unless another
    version still names it. Raises `ConflictError` `catalog_version_frozen` for a published or archived
    version; a form removed already is not an error."""
    with transaction.atomic():
        locked = _lock_draft(form.version)
        row = FormFile.objects.filter(pk=form.pk, version=locked).first()
        if row is None:
            return
        row.delete()
        audit_record(kind=AuditKind.ITEM_FORM_REMOVED, actor=acting_user, centre=locked.item.owner_centre,
                     target_type=AuditTarget.ITEM_VERSION, target_id=locked.pk,
                     target_label=_version_label(locked.item, locked),
                     before={"kind": row.kind, "name_zh": row.name_zh, "file_name": row.file_name})
        stored = row.stored_name
        transaction.on_commit(lambda: _delete_unused_file(stored))


# --- adoption (逐级认领) ----------------------------------------------------------------------------

def _item_label(item: Item) -> str:
    """How an audit entry names an item: its code and (official) Chinese name."""
    version = item.current_version
    return f"{item.code} {version.name_zh}" if version is not None else item.code


@dataclass(frozen=True)
class AdoptResult:
    adoption: Adoption
    created: bool


def _adoptable_reason(*, centre: Centre, item: Item, today: dt.date, parent_items: set[int] | None) -> str | None:
    """Why `centre` may not adopt `item` today, or None."""
    if item.removed_on is not None and item.removed_on <= today:
        return _("Item %(code)s was removed from the catalogue on %(date)s.") % {"code": item.code,
                                                                                  "date": item.removed_on}
    if item.current_version_id is None:
        return _("Item %(code)s has no published version yet.") % {"code": item.code}
    if item.owner_centre_id is not None:
        if item.owner_centre_id != centre.pk:
            return _("Item %(code)s is another centre's local item.") % {"code": item.code}
        return None
    if centre.level not in item.levels:
        return _("A %(level)s does not exercise item %(code)s (it is exercised by: %(levels)s).") % {
            "level": Level(centre.level).label, "code": item.code,
            "levels": ", ".join(str(Level(lv).label) for lv in item.levels if lv in Level.values)}
    if centre.level == Level.TOWNSHIP and parent_items is not None and item.pk not in parent_items:
        return _("The township's list is what its district claimed for it: %(parent)s has not adopted "
                 "item %(code)s.") % {"parent": centre.parent.name_zh if centre.parent else "-", "code": item.code}
    return None


def _parent_items(centre: Centre, today: dt.date) -> set[int] | None:
    if centre.level != Level.TOWNSHIP or centre.parent_id is None:
        return None
    return set(Adoption.objects.filter(centre_id=centre.parent_id).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today)).values_list("item_id", flat=True))


def _check_promise(*, item: Item, promised: int | None) -> None:
    if promised is None:
        return
    legal = item.version.legal_limit_days
    if promised < 0:
        raise ApplicationError(_("A promised limit is 0 or more working days."), CatalogErrorCode.INVALID_VERSION,
                               {"fields": {"promised_limit_days": [_("A number of working days, 0 or more.")]}})
    if promised > legal:
        raise ApplicationError(
            _("The promised limit of %(promised)s working days is above the legal limit: item %(code)s's legal "
              "limit is %(legal)d working days.") % {"promised": promised, "code": item.code, "legal": legal},
            CatalogErrorCode.PROMISE_ABOVE_LEGAL,
            {"fields": {"promised_limit_days": [_("At most %(legal)d working days (the legal limit).")
                                                % {"legal": legal}]}, "legal_limit_days": legal})


def adoption_create(
    *,
    centre: Centre,
    item: Item,
    acting_user: User | None,
    promised_limit_days: int | None = None,
    window: str = "",
    department_name: str = "",
    today: dt.date | None = None,
) -> AdoptResult:
    """`centre` claims `item`. Adopting an item already adopted returns the existing adoption."""
    today = _today(today)
    item = Item.objects.select_related("current_version").get(pk=item.pk)  # the database's word, not a stale copy
    existing = (Adoption.objects.filter(centre=centre, item=item)
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)).first())
    if existing is not None:
        return AdoptResult(adoption=existing, created=False)
    reason = _adoptable_reason(centre=centre, item=item, today=today, parent_items=_parent_items(centre, today))
    if reason:
        raise ApplicationError(reason, CatalogErrorCode.NOT_ADOPTABLE, {"item": item.code})
    _check_promise(item=item, promised=promised_limit_days)
    _check_printable_terms(window=window, department_name=department_name)
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(
                centre=centre, item=item, promised_limit_days=promised_limit_days, window=window,
                department_name=department_name, starts_on=today)
            audit_record(kind=AuditKind.ITEM_ADOPTED, actor=acting_user, centre=centre,
                         target_type=AuditTarget.ADOPTION, target_id=adoption.pk, target_label=_item_label(item),
                         after={key: value for key, value in (
                             ("promised_limit_days", promised_limit_days), ("window", window),
                             ("department_name", department_name), ("starts_on", today)) if value not in (None, "")})
    except IntegrityError:
        return AdoptResult(adoption=Adoption.objects.get(centre=centre, item=item, ends_on__isnull=True),
                           created=False)
    return AdoptResult(adoption=adoption, created=True)


def adoption_adopt_all(*, centre: Centre, acting_user: User | None, today: dt.date | None = None) -> int:
    """Claim every item the centre's level may exercise (for a township: those its district claimed),
    skipping what it has already. Returns how many were adopted."""
    today = _today(today)
    candidates = adoptable_items(centre=centre, on=today)
    rows = [Adoption(centre=centre, item_id=pk, starts_on=today) for pk in candidates.values_list("pk", flat=True)]
    with transaction.atomic():
        Adoption.objects.bulk_create(rows, ignore_conflicts=True)
        if rows:  # one entry for the lot
            audit_record(kind=AuditKind.ITEM_ADOPTED, actor=acting_user, centre=centre,
                         target_type=AuditTarget.ADOPTION, after={"count": len(rows), "starts_on": today})
    return len(rows)


_UNCHANGED = object()

#: A centre's own terms for an item (what `adoption_update` changes).
_ADOPTION_TERMS = ("promised_limit_days", "window", "department_name")


def adoption_update(
    *,
    adoption: Adoption,
    acting_user: User | None,
    promised_limit_days: int | None | object = _UNCHANGED,
    window: str | None = None,
    department_name: str | None = None,
) -> Adoption:
    """Change a centre's terms for an item; what is not passed stays (None for the promise: follow the
    master's promise)."""
    _check_printable_terms(window=window, department_name=department_name)
    with transaction.atomic():
        locked = (Adoption.objects.select_for_update(of=("self",)).select_related("item__current_version", "centre")
                  .get(pk=adoption.pk))
        was = {name: getattr(locked, name) for name in _ADOPTION_TERMS}
        if promised_limit_days is not _UNCHANGED:
            promise = cast(int | None, promised_limit_days)
            _check_promise(item=locked.item, promised=promise)
            locked.promised_limit_days = promise
        if window is not None:
            locked.window = window
        if department_name is not None:
            locked.department_name = department_name
        locked.save(update_fields=["promised_limit_days", "window", "department_name", "updated_at"])
        before, after = audit_changes(before=was, after={name: getattr(locked, name) for name in _ADOPTION_TERMS})
        if before or after:
            audit_record(kind=AuditKind.ADOPTION_CHANGED, actor=acting_user, centre=locked.centre,
                         target_type=AuditTarget.ADOPTION, target_id=locked.pk, target_label=_item_label(locked.item),
                         before=before, after=after)
    return locked


def adoption_end(*, adoption: Adoption, acting_user: User | None, today: dt.date | None = None) -> Adoption:
    """The centre stops exercising the item from today."""
    today = _today(today)
    with transaction.atomic():
        if Adoption.objects.filter(pk=adoption.pk, ends_on__isnull=True).update(ends_on=today):
            ended = Adoption.objects.select_related("centre", "item__current_version").get(pk=adoption.pk)
            audit_record(kind=AuditKind.ADOPTION_ENDED, actor=acting_user, centre=ended.centre,
                         target_type=AuditTarget.ADOPTION, target_id=ended.pk, target_label=_item_label(ended.item),
                         before={"ends_on": None}, after={"ends_on": today})
    adoption.refresh_from_db()
    return adoption


@transaction.atomic
def local_item_create(
    *,
    centre: Centre,
    department: Department,
    category: str,
    item_type: str,
    content: dict,
    materials: list[dict] | None = None,
    acting_user: User | None,
    today: dt.date | None = None,
) -> Adoption:
    """A centre's own item: coded from the centre's division code, published and adopted at once (one
    audit entry for the whole)."""
    today = _today(today)
    prefix = f"{centre.division_code[:6]}{department.code}-{item_type}-"
    taken = Item.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    serial = 1 + max((int(code[len(prefix):len(prefix) + 4]) for code in taken), default=9000)
    item = _item_insert(code=f"{prefix}{serial:04d}", department=department, category=category,
                        item_type=item_type, levels=[centre.level], kind=ItemKind.MAIN, parent=None,
                        owner_centre=centre, keywords="")
    version = _version_insert(item=item, content=content, materials=materials, effective_from=today)
    _version_publish(version=version, today=today)
    item.refresh_from_db()
    adoption = Adoption.objects.create(centre=centre, item=item, starts_on=today)
    audit_record(kind=AuditKind.LOCAL_ITEM_CREATED, actor=acting_user, centre=centre, target_type=AuditTarget.ITEM,
                 target_id=item.pk, target_label=_item_label(item),
                 after={name: getattr(version, name) for name in _FIRST_VERSION_AUDITED})
    return adoption


# --- lifecycle events -----------------------------------------------------------------------------

def event_record(
    *,
    kind: str,
    item: Item,
    reason: str,
    effective_on: dt.date,
    acting_user: User | None,
    merged_into: Item | None = None,
) -> LifecycleEvent:
    """Record a lifecycle event; a Celery worker carries it to every centre concerned after commit."""
    errors: dict[str, list[str]] = {}
    if kind not in EventKind.values:
        errors["kind"] = [_("Unknown event “%(value)s”.") % {"value": kind}]
    if not (reason or "").strip():
        errors["reason"] = [_("A reason is required.")]
    if kind == EventKind.MERGED and (merged_into is None or merged_into.pk == item.pk):
        errors["merged_into"] = [_("A merge names another item to merge into.")]
    if kind != EventKind.MERGED and merged_into is not None:
        errors["merged_into"] = [_("Only a merge names an item to merge into.")]
    if kind == EventKind.DEVOLVED and Level.CITY not in item.levels:
        errors["kind"] = [_("Only an item the city exercises can be devolved to districts.")]
    if errors:
        raise ApplicationError(_("The event cannot be recorded: %(problems)s")
                               % {"problems": "; ".join(" ".join(v) for v in errors.values())},
                               CatalogErrorCode.INVALID_EVENT, {"fields": errors})
    with transaction.atomic():
        event = LifecycleEvent.objects.create(kind=kind, item=item, reason=reason.strip(),
                                              effective_on=effective_on, merged_into=merged_into,
                                              created_by=acting_user)
        transaction.on_commit(lambda: event_propagate_task.delay(event.pk))
    return event


def _notify(event: LifecycleEvent, centre_ids: Iterable[int], message_zh: str, message_en: str) -> int:
    """One notice per centre and event; returns how many centres were newly reached."""
    already = set(CatalogueNotice.objects.filter(event=event).values_list("centre_id", flat=True))
    notices = [CatalogueNotice(centre_id=pk, event=event, message_zh=message_zh[:300], message_en=message_en[:400])
               for pk in set(centre_ids) - already]
    CatalogueNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def _ready_centres(levels: Iterable[str]) -> list[int]:
    return list(Centre.objects.filter(level__in=list(levels), status=CentreStatus.READY).values_list("pk", flat=True))


def event_propagate(*, event_id: int) -> LifecycleEvent:
    """Carry an event to every centre concerned: adoptions end (or move) on its effective date, centres
    that gain the item adopt it, and each centre gets a notice. Idempotent; bulk statements, no loop
    over centres or schemas."""
    with transaction.atomic():
        event = LifecycleEvent.objects.select_for_update(of=("self",)).select_related(
            "item__current_version", "merged_into").get(pk=event_id)
        item, on = event.item, event.effective_on
        name_zh = item.current_version.name_zh if item.current_version else item.code
        name_en = item.current_version.name_en if item.current_version else item.code
        open_adoptions = Adoption.objects.filter(item=item, ends_on__isnull=True)
        reached = 0

        if event.kind in (EventKind.ADDED, EventKind.TAKEN_OVER):
            reached = _notify(event, _ready_centres(item.levels),
                              f"新增事项 {item.code} {name_zh}，{on} 起可认领",
                              f"New item {item.code} {name_en} may be adopted from {on}")
        elif event.kind == EventKind.DEVOLVED:
            city_ids = list(open_adoptions.filter(centre__level=Level.CITY).values_list("centre_id", flat=True))
            open_adoptions.filter(centre__level=Level.CITY).update(ends_on=on, end_event=event)
            if on <= timezone.localdate():
                _devolution_take_effect(event)  # else the daily refresh does it on the effective date
            already = set(open_adoptions.values_list("centre_id", flat=True))
            gaining = [pk for pk in _ready_centres([Level.DISTRICT, Level.ZONE]) if pk not in already]
            Adoption.objects.bulk_create([Adoption(centre_id=pk, item=item, starts_on=on) for pk in gaining],
                                         ignore_conflicts=True)
            reached = _notify(event, city_ids, f"事项 {item.code} {name_zh} 自 {on} 起下放区县办理",
                              f"Item {item.code} {name_en} is devolved to districts from {on}")
            reached += _notify(event, gaining, f"事项 {item.code} {name_zh} 自 {on} 起由本中心承接办理",
                               f"Item {item.code} {name_en} is handled by this centre from {on}")
        else:  # merged, cancelled by the state, cancelled for insufficient basis
            centre_ids = list(open_adoptions.values_list("centre_id", flat=True))
            open_adoptions.update(ends_on=on, end_event=event)
            Item.objects.filter(pk=item.pk).update(removed_on=on)
            if event.kind == EventKind.MERGED:
                target = event.merged_into
                if target is None:
                    raise ValueError(f"merge event {event.pk} names no target item")
                already = set(Adoption.objects.filter(item=target, ends_on__isnull=True)
                              .values_list("centre_id", flat=True))
                Adoption.objects.bulk_create(
                    [Adoption(centre_id=pk, item=target, starts_on=on) for pk in centre_ids if pk not in already],
                    ignore_conflicts=True)
                message = (f"事项 {item.code} {name_zh} 自 {on} 起并入 {target.code}；在办件按原版本办结",
                           f"Item {item.code} {name_en} is merged into {target.code} from {on}; open cases "
                           f"finish under the old version")
            else:
                with translation.override("zh-hans"):
                    kind_zh = str(EventKind(event.kind).label)
                with translation.override("en"):
                    kind_en = str(EventKind(event.kind).label)
                message = (f"事项 {item.code} {name_zh} 自 {on} 起取消（{kind_zh}）",
                           f"Item {item.code} {name_en} is cancelled from {on} ({kind_en})")
            reached = _notify(event, centre_ids, *message)

        event.propagated_at = timezone.now()
        event.centres_reached += reached
        event.save(update_fields=["propagated_at", "centres_reached", "updated_at"])
    logger.info("catalogue event %s (%s %s) reached %d centres", event.pk, event.kind, item.code, reached)
    return event
