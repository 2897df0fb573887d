"""Moving a centre (迁移中心) from one platform instance to another, and answering an audit request for one
centre: `centre_export` writes one archive of everything the platform holds for a centre, `centre_import`
brings it into another instance with the same catalogue.

An archive (`.tar`)::

    manifest.json   format, created time, versions, the centre, the source's platform domain, row counts
                    (the centre's schema per table, its public rows per model), SHA-256 of every file
    schema.dump     pg_dump --format=custom of the centre's schema alone
    public.json     the centre's row, then its public rows per model as PostgreSQL's own JSON of the row
                    (`to_jsonb`), and for every public row they refer to that does not move (a user, an item
                    version, another centre) its natural key: usernames, item codes and version numbers,
                    division codes
    media/          the files those rows name (case documents, consent scans)

Which public rows are the centre's is derived from the models: every public model with a foreign key to
`Centre` (db_constraint or not) must be in `MOVE_PLAN` (moved, with the path to the centre, or left, with a
reason), so must every model with a foreign key to a moved model; every foreign key of a moved row must
lead to a moved model or one with a natural key (`NATURAL_KEYS`); every plain integer `*_id` column (public
rows of the moved models, and the centre schema's tables) must be in `PLAIN_IDS` or `NOT_PUBLIC_IDS`.
`plan_problems()` lists what is not covered: export refuses while any is, and a test keeps it empty.

Ids differ between instances: an import inserts the public rows under the target's ids (keeping UUIDs;
a moved row whose natural key the target has already, such as a key project of the city's register, is
matched instead), maps every reference by natural key, creates the people (users, the online hall's
applicants) the target lacks, and rewrites the public ids held in the centre's schema (users, items, item
versions, materials, permissions) before its constraints are restored. It refuses, before writing anything,
when the target has the centre already or lacks its parent, an item or an item version the centre adopted
or used.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from operations import pgtools
from operations.backup import Say, _quiet, files_verify, package_version, quote, row_counts, sha256_of
from tenants.models import Centre

FORMAT = "govservice-centre-export"
FORMAT_VERSION = 1
CENTRE = "tenants.Centre"


@dataclass(frozen=True)
class Moved:
    """The model's rows are the centre's when one of `where` (ORM paths to the Centre) names it, or one of
    `where_code` (fields holding a division code) holds its code."""

    where: tuple[str, ...] = ()
    where_code: tuple[str, ...] = ()


@dataclass(frozen=True)
class Left:
    """A model that refers to centres (or to moved rows) whose rows do not move, and why."""

    reason: str


_PER_PLATFORM = "the platform's own, not a centre's"

#: How each public model that refers to a centre (or to a moved model) moves.
MOVE_PLAN: dict[str, Moved | Left] = {
    "tenants.Domain": Moved(where=("tenant",)),
    "tenants.Membership": Moved(where=("centre",)),
    "tenants.AuditEvent": Moved(where=("centre",), where_code=("centre_code",)),
    "catalog.Item": Moved(where=("owner_centre",)),  # the centre's local items
    "catalog.ItemVersion": Moved(where=("item__owner_centre",)),
    "catalog.Material": Moved(where=("version__item__owner_centre",)),
    "catalog.FormFile": Moved(where=("version__item__owner_centre",)),
    "catalog.LifecycleEvent": Moved(where=("item__owner_centre",)),
    "catalog.Adoption": Moved(where=("centre",)),
    "catalog.CatalogueNotice": Moved(where=("centre",)),
    "catalog.Agency_items": Left("the city's directory of agencies names master items"),
    "joint_approval.BundleItem": Left("the joint-service catalogue is the city's"),
    "delegation.GreenChannelItem": Left("green channels are the city's"),
    "workcalendar.CentreClosure": Moved(where=("centre",)),
    "registry.RegistryEntry": Moved(where=("centre",)),
    "registry.HallVisit": Moved(where=("centre",)),
    "notifications.MessageTemplate": Moved(where=("centre",)),
    "notifications.OutboxMessage": Moved(where=("centre",)),
    "supervision.Inspection": Moved(where=("centre",)),
    "supervision.DashboardDay": Moved(where=("centre",)),
    "supervision.Review": Moved(where=("centre",)),
    "supervision.ReviewCallback": Moved(where=("centre",)),
    "supervision.Rectification": Moved(where=("centre",)),
    "supervision.Inquiry": Moved(where=("centre",)),
    "supervision.ArchiveSample": Moved(where=("centre",)),
    "supervision.ArchiveSampleCase": Moved(where=("sample__centre",)),
    "supervision.SupervisionSetting": Moved(where=("centre",)),
    "supervision.DeadlineWarning": Moved(where=("centre",)),
    "supervision.Finding": Moved(where=("centre",)),
    "projects.KeyProject": Moved(where=("centre",)),
    "joint_approval.LinkedProject": Moved(where=("project__centre",)),
    "joint_approval.LinkedProjectItem": Moved(where=("project__centre",)),
    "joint_approval.JointCase": Moved(where=("accepting_centre",)),
    "joint_approval.JointCaseEvent": Moved(where=("joint_case__accepting_centre",)),
    "joint_approval.JointLeg": Moved(where=("centre",)),
    "joint_approval.JointCaseCounter": Moved(where=("centre",)),
    "delegation.TownshipDivisions": Moved(where=("township",)),
    "delegation.Station": Moved(where=("township",)),
    "delegation.StationAgent": Moved(where=("station__township",)),
    "delegation.Consent": Moved(where=("station__township",)),
    "delegation.ConsentDraft": Moved(where=("station__township",)),
    "delegation.ProxyFiling": Moved(where=("station__township",)),  # a filing is its station's township's
    "delegation.HandoverStep": Moved(where=("filing__station__township",)),
    "delegation.AgencyAssignment": Moved(where=("project__centre",)),
    "delegation.ProjectProblem": Moved(where=("project__centre",)),
    "delegation.ProjectApproval": Moved(where=("centre", "project__centre")),
    "news.Post": Moved(where=("centre",)),
    "portal.Booking": Moved(where=("centre",)),
}

#: Natural keys (ORM paths) of the public rows moved rows refer to: matched in the target, never by id.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    CENTRE: ("division_code",),
    "tenants.User": ("username",),
    "contenttypes.ContentType": ("app_label", "model"),
    "auth.Permission": ("content_type__app_label", "content_type__model", "codename"),
    "auth.Group": ("name",),
    "catalog.Department": ("code",),
    "catalog.Item": ("code",),
    "catalog.ItemVersion": ("item__code", "number"),
    "catalog.Material": ("version__item__code", "version__number", "position", "name_zh"),
    "catalog.LifecycleEvent": ("item__code", "kind", "effective_on"),
    "projects.KeyProject": ("year", "name_zh"),
    "joint_approval.LinkedProject": ("project__year", "project__name_zh"),
    "joint_approval.LinkedProjectItem": ("project__year", "project__name_zh", "item__code"),
    "delegation.AgencyAssignment": ("project__year", "project__name_zh", "agent__username"),
    "joint_approval.Bundle": ("code",),
    "joint_approval.JointCase": ("id",),
    "delegation.GreenChannel": ("code",),
    "delegation.Station": ("division_code",),
    "delegation.ProxyFiling": ("id",),
    "registry.RegistryEntry": ("case_id",),
    "supervision.ScoringRule": ("code",),
    "supervision.Review": ("entry__case_id",),
    "supervision.ArchiveSample": ("centre__division_code", "month"),
    "portal.Applicant": ("mobile_hmac", "id_hmac"),
}

#: Rows a target must have (the catalogue, and the permissions the centre's object permissions name): an
#: import refuses when one is missing.
REQUIRED = {"catalog.Department", "catalog.Item", "catalog.ItemVersion", "catalog.Material", "auth.Permission",
            "contenttypes.ContentType", "auth.Group"}
#: People the target may not know yet: created from the export (users keep their password hash).
CREATED_WHEN_MISSING = ("tenants.User", "portal.Applicant")

#: Plain integer columns holding a public row's id (no foreign key): (model, field) -> the model they name.
PLAIN_IDS: dict[tuple[str, str], str] = {
    ("registry.RegistryEntry", "handler_id"): "tenants.User",
    ("registry.HallVisit", "clerk_id"): "tenants.User",
    ("supervision.DeadlineWarning", "handler_id"): "tenants.User",
    ("supervision.Inquiry", "applicant_id"): "portal.Applicant",
    ("cases.Case", "item_id"): "catalog.Item",
    ("cases.Case", "item_version_id"): "catalog.ItemVersion",
    ("cases.Case", "submitted_by_id"): "tenants.User",
    ("cases.Case", "handler_id"): "tenants.User",
    ("cases.CaseMaterial", "material_id"): "catalog.Material",
    ("cases.CaseEvent", "acting_user_id"): "tenants.User",
    ("cases.OneTimeNotice", "issued_by_id"): "tenants.User",
    ("cases.CaseDocument", "material_id"): "catalog.Material",
    ("cases.CaseDocument", "uploaded_by_id"): "tenants.User",
    ("hall.Ticket", "clerk_id"): "tenants.User",
    ("hall.Ticket", "issued_by_id"): "tenants.User",
    ("hall.Appointment", "booked_by_id"): "tenants.User",
    ("hall.Appointment", "changed_by_id"): "tenants.User",
    ("hall.HallEvent", "actor_id"): "tenants.User",
    ("hall.HallDevice", "created_by_id"): "tenants.User",
    ("hall.HallDevice", "retired_by_id"): "tenants.User",
}
#: Plain integer `*_id` columns that hold no public row's id, and what they hold.
NOT_PUBLIC_IDS: dict[tuple[str, str], str] = {
    ("registry.RegistryEntry", "outbox_id"): "the centre's own outbox row (its schema, moved with it)",
}


# --- the plan, derived from the models ------------------------------------------------------------------

def _label(model) -> str:
    return model._meta.label


def public_models() -> list[type[models.Model]]:
    shared = set(settings.SHARED_APPS)
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.app_config.name in shared and not model._meta.proxy and model._meta.managed]


def centre_models() -> list[type[models.Model]]:
    tenant = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.app_config.name in tenant and not model._meta.proxy and model._meta.managed]


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def _plain_id_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if not f.is_relation and isinstance(f, models.IntegerField) and f.name.endswith("_id")]


def moved_models() -> list[type[models.Model]]:
    return [model for model in public_models() if isinstance(MOVE_PLAN.get(_label(model)), Moved)]


def plan_problems() -> list[str]:
    """What the plan does not cover, in words (empty when every reference to a centre is accounted for)."""
    problems = []
    moved = {_label(model) for model in moved_models()}
    for model in public_models():
        label = _label(model)
        if label == CENTRE:
            continue
        refers = {f.related_model._meta.label for f in _foreign_keys(model)}
        if (CENTRE in refers or refers & moved) and label not in MOVE_PLAN:
            problems.append(f"{label} refers to a centre or a centre's rows and MOVE_PLAN does not say how it moves")
        if label in moved:
            for f in _foreign_keys(model):
                target = f.related_model._meta.label
                if target not in moved and target not in NATURAL_KEYS:
                    problems.append(f"{label}.{f.name} refers to {target}: neither moved nor in NATURAL_KEYS")
    for model in [*moved_models(), *centre_models()]:
        for plain in _plain_id_fields(model):
            key = (_label(model), plain.name)
            if key not in PLAIN_IDS and key not in NOT_PUBLIC_IDS:
                problems.append(f"{key[0]}.{key[1]} looks like an id: add it to PLAIN_IDS or NOT_PUBLIC_IDS")
    for model in centre_models():
        for f in _foreign_keys(model):
            target = f.related_model._meta.label
            if f.related_model._meta.app_config.name in settings.SHARED_APPS and target not in NATURAL_KEYS:
                problems.append(f"{_label(model)}.{f.name} refers to public {target}, which has no natural key")
    return problems


def _order(labels: list[str]) -> list[str]:
    """The moved models in an order that inserts a row after the rows its foreign keys name; where those
    form a cycle (an item and its current version), after the rows its non-null foreign keys name (the
    nullable one is set once the other row is in)."""
    by_label = {_label(model): model for model in moved_models()}

    def needs(label: str, *, required_only: bool) -> set[str]:
        return {f.related_model._meta.label for f in _foreign_keys(by_label[label])
                if f.related_model._meta.label in labels and f.related_model._meta.label != label
                and not (required_only and f.null)}

    ordered: list[str] = []
    while len(ordered) < len(labels):
        left = [label for label in labels if label not in ordered]
        ready = [label for label in left if needs(label, required_only=False) <= set(ordered)]
        ready = ready or [label for label in left if needs(label, required_only=True) <= set(ordered)][:1]
        if not ready:
            raise CommandError(f"MOVE_PLAN has a cycle of required references: {sorted(left)}")
        ordered.extend(ready)
    return ordered


def _key(values) -> str:
    return json.dumps(list(values), cls=DjangoJSONEncoder, ensure_ascii=False)


def _natural_keys(label: str, ids) -> dict[str, str]:
    """{str(id): natural key} of the rows `ids` of model `label`."""
    model = apps.get_model(label)
    wanted = list(ids)
    if not wanted:
        return {}
    rows = model._base_manager.filter(pk__in=wanted).values_list("pk", *NATURAL_KEYS[label])
    return {str(row[0]): _key(row[1:]) for row in rows}


# --- export ---------------------------------------------------------------------------------------------

def _rows_as_json(model, ids: list) -> list[dict]:
    if not ids:
        return []
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_jsonb(t)::text FROM {table} t WHERE t.{pk} = ANY(%s) ORDER BY t.{pk}", [ids])
        return [json.loads(row[0], parse_float=Decimal) for row in cursor.fetchall()]


def _centre_id_columns() -> list[tuple[str, str, str, bool]]:
    """(table, column, public model, nullable) of every column in a centre's schema holding a public id."""
    columns = []
    for model in centre_models():
        for f in _foreign_keys(model):
            if f.related_model._meta.app_config.name in settings.SHARED_APPS:
                columns.append((model._meta.db_table, str(f.column), f.related_model._meta.label, f.null))
        for plain in _plain_id_fields(model):
            target = PLAIN_IDS.get((_label(model), plain.name))
            if target:
                columns.append((model._meta.db_table, str(plain.column), target, plain.null))
    return columns


