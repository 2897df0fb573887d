"""Writes for centres, users and memberships. Views, API, commands and tasks all call these.

Onboarding (入驻) a centre:
1. validate (every problem, by field, in the user's language);
2. commit the centre row with status *provisioning* and its domain (the router will not serve it);
3. create its schema and apply the tenant migrations (provisioned by migrations, never by
   cloning a template: cloned schemas are not distributed by Citus);
4. create its administrator and membership, then mark it *ready*.
A failure after step 2 leaves the centre in *provisioning*: not served, and onboarding the same
code again resumes it. The same code twice once it is ready answers "already exists".
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from rest_framework.authtoken.models import Token

from common.errors import ApplicationError, ConflictError
from common.metrics import PROVISIONING_FAILURES
from tenants import tasks
from tenants.audit import audit_changes, audit_record
from tenants.choices import (
    STATUS_REASON_MAX_LENGTH,
    STATUS_TRANSITIONS,
    AuditKind,
    AuditTarget,
    BatchStatus,
    CentreStatus,
    Level,
    Role,
)
from tenants.error_codes import CentreErrorCode
from tenants.hooks import StaffLeaving, staff_leaving
from tenants.models import Centre, Domain, Membership, OnboardingBatch, User
from tenants.provisioning import NotReplayable, schema_replay
from tenants.schemas import tenant_connection
from tenants.selectors import forget_memberships
from tenants.spares import spare_take
from tenants.validation import CentreInput, Errors, KnownCentre, validate_centre_input, validate_centre_names

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardResult:
    centre: Centre
    created: bool
    admin: User | None = None

    @property
    def message(self) -> str:
        """The outcome with the centre's host name (no request: a command's output)."""
        return self.message_at(self.centre.domains.get(is_primary=True).domain)

    def message_at(self, address: str) -> str:
        """The outcome naming the centre at `address`: a page or the API passes its full address with the
        scheme and the port the request came in on (tenants.middleware.centre_url)."""
        if self.created:
            return _("Centre %(code)s %(name)s onboarded at %(domain)s.") % {
                "code": self.centre.division_code, "name": self.centre.name_zh, "domain": address}
        return _("Centre %(code)s already exists; nothing was changed.") % {"code": self.centre.division_code}


def _known_centres() -> tuple[dict[str, KnownCentre], dict[str, KnownCentre], bool]:
    by_code: dict[str, KnownCentre] = {}
    by_slug: dict[str, KnownCentre] = {}
    has_city = False
    for code, level, slug in Centre.objects.values_list("division_code", "level", "slug"):
        known = KnownCentre(code=code, level=level, slug=slug)
        by_code[code] = known
        by_slug[slug] = known
        has_city = has_city or level == Level.CITY
    platform = settings.PLATFORM_DOMAIN
    for domain, code, level, slug in Domain.objects.values_list(
            "domain", "tenant__division_code", "tenant__level", "tenant__slug"):
        if domain.endswith("." + platform):
            label = domain[: -len(platform) - 1]
            by_slug.setdefault(label, KnownCentre(code=code, level=level, slug=slug))
    return by_code, by_slug, has_city


def _raise_invalid(errors: Errors, *, row: int | None = None) -> None:
    message = _("The centre cannot be onboarded: %(problems)s") % {
        "problems": "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.fields.items())}
    extra: dict = {"fields": errors.fields}
    if row is not None:
        extra["row"] = row
    raise ApplicationError(message, CentreErrorCode.INVALID_INPUT, extra)


def centre_validate(*, data: CentreInput) -> None:
    by_code, by_slug, has_city = _known_centres()
    errors = validate_centre_input(data, by_code=by_code, by_slug=by_slug, has_city=has_city)
    if errors:
        _raise_invalid(errors)


def centre_provision_schema(*, centre: Centre) -> None:
    """Create the centre's schema and bring it up to the latest tenant migrations (idempotent).

    A new schema is a spare schema renamed (tenants.spares: made ahead by the same replay), else gets the
    tenant migrations' SQL replayed in one transaction (tenants.provisioning, ~5x faster than
    `migrate_schemas`); a schema that exists already (a
    resumed onboarding) or migrations that cannot be replayed go through `migrate_schemas`.
    """
    if not schema_exists(centre.schema_name):
        if spare_take(schema_name=centre.schema_name):
            # the pool made good in the background, once this onboarding's transaction (if any) commits
            transaction.on_commit(_spares_refill_soon)
            return
        try:
            schema_replay(schema_name=centre.schema_name)
        except NotReplayable:
            logger.info("tenant migrations not replayable as SQL; migrating %s", centre.schema_name)
        else:
            return
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{centre.schema_name}"')
    call_command("migrate_schemas", tenant=True, schema_name=centre.schema_name,
                 interactive=False, verbosity=0)
    tenant_connection().set_schema_to_public()


def _spares_refill_soon() -> None:
    """Queue the spare schemas' refill; a broker that cannot be reached must not fail an onboarding whose
    schema is made (the beat's refill comes within 10 minutes)."""
    try:
        tasks.spare_schemas_refill.delay()
    except Exception:  # noqa: BLE001 - kombu's connection errors vary by transport
        logger.warning("could not queue the spare schemas' refill; the beat will do it", exc_info=True)


#: A user's full name, Chinese or English, in characters (User.full_name, full_name_en).
NAME_MAX = User._meta.get_field("full_name").max_length or 100


def centre_admin_names(*, name_zh: str, name_en: str, full_name: str = "", full_name_en: str = "") -> tuple[str, str]:
    """A centre administrator's (Chinese, English) names: those given, else after the centre's names
    ("碑林区管理员", "Beilin District administrator"), each cut to `NAME_MAX` characters."""
    return ((full_name.strip() or f"{name_zh}管理员")[:NAME_MAX],
            (full_name_en.strip() or f"{name_en} administrator")[:NAME_MAX])


def centre_onboard(
    *,
    data: CentreInput,
    acting_user: User | None,
    admin_username: str | None = None,
    admin_password_hash: str | None = None,
    admin_full_name: str = "",
    admin_full_name_en: str = "",
    validated: bool = False,
) -> OnboardResult:
    """Onboard one centre (see the module docstring). Idempotent on the division code.

    A new administrator (`admin_username`) is named `admin_full_name` / `admin_full_name_en`, by default
    after the centre (`centre_admin_names`); English pages show the English name."""
    full_name, full_name_en = centre_admin_names(name_zh=data.name_zh, name_en=data.name_en,
                                                 full_name=admin_full_name, full_name_en=admin_full_name_en)
    with schema_context(get_public_schema_name()):
        return _centre_onboard(data=data, acting_user=acting_user, admin_username=admin_username,
                               admin_password_hash=admin_password_hash, validated=validated,
                               admin_full_name=full_name, admin_full_name_en=full_name_en)


def _centre_onboard(*, data: CentreInput, acting_user: User | None, admin_username: str | None,
                    admin_password_hash: str | None, validated: bool, admin_full_name: str,
                    admin_full_name_en: str) -> OnboardResult:
    existing = Centre.objects.filter(division_code=data.code).first()
    if not validated:
        centre_validate(data=data)
    if existing is not None and existing.status != CentreStatus.PROVISIONING:
        return OnboardResult(centre=existing, created=False)

    if existing is None:
        try:
            existing = _centre_create_row(data=data)
        except IntegrityError as exc:
            raise ConflictError(
                _("Centre %(code)s (or its domain) was just created by someone else; nothing was "
                  "duplicated.") % {"code": data.code}, CentreErrorCode.ALREADY_EXISTS) from exc
    return _centre_complete(centre=existing, acting_user=acting_user, parent_code=data.parent_code,
                            admin_username=admin_username, admin_password_hash=admin_password_hash,
                            admin_full_name=admin_full_name, admin_full_name_en=admin_full_name_en)


def _centre_complete(*, centre: Centre, acting_user: User | None, parent_code: str | None,
                     admin_username: str | None, admin_password_hash: str | None, admin_full_name: str = "",
                     admin_full_name_en: str = "", resumed: bool = False) -> OnboardResult:
    """Steps 3 and 4 of onboarding for a committed centre in *provisioning*: its schema, its admin, ready."""
    try:
        centre_provision_schema(centre=centre)
        with transaction.atomic():
            admin = None
            if admin_username:
                admin = user_get_or_create(username=admin_username, full_name=admin_full_name,
                                           full_name_en=admin_full_name_en, password_hash=admin_password_hash)
                Membership.objects.get_or_create(user=admin, centre=centre, role=Role.CENTRE_ADMIN)
            locked = Centre.objects.select_for_update().get(pk=centre.pk)
            if locked.status != CentreStatus.PROVISIONING:  # completed meanwhile by another process
                return OnboardResult(centre=locked, created=False)
            locked.status = CentreStatus.READY
            locked.save(update_fields=["status", "updated_at"])
            audit_record(kind=AuditKind.CENTRE_ONBOARDED, actor=acting_user, centre=locked,
                         target_type=AuditTarget.CENTRE, target_id=locked.pk, target_label=locked.name_zh,
                         after={key: value for key, value in (
                             ("name_zh", locked.name_zh), ("name_en", locked.name_en), ("level", locked.level),
                             ("parent", parent_code), ("admin", admin.get_username() if admin else "")) if value},
                         note=_("Onboarding resumed after it stopped half-way.") if resumed else "")
    except Exception as exc:
        logger.exception("provisioning centre %s failed", centre.division_code)
        PROVISIONING_FAILURES.inc()
        raise ApplicationError(
            _("Provisioning centre %(code)s failed: %(error)s. The centre is not served; "
              "onboard it again to resume.") % {"code": centre.division_code, "error": exc},
            CentreErrorCode.PROVISIONING_FAILED, {"code": centre.division_code}, http_status=500,
        ) from exc
    return OnboardResult(centre=locked, created=True, admin=admin)


def centres_half_made() -> list[Centre]:
    """Centres whose onboarding stopped after their row was committed (status *provisioning*): not served."""
    with schema_context(get_public_schema_name()):
        return list(Centre.objects.filter(status=CentreStatus.PROVISIONING).select_related("parent")
                    .order_by("level", "division_code"))


def centre_onboarding_resume(*, centre: Centre, acting_user: User | None) -> OnboardResult:
    """Complete the onboarding of a centre left in *provisioning* (a crash, a lost connection, a failed
    migration): its schema is made or brought up to date, and it is marked ready. A centre that is not
    in *provisioning* is left alone (`created` False). An administrator asked for when it was onboarded
    is not known any more: grant one with `membership_grant`."""
    with schema_context(get_public_schema_name()):
        if centre.status != CentreStatus.PROVISIONING:
            return OnboardResult(centre=centre, created=False)
        return _centre_complete(centre=centre, acting_user=acting_user,
                                parent_code=centre.parent.division_code if centre.parent else None,
                                admin_username=None, admin_password_hash=None, resumed=True)


@transaction.atomic
def _centre_create_row(*, data: CentreInput) -> Centre:
    parent = Centre.objects.get(division_code=data.parent_code) if data.parent_code else None
    centre = Centre(schema_name=data.schema_name, slug=data.slug, name_zh=data.name_zh,
                    name_en=data.name_en, level=data.level, division_code=data.code,
                    parent=parent, status=CentreStatus.PROVISIONING)
    centre.save()
    Domain.objects.create(domain=data.domain, tenant=centre, is_primary=True)
    return centre


def centre_validate_rows(*, rows: list[CentreInput]) -> list[dict]:
    """Validate a whole file against the database and itself. Returns one entry per bad row
    (`{"row": n, "code": ..., "fields": {...}}`, n counting the header as row 1)."""
    by_code, by_slug, has_city = _known_centres()
    bad: list[dict] = []
    seen: set[str] = set()
    numbered = sorted(enumerate(rows, start=2), key=lambda pair: _LEVEL_ORDER.get(pair[1].level, 3))
    for index, data in numbered:
        errors = validate_centre_input(data, by_code=by_code, by_slug=by_slug, has_city=has_city)
        if errors:
            bad.append({"row": index, "code": data.code, "fields": errors.fields})
            continue
        known = by_code.get(data.code)
        if known is None:
            known = KnownCentre(code=data.code, level=data.level, slug=data.slug)
            by_code[data.code] = known
            by_slug[data.slug] = known
            has_city = has_city or data.level == Level.CITY
        elif data.code in seen:
            bad.append({"row": index, "code": data.code,
                        "fields": {"code": [_("Division code %(code)s appears twice in the file.")
                                            % {"code": data.code}]}})
        seen.add(data.code)
    return sorted(bad, key=lambda entry: entry["row"])


def centre_bulk_onboard(
    *,
    rows: list[CentreInput],
    acting_user: User | None,
    progress: Callable[[int, int, OnboardResult], None] | None = None,
    admin_username: Callable[[CentreInput], str | None] | None = None,
) -> list[OnboardResult]:
    """Onboard every row, parents before children. If any row is bad, raise listing every bad
    row and onboard none."""
    bad = centre_validate_rows(rows=rows)
    if bad:
        raise ApplicationError(
            _("%(count)d of %(total)d rows are not valid; nothing was imported.")
            % {"count": len(bad), "total": len(rows)},
            CentreErrorCode.INVALID_FILE, {"rows": bad},
        )
    password_hash = make_password(settings.DEMO_PASSWORD) if admin_username else None
    results = []
    for data in _parents_first(rows):
        result = centre_onboard(
            data=data, acting_user=acting_user, validated=True,
            admin_username=admin_username(data) if admin_username else None,
            admin_password_hash=password_hash,
        )
        results.append(result)
        if progress:
            progress(len(results), len(rows), result)
    return results


_LEVEL_ORDER: dict[str, int] = {Level.CITY: 0, Level.DISTRICT: 1, Level.ZONE: 1, Level.TOWNSHIP: 2}


def _parents_first(rows: Iterable[CentreInput]) -> list[CentreInput]:
    return sorted(rows, key=lambda r: _LEVEL_ORDER.get(r.level, 3))


def centre_check_suspendable(*, centre: Centre) -> None:
    """Raise if `centre` may never be suspended: the city centre (every district and township leans on
    it: its catalogue, its joint cases). The confirmation page asks before it offers the form."""
    if centre.level == Level.CITY:
        raise ApplicationError(_("The city centre cannot be suspended: every other centre depends on it."),
                               CentreErrorCode.CITY_NOT_SUSPENDABLE)


def centre_set_status(*, centre: Centre, status: str, acting_user: User | None, reason: str = "") -> Centre:
    """Suspend or resume a centre. Two admins at once: one wins, the other gets a conflict.

    Suspending needs a reason (it goes into the audit log with the change; resuming may give one) and
    is refused for the city centre (`centre_check_suspendable`). A suspended centre's addresses answer
    "suspended" and its staff cannot work there; its open cases' clocks keep running.
    """
    reason = (reason or "").strip()
    if status == CentreStatus.SUSPENDED:
        centre_check_suspendable(centre=centre)
    if status == CentreStatus.SUSPENDED and not reason:
        raise ApplicationError(_("Give a reason for suspending the centre; it goes into the audit log."),
                               CentreErrorCode.REASON_REQUIRED, {"fields": {"reason": [_("This field is required.")]}})
    if len(reason) > STATUS_REASON_MAX_LENGTH:
        raise ApplicationError(
            _("The reason is too long (at most %(max)d characters).") % {"max": STATUS_REASON_MAX_LENGTH},
            CentreErrorCode.INVALID_INPUT)
    with transaction.atomic():
        locked = Centre.objects.select_for_update(nowait=False).get(pk=centre.pk)
        if locked.status != centre.status:
            raise ConflictError(
                _("Centre %(code)s is now %(status)s; someone changed it first. Reload and try again.")
                % {"code": locked.division_code, "status": locked.get_status_display()},
                CentreErrorCode.STATUS_TRANSITION)
        if status not in CentreStatus.values:
            raise ApplicationError(_("Unknown status."),
                                   CentreErrorCode.STATUS_TRANSITION, {"fields": {"status": [status]}})
        if status not in STATUS_TRANSITIONS.get(locked.status, ()):
            raise ApplicationError(
                _("A centre that is %(from)s cannot become %(to)s.")
                % {"from": locked.get_status_display(), "to": CentreStatus(status).label},
                CentreErrorCode.STATUS_TRANSITION)
        before = locked.status
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        if status == CentreStatus.SUSPENDED:
            kind = AuditKind.CENTRE_SUSPENDED
        elif before == CentreStatus.PROVISIONING:
            kind = AuditKind.CENTRE_ONBOARDED  # marked ready by hand
        else:
            kind = AuditKind.CENTRE_RESUMED
        audit_record(kind=kind, actor=acting_user, centre=locked, target_type=AuditTarget.CENTRE,
                     target_id=locked.pk, target_label=locked.name_zh,
                     before={"status": before}, after={"status": status}, note=reason)
    logger.info("centre %s -> %s by %s", locked.division_code, status, acting_user)
    return locked


def centre_rename(*, centre: Centre, name_zh: str, name_en: str, acting_user: User | None) -> Centre:
    """Change a centre's Chinese and English names. `centre` carries the names the caller saw: if
    someone renamed it meanwhile, nothing changes and the caller is told (ConflictError)."""
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    errors = validate_centre_names(name_zh=name_zh, name_en=name_en)
    if errors:
        raise ApplicationError(
            _("The centre cannot be renamed: %(problems)s")
            % {"problems": "; ".join(" ".join(msgs) for msgs in errors.fields.values())},
            CentreErrorCode.INVALID_INPUT, {"fields": errors.fields})
    with transaction.atomic():
        locked = Centre.objects.select_for_update().get(pk=centre.pk)
        if (locked.name_zh, locked.name_en) != (centre.name_zh, centre.name_en):
            raise ConflictError(
                _("Centre %(code)s was renamed to %(name)s meanwhile; nothing was changed. Reload and try again.")
                % {"code": locked.division_code, "name": locked.name_zh}, CentreErrorCode.CHANGED_MEANWHILE)
        before, after = audit_changes(before={"name_zh": locked.name_zh, "name_en": locked.name_en},
                                      after={"name_zh": name_zh, "name_en": name_en})
        if not after:
            return locked
        locked.name_zh, locked.name_en = name_zh, name_en
        locked.save(update_fields=["name_zh", "name_en", "updated_at"])
        audit_record(kind=AuditKind.CENTRE_RENAMED, actor=acting_user, centre=locked, target_type=AuditTarget.CENTRE,
                     target_id=locked.pk, target_label=name_zh, before=before, after=after)
    return locked


def user_get_or_create(*, username: str, full_name: str = "", full_name_en: str = "",
                       password_hash: str | None = None, password: str | None = None) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name,
                                                                            "full_name_en": full_name_en})
    if created:
        user.password = password_hash or make_password(password)
        user.save(update_fields=["password"])
    return user


