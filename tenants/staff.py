"""A centre's own people (人员管理): create, grant and revoke roles, departments, temporary passwords,
deactivation, the bulk import of a sheet of staff, and the platform's appointment of centre administrators.

Who may do what (one place of the rule: `staff_check_manager`, `staff_check_grantable`,
`staff_check_within`):

- a centre administrator manages the staff of their own centre only: a user who holds no role there is
  missing for them (404), and so is a user who also holds a role elsewhere or is a platform administrator
  (only a platform administrator acts on them: a centre administrator never acts above their own role);
- a centre administrator grants any role held at a centre (`CENTRE_ROLES`), never the platform
  administrator's; a platform administrator grants every role at every centre and appoints any
  centre's administrators, also where a centre has none (one onboarded from a file);
- the last active administrator of a centre stays: nobody revokes that role or deactivates that user
  (themself included) until another administrator is appointed. Changes to one centre's staff are
  serialised on the centre's row, so two administrators demoting each other at once leave one.

A new user and a reset password get a temporary password, shown once to the administrator, never stored
in clear and never in the audit log; `User.must_change_password` makes the next sign-in ask for a new one
(`tenants.signin.SecondFactorRequiredMiddleware`). Deactivating here (停用) keeps the user's roles, so
reactivating restores them; offboarding for good is `tenants.services.user_deactivate`.

Departments (部门) are the catalogue's (`catalog.Department`, two capital letters): a membership's
`department_code` scopes a window clerk's cases (cases.selectors). `tenants` sits below `catalog`, so the
model is looked up by name, not imported. Every change writes the audit log in its own transaction.
"""
from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from common.errors import ApplicationError
from common.glyphs import printable_field_errors
from common.identity import normalise_mobile
from tenants.audit import audit_changes, audit_record
from tenants.choices import CENTRE_ROLES, PLATFORM_GRANTED_ROLES, AuditKind, AuditTarget, Role
from tenants.error_codes import StaffErrorCode
from tenants.hooks import StaffLeaving, staff_leaving
from tenants.models import AnyUser, Centre, Membership, User
from tenants.selectors import forget_memberships, user_is_centre_admin, user_is_platform_admin
from tenants.services import membership_end, membership_grant, user_sessions_end

#: The columns of a staff sheet, in the template's order; the first three are required.
STAFF_COLUMNS = ("username", "full_name", "role", "full_name_en", "mobile", "department_code")
STAFF_REQUIRED = STAFF_COLUMNS[:3]

#: Characters of a temporary password: no 0/O, 1/l/I, so that it reads out over the phone.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
TEMPORARY_PASSWORD_LENGTH = 12


#: PBKDF2 rounds of a temporary password's hash. Django's default (1,000,000: 0.5 s a password here) guards
#: passwords people choose; a temporary one is 70 random bits, out of reach at 20,000 rounds too, and it is
#: rehashed at the default the moment it is used to sign in (Django's `must_update`), then replaced. A sheet
#: of 200 people is added in seconds, not in 100 s.
TEMPORARY_HASH_ROUNDS = 20_000


def temporary_password() -> str:
    """A fresh random password of `TEMPORARY_PASSWORD_LENGTH` characters (about 70 bits)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _i in range(TEMPORARY_PASSWORD_LENGTH))


def temporary_password_hash(password: str) -> str:
    """The stored form of a temporary password: the default hasher's, with `TEMPORARY_HASH_ROUNDS` rounds
    when it is PBKDF2 (else as `make_password` makes it)."""
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=TEMPORARY_HASH_ROUNDS)
    return make_password(password)


# --- who may do what ------------------------------------------------------------------------------

def may_manage_staff(*, user: AnyUser, centre: Centre) -> bool:
    """Whether `user` manages `centre`'s staff: its administrators and platform administrators."""
    return user_is_centre_admin(user=user, centre=centre)


def staff_check_manager(*, actor: AnyUser, centre: Centre) -> None:
    """Raise PermissionDenied (403) unless `actor` manages `centre`'s staff."""
    if not may_manage_staff(user=actor, centre=centre):
        raise PermissionDenied


