"""Centre levels, statuses and roles, with the rules that derive from them."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("City centre")
    DISTRICT = "district", _("District/county centre")
    ZONE = "zone", _("Development-zone centre")
    TOWNSHIP = "township", _("Township/street convenience centre")


#: Which levels a centre of each level may sit under (None: no parent at all).
ALLOWED_PARENT_LEVELS: dict[str, frozenset[str] | None] = {
    Level.CITY: None,
    Level.DISTRICT: frozenset({Level.CITY}),
    Level.ZONE: frozenset({Level.CITY}),
    Level.TOWNSHIP: frozenset({Level.DISTRICT, Level.ZONE}),
}

#: Length of the administrative division code at each level (6: county level, 9: township).
DIVISION_CODE_LENGTH: dict[str, int] = {
    Level.CITY: 6,
    Level.DISTRICT: 6,
    Level.ZONE: 6,
    Level.TOWNSHIP: 9,
}


class CentreStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("Provisioning")
    READY = "ready", _("Ready")
    SUSPENDED = "suspended", _("Suspended")


#: Transitions an administrator may make by hand; provisioning -> ready is the onboarding service's.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    CentreStatus.PROVISIONING: frozenset({CentreStatus.READY}),
    CentreStatus.READY: frozenset({CentreStatus.SUSPENDED}),
    CentreStatus.SUSPENDED: frozenset({CentreStatus.READY}),
}

#: The longest reason a suspension or a resumption keeps (the audit log's note).
STATUS_REASON_MAX_LENGTH = 500


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    CENTRE_ADMIN = "centre_admin", _("Centre administrator")
    CHIEF_REPRESENTATIVE = "chief_representative", _("Chief representative")
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    SUPERVISOR = "supervisor", _("Supervisor")
    VILLAGE_AGENT = "village_agent", _("Village agent")
    CATALOGUE_ADMIN = "catalogue_admin", _("Catalogue administrator")


#: Roles held at a centre (never the platform administrator's, which has no centre).
CENTRE_ROLES = tuple(role for role in Role if role != Role.PLATFORM_ADMIN)

#: Centre roles whose power reaches beyond the centre (the catalogue administrator writes the city's
#: master catalogue): only platform administrators grant them.
PLATFORM_GRANTED_ROLES = frozenset({Role.CATALOGUE_ADMIN})

#: Roles that make a user staff of a centre (they may use its staff pages).
STAFF_ROLES = frozenset(
    {Role.CENTRE_ADMIN, Role.CHIEF_REPRESENTATIVE, Role.WINDOW_CLERK, Role.SUPERVISOR}
)


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AuditKind(models.TextChoices):
    """What an audit event (操作日志) records. Written by the service that makes the change."""

    CENTRE_ONBOARDED = "centre_onboarded", _("Centre onboarded")
    CENTRE_SUSPENDED = "centre_suspended", _("Centre suspended")
    CENTRE_RESUMED = "centre_resumed", _("Centre resumed")
    CENTRE_RENAMED = "centre_renamed", _("Centre renamed")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    USER_CREATED = "user_created", _("User created")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_REACTIVATED = "user_reactivated", _("User reactivated")
    PASSWORD_RESET = "password_reset", _("Temporary password given")
    PASSWORD_CHANGED = "password_changed", _("Password changed at first sign-in")
    DEPARTMENT_SET = "department_set", _("Department set")
    STAFF_IMPORTED = "staff_imported", _("Staff imported from a file")
    USER_ERASED = "user_erased", _("User's personal data erased")
    USER_UNLOCKED = "user_unlocked", _("Sign-in lockout lifted")
    SECOND_FACTOR_ADDED = "second_factor_added", _("Second factor (TOTP) turned on")
    SECOND_FACTOR_REMOVED = "second_factor_removed", _("Second factor (TOTP) turned off")
    PERSONAL_DATA_REVEALED = "personal_data_revealed", _("Applicant's personal data revealed")
    ITEM_CREATED = "item_created", _("Catalogue item created")
    VERSION_DRAFTED = "version_drafted", _("Item version drafted")
    VERSION_PUBLISHED = "version_published", _("Item version published")
    ITEM_ADOPTED = "item_adopted", _("Item adopted")
    ADOPTION_CHANGED = "adoption_changed", _("Adoption changed")
    ADOPTION_ENDED = "adoption_ended", _("Adoption ended")
    LOCAL_ITEM_CREATED = "local_item_created", _("Local item created")
    SCHEDULE_ENTERED = "schedule_entered", _("Holiday schedule entered")
    SCHEDULE_REMOVED = "schedule_removed", _("Holiday schedule removed")
    CLOSURE_SET = "closure_set", _("Closure day set")
    CLOSURE_CHANGED = "closure_changed", _("Closure day changed")
    CLOSURE_REMOVED = "closure_removed", _("Closure day removed")
    WINDOW_CREATED = "window_created", _("Service window created")
    OPERATOR_GRANTED = "operator_granted", _("Window operator granted")
    AGENT_POST_ENDED = "agent_post_ended", _("Village agent's post ended")
    PROXY_FILING_PASSED = "proxy_filing_passed", _("Proxy filing passed to another holder")
    APPLICANT_BOUND = "applicant_bound", _("Applicant bound a real name")
    APPLICANT_EXPORTED = "applicant_exported", _("Applicant exported their data")
    APPLICANT_ERASED = "applicant_erased", _("Applicant account erased")
    ITEM_FORM_ADDED = "item_form_added", _("Form or sample added to an item version")
    ITEM_FORM_REMOVED = "item_form_removed", _("Form or sample removed from an item version")
    NEWS_PUBLISHED = "news_published", _("News post published")
    NEWS_UNPUBLISHED = "news_unpublished", _("News post withdrawn")


class AuditTarget(models.TextChoices):
    """What an audit event acted on."""

    CENTRE = "centre", _("Centre")
    MEMBERSHIP = "membership", _("Membership")
    USER = "user", _("User")
    ITEM = "item", _("Item")
    ITEM_VERSION = "item_version", _("Item version")
    ADOPTION = "adoption", _("Adoption")
    SCHEDULE_YEAR = "schedule_year", _("Holiday schedule")
    CLOSURE = "closure", _("Closure day")
    WINDOW = "window", _("Service window")
    CASE = "case", _("Case")
    APPLICANT = "applicant", _("Applicant account")
    NEWS_POST = "news_post", _("News post")