def membership_grant(*, user: User, centre: Centre | None, role: str, acting_user: User | None,
                     department_code: str = "") -> Membership:
    """Give `user` a role at `centre` (None: platform administrator), or move it to another department.
    Granting what the user holds already changes nothing and records nothing."""
    if (role == Role.PLATFORM_ADMIN) != (centre is None):
        raise ApplicationError(_("Only the platform administrator role is held without a centre."),
                               CentreErrorCode.MEMBERSHIP_INVALID, {"fields": {"role": [role]}})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, centre=centre, role=role,
                                                               defaults={"department_code": department_code})
        before: dict = {}
        after: dict = {}
        if created:
            after = {"role": role, **({"department_code": department_code} if department_code else {})}
        elif department_code:
            membership = Membership.objects.select_for_update().get(pk=membership.pk)
            if membership.department_code != department_code:
                before, after = {"department_code": membership.department_code}, {"department_code": department_code}
                membership.department_code = department_code
                membership.save(update_fields=["department_code", "updated_at"])
        if after:
            audit_record(kind=AuditKind.ROLE_GRANTED, actor=acting_user, centre=centre,
                         target_type=AuditTarget.MEMBERSHIP, target_id=membership.pk,
                         target_label=f"{user.get_username()} · {role}", before=before, after=after)
    forget_memberships(user=user)
    return membership