def grantable_roles(*, actor: AnyUser, centre: Centre) -> list[str]:
    """The roles `actor` may grant at `centre` on the staff pages: for platform administrators every
    centre role; for the centre's administrators those whose power stays within the centre (not
    `PLATFORM_GRANTED_ROLES`: the catalogue administrator writes the city's master catalogue); none for
    anyone else. Never the platform administrator's role (it has no centre), nor the village agent's: it
    comes with a post at a station (the township's stations page, /delegation/stations/,
    `delegation.services.station_agent_assign`)."""
    if user_is_platform_admin(user=actor):
        return [role for role in CENTRE_ROLES if role != Role.VILLAGE_AGENT]
    if not may_manage_staff(user=actor, centre=centre):
        return []
    return [role for role in CENTRE_ROLES if role not in PLATFORM_GRANTED_ROLES and role != Role.VILLAGE_AGENT]


def staff_check_grantable(*, actor: AnyUser, centre: Centre, role: str) -> None:
    """Raise ApplicationError (403, `staff_role_not_allowed`) when `actor` may not grant `role` at `centre`."""
    if role not in grantable_roles(actor=actor, centre=centre):
        message = _("You may not grant the role “%(role)s” here.") % {"role": _role_label(role)}
        raise ApplicationError(message, StaffErrorCode.ROLE_NOT_ALLOWED, {"fields": {"role": [message]}},
                               http_status=403)


def staff_check_within(*, actor: AnyUser, centre: Centre, user: User) -> None:
    """Raise Http404 unless `user` holds a role at `centre`, and ApplicationError (403) when a centre
    administrator would act on someone above them or beyond their centre (a platform administrator, or
    staff of another centre too). Platform administrators act on anyone."""
    roles = list(Membership.objects.filter(user=user).values_list("centre_id", "role"))
    if user_is_platform_admin(user=actor):
        return
    if not any(centre_id == centre.pk for centre_id, _role in roles):
        raise Http404
    if user.is_superuser or any(centre_id != centre.pk for centre_id, _role in roles):
        raise ApplicationError(
            _("%(user)s also works for another centre or the platform: ask a platform administrator.")
            % {"user": user.get_username()}, StaffErrorCode.BEYOND_CENTRE, http_status=403)


def _unknown_department(code: str) -> ApplicationError:
    message = _("Unknown department “%(value)s”.") % {"value": code}
    return ApplicationError(message, StaffErrorCode.INVALID_INPUT, {"fields": {"department_code": [message]}})


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _lock_centre(centre: Centre) -> Centre:
    """Serialise changes to one centre's staff (inside a transaction): its row, locked."""
    return Centre.objects.select_for_update().get(pk=centre.pk)


def _active_admins(centre: Centre) -> set[int]:
    return set(Membership.objects.filter(centre=centre, role=Role.CENTRE_ADMIN, user__is_active=True)
               .values_list("user_id", flat=True))


def _keep_last_admin(*, centre: Centre, leaving: int) -> None:
    """Raise when user `leaving` is `centre`'s last active administrator (call with the centre locked)."""
    admins = _active_admins(centre)
    if admins == {leaving}:
        raise ApplicationError(
            _("This is the centre's last administrator: appoint another administrator first."),
            StaffErrorCode.LAST_ADMIN)


# --- departments ----------------------------------------------------------------------------------

def departments() -> dict[str, str]:
    """The catalogue's departments, code → name in the active language, by code."""
    model = apps.get_model("catalog", "Department")
    return {d.code: d.name for d in model.objects.order_by("code")}


# --- the list -------------------------------------------------------------------------------------

@dataclass
class StaffMember:
    """One person on a centre's staff page: the user and their memberships there."""

    user: User
    memberships: list[Membership] = field(default_factory=list)
    elsewhere: bool = False  # holds a role at another centre or on the platform

    @property
    def department_code(self) -> str:
        return next((m.department_code for m in self.memberships if m.department_code), "")


def staff_list(*, centre: Centre) -> list[StaffMember]:
    """Everyone holding a role at `centre`, active or not, by user name, with their roles there."""
    members: dict[int, StaffMember] = {}
    for membership in (Membership.objects.filter(centre=centre).select_related("user")
                       .order_by("user__username", "role")):
        members.setdefault(membership.user_id, StaffMember(user=membership.user)).memberships.append(membership)
    elsewhere = set(Membership.objects.filter(user_id__in=members).filter(~Q(centre=centre) | Q(centre__isnull=True))
                    .values_list("user_id", flat=True))
    for user_id in elsewhere:
        members[user_id].elsewhere = True
    return list(members.values())