def _centre_file_columns() -> list[tuple[str, str | None]]:
    return [(model._meta.db_table, f.column) for model in centre_models() for f in model._meta.concrete_fields
            if isinstance(f, models.FileField)]


def centre_export(*, division_code: str, destination: Path, say: Say = _quiet) -> dict:
    """Write the archive of one centre (see the module's docstring) to `destination` (a new `.tar` file);
    returns its manifest. Raises CommandError when the centre is unknown, the plan does not cover a model
    or pg_dump is missing."""
    problems = plan_problems()
    if problems:
        raise CommandError(_("The move plan does not cover every model: %(problems)s")
                           % {"problems": "; ".join(problems)})
    centre = Centre.objects.filter(division_code=division_code).first()
    if centre is None:
        raise CommandError(_("No centre has the division code %(code)s.") % {"code": division_code})
    destination = Path(destination)
    if destination.exists():
        raise CommandError(_("%(path)s exists already: give a new file.") % {"path": destination})
    major = pgtools.server_major()
    pg_dump = pgtools.tool_for("pg_dump", at_least=major, prefer=major)
    schema = centre.schema_name

    with tempfile.TemporaryDirectory(prefix="govservice-centre-") as folder, transaction.atomic():
        work = Path(folder)
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        public: dict = {"centre": _rows_as_json(Centre, [centre.pk])[0], "rows": {}, "natural_keys": {}, "people": {}}
        referenced: dict[str, set] = defaultdict(set)
        files: set[str] = set()
        counts: dict[str, int] = {}
        for model in moved_models():
            label, plan = _label(model), MOVE_PLAN[_label(model)]
            assert isinstance(plan, Moved)
            condition = Q()
            for lookup in plan.where:
                condition |= Q(**{lookup: centre})
            for lookup in plan.where_code:
                condition |= Q(**{lookup: centre.division_code})
            ids = sorted(set(model._base_manager.filter(condition).values_list("pk", flat=True)))
            rows = _rows_as_json(model, ids)
            public["rows"][label] = rows
            counts[label] = len(rows)
            if label in NATURAL_KEYS:  # a row the target has already (the city's register of projects) is matched
                referenced[label].update(ids)
            for f in _foreign_keys(model):
                referenced[f.related_model._meta.label].update(
                    row[f.column] for row in rows if row[f.column] is not None)
            for plain in _plain_id_fields(model):
                named = PLAIN_IDS.get((label, plain.name))
                if named:
                    referenced[named].update(row[plain.column] for row in rows if row[plain.column] is not None)
            files.update(row[f.column] for f in model._meta.concrete_fields if isinstance(f, models.FileField)
                         for row in rows if row[f.column])
            if label == "catalog.Adoption":  # the version each adopted item stands at: the target must have it
                referenced["catalog.ItemVersion"].update(
                    v for v in apps.get_model("catalog.Item")._base_manager.filter(
                        pk__in={row["item_id"] for row in rows}).values_list("current_version_id", flat=True) if v)
        if centre.parent_id:
            referenced[CENTRE].add(centre.parent_id)
        with connection.cursor() as cursor:
            for table, column, target, _null in _centre_id_columns():
                cursor.execute(f"SELECT DISTINCT {quote(column)} FROM {quote(schema)}.{quote(table)} "
                               f"WHERE {quote(column)} IS NOT NULL")
                referenced[target].update(row[0] for row in cursor.fetchall())
            for table, file_column in _centre_file_columns():
                cursor.execute(f"SELECT DISTINCT {quote(str(file_column))} FROM {quote(schema)}.{quote(table)} "
                               f"WHERE {quote(str(file_column))} <> ''")
                files.update(row[0] for row in cursor.fetchall())
            schema_counts = row_counts(cursor, schema)
        for label, source_ids in referenced.items():
            if label in NATURAL_KEYS:
                public["natural_keys"][label] = _natural_keys(label, source_ids)
        for label in CREATED_WHEN_MISSING:
            public["people"][label] = _rows_as_json(apps.get_model(label), sorted(referenced.get(label, ())))

        say(_("centre %(code)s (%(schema)s): %(rows)s public rows, %(tables)s tables in its schema, %(files)s files")
            % {"code": division_code, "schema": schema, "rows": sum(counts.values()), "tables": len(schema_counts),
               "files": len(files)})
        pgtools.run([pg_dump.path, "--format=custom", f"--schema={schema}", f"--snapshot={snapshot}",
                     f"--file={work / 'schema.dump'}", "--no-password"], env=pgtools.libpq_environment())
        (work / "public.json").write_text(json.dumps(public, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
                                          encoding="utf-8")
        for name in sorted(files):
            copied = work / "media" / name
            copied.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, copied.open("wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": timezone.now().isoformat(),
            "versions": {"platform": package_version("govservice"), "django": django.get_version(),
                         "pg_dump": pg_dump.major},
            "centre": {"division_code": centre.division_code, "slug": centre.slug, "schema_name": schema,
                       "name_zh": centre.name_zh, "name_en": centre.name_en},
            "platform_domain": settings.PLATFORM_DOMAIN,
            "public_rows": counts, "schema_rows": schema_counts,
            "files": {str(path.relative_to(work)): sha256_of(path)
                      for path in sorted(work.rglob("*")) if path.is_file()},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        with tarfile.open(destination, "w") as tar:
            for path in sorted(work.iterdir()):
                tar.add(path, arcname=path.name)
    return manifest


# --- import ---------------------------------------------------------------------------------------------

@dataclass
class _Maps:
    """Source id -> target id, per public model."""

    ids: dict[str, dict[str, object]] = field(default_factory=lambda: defaultdict(dict))
    #: rows that could not be placed (a reference to a row neither moved nor in the target), per model
    left_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: rows the target has already (same natural key), per model: matched, not inserted
    matched: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: inserted rows (model, target pk), to undo a failed import
    inserted: list[tuple[str, object]] = field(default_factory=list)


def _read(archive: Path, folder: Path) -> tuple[dict, dict]:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, tarfile.TarError) as exc:
        raise CommandError(_("%(path)s is not a centre export: %(error)s") % {"path": archive, "error": exc}) from exc
    if manifest.get("format") != FORMAT:
        raise CommandError(_("%(path)s is not a centre export.") % {"path": archive})
    files_verify(folder, manifest,
                 damaged=_("The archive is damaged: %(file)s is missing or changed since the export."))
    return manifest, json.loads((folder / "public.json").read_text(encoding="utf-8"))


def _describe(label: str, key: str) -> str:
    values = json.loads(key)
    if label == "catalog.ItemVersion":
        return _("item %(code)s version %(number)s") % {"code": values[0], "number": values[1]}
    if label == "catalog.Item":
        return _("item %(code)s") % {"code": values[0]}
    return f"{apps.get_model(label)._meta.verbose_name} {' / '.join(str(value) for value in values)}"


def _target_ids(label: str, keys: dict[str, str]) -> dict[str, object]:
    """{source id: target id} for the natural keys `keys` ({source id: key}) found in the target."""
    model = apps.get_model(label)
    first = NATURAL_KEYS[label][0]
    wanted = {json.loads(key)[0] for key in keys.values()}
    found = {_key(row[1:]): row[0] for row in
             model._base_manager.filter(**{f"{first}__in": wanted}).values_list("pk", *NATURAL_KEYS[label])}
    return {source: found[key] for source, key in keys.items() if key in found}


def _insert(model, row: dict, maps: _Maps) -> object:
    """Insert one row (PostgreSQL's JSON of it) under a new id (a UUID key is kept); returns its key."""
    table = model._meta.db_table
    pk = model._meta.pk
    keep_pk = not isinstance(pk, models.AutoField) or pk.is_relation
    columns = [f.column for f in model._meta.concrete_fields if keep_pk or f is not pk]
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM "
                       f"jsonb_populate_record(NULL::{quote(table)}, %s::jsonb) RETURNING {quote(pk.column)}",
                       [json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)])
        new = cursor.fetchone()[0]
    maps.inserted.append((_label(model), new))
    return new