def membership_revoke(*, membership: Membership, acting_user: User | None) -> None:
    """Take a role away. A role someone else revoked first: nothing changes and the caller is told."""
    with transaction.atomic():
        locked = (Membership.objects.select_for_update(of=("self",)).select_related("user", "centre")
                  .filter(pk=membership.pk).first())
        if locked is None:
            raise ConflictError(_("That role was revoked meanwhile; nothing was changed."),
                                CentreErrorCode.MEMBERSHIP_CHANGED_MEANWHILE)
        membership_end(membership=locked, acting_user=acting_user)
    forget_memberships(user=membership.user)


def membership_end(*, membership: Membership, acting_user: User | None, note: str = "") -> None:
    """Delete a (locked) membership, its history kept as a ROLE_REVOKED audit entry; `staff_leaving`
    tells the apps above what the role held (a village agent's post ends)."""
    staff_leaving.send(StaffLeaving(user=membership.user, acting_user=acting_user, centre=membership.centre,
                                    role=membership.role))
    audit_record(kind=AuditKind.ROLE_REVOKED, actor=acting_user, centre=membership.centre,
                 target_type=AuditTarget.MEMBERSHIP, target_id=membership.pk,
                 target_label=f"{membership.user.get_username()} · {membership.role}",
                 before={"role": membership.role, "department_code": membership.department_code}, note=note)
    membership.delete()