def staff_member(*, centre: Centre, user_id: int) -> StaffMember:
    """One person of `centre`'s staff; Http404 when they hold no role there."""
    member = next((m for m in staff_list(centre=centre) if m.user.pk == user_id), None)
    if member is None:
        raise Http404
    return member


# --- one person's details, checked (the form and the sheet share this) -----------------------------

@dataclass(frozen=True)
class StaffInput:
    """A person to add: user name, names, mobile (any form `normalise_mobile` reads), role (its code or
    its name in Chinese or English) and department code (optional)."""

    username: str
    full_name: str
    role: str
    full_name_en: str = ""
    mobile: str = ""
    department_code: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> StaffInput:
        return cls(**{name: str(values.get(name) or "").strip() for name in STAFF_COLUMNS})


def _role_names() -> dict[str, str]:
    """Every way a role may be written in a sheet (its code, its Chinese and English names) → its code."""
    names: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.update({str(role.label).casefold(): role.value for role in Role})
    names.update({role.value: role.value for role in Role})
    return names


def _field_labels() -> dict[str, str]:
    return {"username": _("User name"), "full_name": _("Full name"), "full_name_en": _("Full name (English)"),
            "mobile": _("Mobile phone"), "role": _("Role"), "department_code": _("Department")}


def staff_input_check(data: StaffInput, *, actor: AnyUser, centre: Centre, taken: Iterable[str] = (),
                      known_departments: Mapping[str, str] | None = None,
                      role_names: Mapping[str, str] | None = None) -> tuple[StaffInput, dict[str, list[str]]]:
    """`data` with the role as its code, the mobile in E.164 and the department in capitals, and every
    problem by field (empty: good). `taken` are user names already used (the database's are checked here).
    """
    errors: dict[str, list[str]] = {}
    # as the sign-in form reads it (NFKC: full-width ｗａｎｇ from an IME is wang), or it could never sign in
    username = User.normalize_username((data.username or "").strip())
    if not username:
        errors["username"] = [_("A user name is needed.")]
    else:
        try:
            UnicodeUsernameValidator()(username)
            if len(username) > 150:
                raise ValidationError(_("At most 150 characters."))
        except ValidationError as exc:
            errors["username"] = [str(m) for m in exc.messages]
        else:
            if username.casefold() in {t.casefold() for t in taken}:
                errors["username"] = [_("User name %(name)s appears twice in the file.") % {"name": username}]
            elif User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("User name %(name)s is taken.") % {"name": username}]
    if not data.full_name:
        errors["full_name"] = [_("A full name is needed.")]
    elif len(data.full_name) > 100:
        errors["full_name"] = [_("At most 100 characters.")]
    if len(data.full_name_en) > 100:
        errors["full_name_en"] = [_("At most 100 characters.")]
    for name, problems in printable_field_errors({"full_name": data.full_name, "full_name_en": data.full_name_en},
                                                 _field_labels()).items():
        errors.setdefault(name, []).extend(problems)
    mobile = ""
    if data.mobile:
        mobile = normalise_mobile(data.mobile) or ""
        if not mobile:
            errors["mobile"] = [_("“%(value)s” is not a mainland mobile number.") % {"value": data.mobile}]
    role = (role_names or _role_names()).get(data.role.casefold(), "")
    if not data.role:
        errors["role"] = [_("A role is needed.")]
    elif not role:
        errors["role"] = [_("Unknown role “%(value)s”.") % {"value": data.role}]
    elif role == Role.VILLAGE_AGENT:
        errors["role"] = [_("A village agent is posted at a station on the Stations page (/delegation/stations/), "
                            "which grants the role with the post.")]
    elif role not in grantable_roles(actor=actor, centre=centre):
        errors["role"] = [_("You may not grant the role “%(role)s” here.") % {"role": _role_label(role)}]
    department = data.department_code.upper()
    if department and department not in (known_departments if known_departments is not None else departments()):
        errors["department_code"] = [_("Unknown department “%(value)s”.") % {"value": data.department_code}]
    cleaned = StaffInput(username=username, full_name=data.full_name, role=role or data.role,
                         full_name_en=data.full_name_en, mobile=mobile, department_code=department)
    return cleaned, errors