def _map_reference(label: str, source, maps: _Maps):
    if source is None:
        return None
    return maps.ids[label].get(str(source))


def centre_import(*, archive: Path, say: Say = _quiet) -> dict:
    """Bring a centre export into this platform instance; returns {"centre", "public_rows", "schema_rows",
    "users_created", "left_out"}. Refuses (CommandError, nothing written) when the centre, its slug or its
    schema exist here, its parent centre is missing, or the catalogue lacks an item, item version, material
    or department the centre's rows name."""
    with tempfile.TemporaryDirectory(prefix="govservice-centre-import-") as folder:
        work = Path(folder)
        manifest, public = _read(Path(archive), work)
        source_centre = public["centre"]
        schema = source_centre["schema_name"]
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        maps = _Maps()
        keys = public["natural_keys"]
        for label, wanted in keys.items():
            maps.ids[label].update(_target_ids(label, wanted))
        missing = [(label, key) for label in sorted(REQUIRED) for source, key in keys.get(label, {}).items()
                   if source not in maps.ids[label] and not _moved_here(label, source, public)]
        if missing:
            raise CommandError(_(
                "This platform's catalogue lacks what the centre adopted or used: %(missing)s. Import the catalogue "
                "(manage import_catalogue) or publish those versions first.")
                % {"missing": "; ".join(_describe(label, key) for label, key in missing[:20])})
        if Centre.objects.filter(Q(division_code=source_centre["division_code"]) | Q(slug=source_centre["slug"])
                                 | Q(schema_name=schema)).exists():
            raise CommandError(_("This platform has the centre %(code)s (or its slug or schema) already.")
                               % {"code": source_centre["division_code"]})
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
            if cursor.fetchone():
                raise CommandError(_("This database has a schema %(schema)s already.") % {"schema": schema})

        parent_id = source_centre.get("parent_id")
        if parent_id is not None and str(parent_id) not in maps.ids[CENTRE]:
            raise CommandError(_("This platform lacks the centre's parent centre (%(parent)s): onboard it first.")
                               % {"parent": keys[CENTRE][str(parent_id)]})
        major = pgtools.server_major()
        pg_restore = pgtools.tool_for("pg_restore", at_least=max(major, manifest["versions"]["pg_dump"]),
                                      prefer=major)
        env = pgtools.libpq_environment()
        restore = [pg_restore.path, "--no-owner", "--no-privileges", "--exit-on-error", "--no-password",
                   f"--dbname={env['PGDATABASE']}"]
        try:
            pgtools.run([*restore, "--section=pre-data", "--section=data", str(work / "schema.dump")], env=env)
            with transaction.atomic():
                created = _people(public, maps)
                centre_row = {**source_centre, "parent_id": _map_reference(CENTRE, parent_id, maps)}
                maps.ids[CENTRE][str(source_centre["id"])] = _insert(Centre, centre_row, maps)
                _public_rows(public, maps, manifest)
                _rewrite_schema_ids(schema, maps)
            pgtools.run([*restore, "--section=post-data", str(work / "schema.dump")], env=env)
        except Exception:
            _undo(schema, maps)
            raise
        _files_in(work / "media")
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            schema_counts = row_counts(cursor, schema)
        if schema_counts != manifest["schema_rows"]:
            raise CommandError(_("Imported, but the centre's tables' row counts differ from the export's."))
        moved = {label: sum(1 for inserted, _pk in maps.inserted if inserted == label) for label in MOVE_PLAN}
        short = [label for label, count in manifest["public_rows"].items()
                 if moved.get(label, 0) + maps.left_out.get(label, 0) + maps.matched.get(label, 0) != count]
        if short:
            raise CommandError(_("Imported, but these public rows are not all here: %(models)s") % {"models": short})
        say(_("centre %(code)s imported: %(rows)s public rows (%(left)s left out), %(tables)s tables, "
              "%(users)s users created") % {"code": source_centre["division_code"], "rows": sum(moved.values()),
                                            "left": sum(maps.left_out.values()), "tables": len(schema_counts),
                                            "users": created})
        return {"centre": source_centre["division_code"], "public_rows": {k: v for k, v in moved.items() if v},
                "schema_rows": schema_counts, "users_created": created, "left_out": dict(maps.left_out),
                "matched": dict(maps.matched)}