def user_deactivate(*, user: User, acting_user: User | None) -> User:
    """Offboard `user` (离岗): they can no longer sign in or call the API, at once; their records stay.

    In one transaction: `is_active` off; every session of theirs deleted (the public schema's
    `django_session`, found by scanning the unexpired sessions: see `user_sessions_end`); their DRF API
    tokens deleted; every role (membership) ended, each with a ROLE_REVOKED audit entry (the history of
    roles is the audit log); one USER_DEACTIVATED entry. A user already inactive with nothing left open:
    nothing changes, nothing is recorded. Never raises for an existing user.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        was_active = locked.is_active
        sessions = user_sessions_end(user=locked)
        tokens, _deleted = Token.objects.filter(user=locked).delete()
        memberships = list(Membership.objects.select_for_update(of=("self",)).select_related("user", "centre")
                           .filter(user=locked).order_by("pk"))
        for membership in memberships:
            membership_end(membership=membership, acting_user=acting_user, note=_("The user was deactivated."))
        if not was_active and not (sessions or tokens or memberships):
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(kind=AuditKind.USER_DEACTIVATED, actor=acting_user, target_type=AuditTarget.USER,
                     target_id=locked.pk, target_label=locked.get_username(),
                     before={"is_active": was_active}, after={"is_active": False},
                     note=_("%(sessions)d sessions and %(tokens)d API tokens ended, %(roles)d roles revoked.")
                     % {"sessions": sessions, "tokens": tokens, "roles": len(memberships)})
    forget_memberships(user=locked)
    return locked


def user_sessions_end(*, user: User) -> int:
    """Delete every unexpired session of `user` (Django's database sessions, public schema); the count.

    Sessions carry the user's id only inside their encoded data, so the unexpired ones are scanned a
    chunk at a time and decoded (O(open sessions): a few thousand staff sessions take well under a second;
    an offboarding is rare, so no session-to-user index is kept). Expired sessions are left to
    `clearsessions`.
    """
    ended = 0
    with schema_context(get_public_schema_name()):
        sessions = Session.objects.filter(expire_date__gt=timezone.now()).order_by("pk")
        mine = [session.pk for session in sessions.iterator(chunk_size=2000)
                if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)]
        for start in range(0, len(mine), 1000):
            ended += Session.objects.filter(pk__in=mine[start:start + 1000]).delete()[0]
    return ended


def user_erase(*, user: User, acting_user: User | None) -> User:
    """Erase a user's personal data on request (PIPL art. 47, 个人信息删除): offboard them
    (`user_deactivate`), then replace their user name by the pseudonym ``erased-<id>`` and empty their
    full name, first and last name, e-mail and mobile; their password becomes unusable and staff/superuser
    flags are removed. The row stays (records and the audit log refer to it by id); the audit log is kept as
    it was (see docs/architecture.md, "Personal data"), plus one USER_ERASED entry naming the pseudonym
    only. Erasing an already-erased user changes nothing. Never raises for an existing user.
    """
    user_deactivate(user=user, acting_user=acting_user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        pseudonym = erased_username(locked.pk)
        if locked.username == pseudonym:
            return locked
        erased = [name for name in ERASED_FIELDS if getattr(locked, name)]
        locked.username = pseudonym
        for name in ERASED_FIELDS[1:]:  # the user name became the pseudonym above
            setattr(locked, name, "")
        locked.is_staff = locked.is_superuser = False
        locked.set_unusable_password()
        locked.save()
        audit_record(kind=AuditKind.USER_ERASED, actor=acting_user, target_type=AuditTarget.USER,
                     target_id=locked.pk, target_label=pseudonym, after={"erased": erased})
    return locked


#: The user's own personal data that `user_erase` removes.
ERASED_FIELDS = ("username", "full_name", "full_name_en", "first_name", "last_name", "email", "mobile")


def erased_username(user_id: int) -> str:
    """The pseudonym an erased user keeps as user name (unique: it holds the row's id)."""
    return f"erased-{user_id}"


def onboarding_batch_create(*, file_name: str, rows: list[CentreInput], acting_user: User | None) -> OnboardingBatch:
    """Validate a file and queue it for a worker. Bad rows: raise, nothing queued."""
    bad = centre_validate_rows(rows=rows)
    if bad:
        raise ApplicationError(
            _("%(count)d of %(total)d rows are not valid; nothing was imported.")
            % {"count": len(bad), "total": len(rows)},
            CentreErrorCode.INVALID_FILE, {"rows": bad},
        )
    batch = OnboardingBatch.objects.create(
        file_name=file_name[:200], rows=[r.__dict__ for r in rows], total=len(rows), created_by=acting_user)
    transaction.on_commit(lambda: tasks.onboarding_batch_run.delay(batch.pk))
    return batch


def onboarding_batch_run(*, batch_id: int) -> OnboardingBatch:
    batch = OnboardingBatch.objects.get(pk=batch_id)
    OnboardingBatch.objects.filter(pk=batch_id).update(status=BatchStatus.RUNNING)
    rows = [CentreInput(**row) for row in batch.rows]
    created = 0

    def progress(done: int, _total: int, result: OnboardResult) -> None:
        nonlocal created
        created += int(result.created)
        OnboardingBatch.objects.filter(pk=batch_id).update(done=done, created_count=created)

    try:
        with schema_context("public"):
            centre_bulk_onboard(rows=rows, acting_user=batch.created_by, progress=progress)
    except ApplicationError as exc:
        OnboardingBatch.objects.filter(pk=batch_id).update(status=BatchStatus.FAILED, error=str(exc))
    else:
        OnboardingBatch.objects.filter(pk=batch_id).update(status=BatchStatus.DONE)
    batch.refresh_from_db()
    return batch