def _invalid(errors: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(
        _("The person cannot be added: %(problems)s") % {
            "problems": "; ".join(" ".join(msgs) for msgs in errors.values())},
        StaffErrorCode.INVALID_INPUT, {"fields": errors})


@dataclass(frozen=True)
class NewStaff:
    """A user made by `staff_create`, with the temporary password to hand over (shown once)."""

    user: User
    password: str


def staff_user_create(*, data: StaffInput, centre: Centre, actor: User | None, password: str, note: str = ""
                      ) -> User:
    """The user row of a new person of `centre` (checked input: `staff_input_check`), with the temporary
    `password` hashed (`temporary_password_hash`; changed at first sign-in), and its USER_CREATED audit
    entry; no role (the caller grants one: the staff page, or a station's post). In the caller's
    transaction; IntegrityError if the user name was taken meanwhile."""
    user = User.objects.create(username=data.username, full_name=data.full_name, full_name_en=data.full_name_en,
                               mobile=data.mobile, password=temporary_password_hash(password),
                               must_change_password=True)
    audit_record(kind=AuditKind.USER_CREATED, actor=actor, centre=centre, target_type=AuditTarget.USER,
                 target_id=user.pk, target_label=user.get_username(), note=note,
                 after={k: v for k, v in (("username", user.username), ("full_name", user.full_name),
                                          ("full_name_en", user.full_name_en), ("mobile", user.mobile)) if v})
    return user


def _create(*, data: StaffInput, centre: Centre, actor: User | None, password: str, note: str = "") -> User:
    user = staff_user_create(data=data, centre=centre, actor=actor, password=password, note=note)
    membership_grant(user=user, centre=centre, role=data.role, acting_user=actor,
                     department_code=data.department_code)
    return user


def staff_create(*, centre: Centre, data: StaffInput, acting_user: User) -> NewStaff:
    """Add a person to `centre`'s staff with one role (and department): a new user with a temporary
    password they change at first sign-in. Raises ApplicationError with every problem by field
    (`extra["fields"]`); PermissionDenied when `acting_user` does not manage the centre's staff."""
    staff_check_manager(actor=acting_user, centre=centre)
    cleaned, errors = staff_input_check(data, actor=acting_user, centre=centre)
    if errors:
        raise _invalid(errors)
    password = temporary_password()
    with transaction.atomic():
        _lock_centre(centre)
        if User.objects.filter(username__iexact=cleaned.username).exists():  # made meanwhile
            raise _invalid({"username": [_("User name %(name)s is taken.") % {"name": cleaned.username}]})
        user = _create(data=cleaned, centre=centre, actor=acting_user, password=password)
    return NewStaff(user=user, password=password)


# --- roles and departments ------------------------------------------------------------------------

def staff_grant(*, centre: Centre, user: User, role: str, acting_user: User, department_code: str = "") -> Membership:
    """Give `user` (already staff of `centre`, or anyone for a platform administrator) `role` at
    `centre`. Raises as the module's rules say; granting a role held already changes nothing."""
    staff_check_manager(actor=acting_user, centre=centre)
    staff_check_within(actor=acting_user, centre=centre, user=user)
    staff_check_grantable(actor=acting_user, centre=centre, role=role)
    department_code = (department_code or "").upper()
    if department_code and department_code not in departments():
        raise _unknown_department(department_code)
    with transaction.atomic():
        _lock_centre(centre)
        return membership_grant(user=user, centre=centre, role=role, acting_user=acting_user,
                                department_code=department_code)


def staff_revoke(*, centre: Centre, user: User, role: str, acting_user: User) -> None:
    """Take `role` at `centre` away from `user`. The last active administrator keeps theirs; a person's
    only role here is not revoked (400: deactivate them instead, or they would be left active and out of
    every administrator's reach); a role not held (revoked meanwhile by someone else): 409, nothing
    changes."""
    staff_check_manager(actor=acting_user, centre=centre)
    staff_check_within(actor=acting_user, centre=centre, user=user)
    with transaction.atomic():
        _lock_centre(centre)
        held = list(Membership.objects.filter(user=user, centre=centre))
        membership = next((m for m in held if m.role == role), None)
        if membership is None:
            raise ApplicationError(_("%(user)s does not hold that role (any more); nothing was changed.")
                                   % {"user": user.get_username()}, StaffErrorCode.CHANGED_MEANWHILE,
                                   http_status=409)
        if role == Role.CENTRE_ADMIN:
            _keep_last_admin(centre=centre, leaving=user.pk)
        if len(held) == 1:  # with no role here they would vanish from this page, active and unreachable
            raise ApplicationError(
                _("This is %(user)s's only role here: deactivate them instead (they can be reactivated), or "
                  "grant another role first.") % {"user": user.get_username()}, StaffErrorCode.INVALID_INPUT,
                {"fields": {"role": [_("The only role here.")]}}, http_status=400)
        membership_end(membership=membership, acting_user=acting_user)
    forget_memberships(user=user)


def staff_set_department(*, centre: Centre, user: User, department_code: str, acting_user: User) -> None:
    """Set the department of `user`'s roles at `centre` ("" for every department: a general window)."""
    staff_check_manager(actor=acting_user, centre=centre)
    staff_check_within(actor=acting_user, centre=centre, user=user)
    department_code = (department_code or "").strip().upper()
    if department_code and department_code not in departments():
        raise _unknown_department(department_code)
    with transaction.atomic():
        _lock_centre(centre)
        for membership in Membership.objects.filter(user=user, centre=centre).order_by("pk"):
            before, after = audit_changes(before={"department_code": membership.department_code},
                                          after={"department_code": department_code})
            if not after:
                continue
            membership.department_code = department_code
            membership.save(update_fields=["department_code", "updated_at"])
            audit_record(kind=AuditKind.DEPARTMENT_SET, actor=acting_user, centre=centre,
                         target_type=AuditTarget.MEMBERSHIP, target_id=membership.pk,
                         target_label=f"{user.get_username()} · {membership.role}", before=before, after=after)
    forget_memberships(user=user)


# --- passwords and deactivation -------------------------------------------------------------------

def staff_reset_password(*, centre: Centre, user: User, acting_user: User) -> str:
    """Give `user` a new temporary password (returned, to hand over once); their sessions and API tokens
    end and their next sign-in asks for a new password. Writes PASSWORD_RESET (never the password)."""
    staff_check_manager(actor=acting_user, centre=centre)
    staff_check_within(actor=acting_user, centre=centre, user=user)
    password = temporary_password()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.password = temporary_password_hash(password)
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        sessions = user_sessions_end(user=locked)
        Token.objects.filter(user=locked).delete()
        audit_record(kind=AuditKind.PASSWORD_RESET, actor=acting_user, centre=centre, target_type=AuditTarget.USER,
                     target_id=locked.pk, target_label=locked.get_username(),
                     note=_("%(sessions)d sessions ended.") % {"sessions": sessions})
    return password


def staff_set_active(*, centre: Centre, user: User, active: bool, acting_user: User) -> User:
    """Deactivate (停用: no sign-in, sessions and API tokens end, roles kept) or reactivate `user`. The
    centre's last active administrator is not deactivated. Doing what is done already records nothing."""
    staff_check_manager(actor=acting_user, centre=centre)
    staff_check_within(actor=acting_user, centre=centre, user=user)
    with transaction.atomic():
        _lock_centre(centre)
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return locked
        note = ""
        if not active:
            _keep_last_admin(centre=centre, leaving=locked.pk)
            sessions = user_sessions_end(user=locked)
            tokens, _deleted = Token.objects.filter(user=locked).delete()
            note = _("%(sessions)d sessions and %(tokens)d API tokens ended; roles kept.") % {
                "sessions": sessions, "tokens": tokens}
            staff_leaving.send(StaffLeaving(user=locked, acting_user=acting_user))
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        audit_record(kind=AuditKind.USER_REACTIVATED if active else AuditKind.USER_DEACTIVATED, actor=acting_user,
                     centre=centre, target_type=AuditTarget.USER, target_id=locked.pk,
                     target_label=locked.get_username(), before={"is_active": not active},
                     after={"is_active": active}, note=note)
    return locked


def password_changed(*, user: User) -> None:
    """After `user` chose their own password in place of a temporary one: no more asking. Writes
    PASSWORD_CHANGED."""
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, must_change_password=True).update(must_change_password=False)
        user.must_change_password = False
        if updated:
            audit_record(kind=AuditKind.PASSWORD_CHANGED, actor=user, target_type=AuditTarget.USER,
                         target_id=user.pk, target_label=user.get_username())