def _moved_here(label: str, source: str, public: dict) -> bool:
    return any(str(row[apps.get_model(label)._meta.pk.column]) == source for row in public["rows"].get(label, []))


def _people(public: dict, maps: _Maps) -> int:
    created = 0
    for label in CREATED_WHEN_MISSING:
        model = apps.get_model(label)
        for row in public["people"].get(label, []):
            source = str(row[model._meta.pk.column])
            if source not in maps.ids[label]:
                maps.ids[label][source] = _insert(model, row, maps)
                created += label == "tenants.User"
    return created


def _public_rows(public: dict, maps: _Maps, manifest: dict) -> None:
    """Insert the moved public rows, each model after those its required references name; a nullable
    reference to a row inserted later (a cycle, e.g. an item and its current version) is set afterwards.
    A row whose required reference is neither moved nor here is left out and counted."""
    by_label = {_label(model): model for model in moved_models()}
    labels = [label for label in public["rows"] if label in by_label]
    deferred: list[tuple[type[models.Model], object, models.ForeignKey, object]] = []
    for label in _order(labels):
        model = by_label[label]
        for source_row in public["rows"][label]:
            if str(source_row[model._meta.pk.column]) in maps.ids[label]:
                maps.matched[label] += 1
                continue
            row, later, placed = dict(source_row), [], True
            for f in _foreign_keys(model):
                value = row.get(f.column)
                if value is None:
                    continue
                mapped = _map_reference(f.related_model._meta.label, value, maps)
                if mapped is not None:
                    row[f.column] = mapped
                elif f.null:
                    row[f.column] = None
                    if f.related_model._meta.label in by_label:
                        later.append((f, value))
                else:
                    placed = False
            for plain in _plain_id_fields(model):
                named = PLAIN_IDS.get((label, plain.name))
                if named and row.get(plain.column) is not None:
                    row[plain.column] = _map_reference(named, row[plain.column], maps)
            if label == "tenants.Domain":
                row["domain"] = _domain_here(row["domain"], manifest["platform_domain"])
            if not placed:
                maps.left_out[label] += 1
                continue
            new = _insert(model, row, maps)
            maps.ids[label][str(source_row[model._meta.pk.column])] = new
            deferred.extend((model, new, f, value) for f, value in later)
    for model, pk, f, source in deferred:
        mapped = _map_reference(f.related_model._meta.label, source, maps)
        if mapped is not None:
            model._base_manager.filter(pk=pk).update(**{f.attname: mapped})


def _domain_here(domain: str, source_platform: str) -> str:
    """`<slug>.<source's platform domain>` becomes `<slug>.<this platform's>`; another host name is kept."""
    suffix = f".{source_platform}"
    return domain[: -len(suffix)] + f".{settings.PLATFORM_DOMAIN}" if domain.endswith(suffix) else domain


def _rewrite_schema_ids(schema: str, maps: _Maps) -> None:
    """Every public id in the centre's schema rewritten to this platform's id of the same row (by natural
    key, or the row moved); an id with no row here becomes NULL where the column allows it. One UPDATE per
    column, joined on the old values: an id that is another row's new id is not rewritten twice."""
    with connection.cursor() as cursor:
        for table, column, label, null in _centre_id_columns():
            pairs = [(int(source), int(str(target))) for source, target in maps.ids[label].items()]
            name, col = f"{quote(schema)}.{quote(table)}", quote(column)
            cursor.execute(
                f"UPDATE {name} t SET {col} = m.target FROM unnest(%s::bigint[], %s::bigint[]) AS m(source, target) "
                f"WHERE t.{col} = m.source", [[pair[0] for pair in pairs], [pair[1] for pair in pairs]])
            if null:
                cursor.execute(f"UPDATE {name} SET {col} = NULL WHERE {col} IS NOT NULL AND NOT ({col} = ANY(%s))",
                               [[pair[1] for pair in pairs]])


def _undo(schema: str, maps: _Maps) -> None:
    """Take a failed import's rows and schema away again (committed when the failure came after the commit)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for label, pk in reversed(maps.inserted):
            meta = apps.get_model(label)._meta
            params: list = [pk]
            cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {quote(str(meta.pk.column))} = %s", params)
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")


def _files_in(source: Path) -> None:
    if not source.is_dir():
        return
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as existing:
                if hashlib.sha256(existing.read()).hexdigest() == sha256_of(path):
                    continue
            raise CommandError(_("The storage holds another file named %(name)s.") % {"name": name})
        with path.open("rb") as stream:
            default_storage.save(name, File(stream))