# --- the platform appoints centre administrators ---------------------------------------------------

def centre_admin_appoint(*, centre: Centre, username: str, full_name: str, acting_user: User,
                         full_name_en: str = "", mobile: str = "") -> NewStaff | Membership:
    """A platform administrator makes `username` an administrator of `centre` (任命中心管理员): an
    existing user gets the role (a `Membership` is returned); a new one is created with a temporary
    password (`NewStaff`). Raises PermissionDenied for anyone else, ApplicationError on bad input."""
    if not user_is_platform_admin(user=acting_user):
        raise PermissionDenied
    existing = User.objects.filter(username__iexact=User.normalize_username((username or "").strip())).first()
    if existing is not None:
        if not existing.is_active:
            message = _("%(user)s is deactivated; reactivate them first.") % {"user": existing.get_username()}
            raise ApplicationError(message, StaffErrorCode.INVALID_INPUT, {"fields": {"username": [message]}})
        with transaction.atomic():
            _lock_centre(centre)
            return membership_grant(user=existing, centre=centre, role=Role.CENTRE_ADMIN, acting_user=acting_user)
    return staff_create(centre=centre, acting_user=acting_user, data=StaffInput(
        username=username, full_name=full_name, full_name_en=full_name_en, mobile=mobile, role=Role.CENTRE_ADMIN))


def centre_admins(*, centre: Centre) -> list[User]:
    """`centre`'s administrators (active or not), by user name."""
    return list(User.objects.filter(memberships__centre=centre, memberships__role=Role.CENTRE_ADMIN)
                .order_by("username"))


# --- a sheet of staff, all or nothing --------------------------------------------------------------

def staff_validate_rows(*, centre: Centre, rows: list[tuple[int, StaffInput]], acting_user: AnyUser
                        ) -> tuple[list[StaffInput], list[dict]]:
    """Check every row (numbered as the sheet shows them) against the database and the file itself:
    the cleaned rows, and one entry per bad row (`{"row": n, "username": ..., "fields": {...}}`)."""
    known = departments()
    names = _role_names()
    seen: list[str] = []
    cleaned: list[StaffInput] = []
    bad: list[dict] = []
    for number, data in rows:
        good, errors = staff_input_check(data, actor=acting_user, centre=centre, taken=seen,
                                         known_departments=known, role_names=names)
        if data.username:
            seen.append(data.username)
        if errors:
            bad.append({"row": number, "username": data.username, "fields": errors})
        cleaned.append(good)
    return cleaned, bad


def staff_bulk_create(*, centre: Centre, rows: list[tuple[int, StaffInput]], acting_user: User,
                      file_name: str = "") -> list[NewStaff]:
    """Add every row's person to `centre`'s staff, each with a temporary password; if any row is bad,
    raise (`extra["rows"]`, every bad row and field) and add none. One transaction: all or nothing."""
    staff_check_manager(actor=acting_user, centre=centre)
    if not rows:
        raise ApplicationError(_("The file has a header but no people."), StaffErrorCode.INVALID_FILE)
    cleaned, bad = staff_validate_rows(centre=centre, rows=rows, acting_user=acting_user)
    if bad:
        raise ApplicationError(
            _("%(count)d of %(total)d rows are not valid; nothing was imported.")
            % {"count": len(bad), "total": len(rows)}, StaffErrorCode.INVALID_FILE, {"rows": bad})
    made: list[NewStaff] = []
    note = _("Imported from %(file)s.") % {"file": file_name} if file_name else ""
    with transaction.atomic():
        _lock_centre(centre)
        taken = set(User.objects.filter(username__in=[d.username for d in cleaned]).values_list("username", flat=True))
        if taken:  # made meanwhile, by someone else
            bad = [{"row": n, "username": d.username,
                    "fields": {"username": [_("User name %(name)s is taken.") % {"name": d.username}]}}
                   for n, d in rows if d.username in taken]
            raise ApplicationError(
                _("%(count)d of %(total)d rows are not valid; nothing was imported.")
                % {"count": len(bad), "total": len(rows)}, StaffErrorCode.INVALID_FILE, {"rows": bad})
        for data in cleaned:
            password = temporary_password()
            made.append(NewStaff(user=_create(data=data, centre=centre, actor=acting_user, password=password,
                                              note=note), password=password))
        audit_record(kind=AuditKind.STAFF_IMPORTED, actor=acting_user, centre=centre, target_type=AuditTarget.CENTRE,
                     target_id=centre.pk, target_label=centre.name_zh, after={"count": len(made)}, note=note)
    return made
