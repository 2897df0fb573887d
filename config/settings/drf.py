"""Django REST framework and drf-spectacular."""
from config import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad or missing token answers 401 with WWW-Authenticate, as clients expect.
        "tenants.authentication.TokenAuthentication",  # DRF's, in one statement with the memberships
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    # hall_codes: SMS codes asked for on a centre's hall API; hall_bookings: online bookings and cancellations
    # there (hall.api_auth.HallThrottle), per client address.
    "DEFAULT_THROTTLE_RATES": {"progress": "10/minute", "hall_codes": "10/minute", "hall_bookings": "20/minute"},
    # Trusted reverse proxies in front (environment `TRUSTED_PROXIES`, default 0 = trust none): the one
    # setting every reader of the client's address uses (common.client.client_address, DRF's throttles).
    "NUM_PROXIES": max(env.env_int("TRUSTED_PROXIES", 0), 0),
}

# The per-number guard of the progress lookup (registry.guard): after `failures` wrong factors for one
# case number, each within `window` seconds of the one before, that number answers "try later" to
# everyone for `lock` seconds.
PROGRESS_GUARD = [
    {"failures": 5, "window": 15 * 60, "lock": 15 * 60},
    {"failures": 20, "window": 24 * 60 * 60, "lock": 24 * 60 * 60},
]

SPECTACULAR_SETTINGS = {
    "TITLE": "Government service centres platform API",
    "DESCRIPTION": "政务服务中心共享平台 API. Errors are {code, message, extra}; lists are paginated.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get components of their own, so that a required text field says `minLength: 1`
    # (the serializers refuse blank text) without claiming the same of the answers.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ItemKindEnum": "catalog.choices.ItemKind",
        "EventKindEnum": "catalog.choices.EventKind",
        "CentreStatusEnum": "tenants.choices.CentreStatus",
        "CaseStatusEnum": "cases.choices.CaseStatus",
        "VersionStatusEnum": "catalog.choices.VersionStatus",
        "OutboxStatusEnum": "notifications.models.OutboxStatus",
        "ImportStageEnum": "catalog.choices.ImportStage",
        "JointStageEnum": "joint_approval.choices.Stage",
        "LevelEnum": "tenants.choices.Level",
        "ApplicantTypeEnum": "catalog.choices.ApplicantType",
        "TicketStatusEnum": "hall.choices.TicketStatus",
        "AppointmentStatusEnum": "hall.choices.AppointmentStatus",
        "BookingChannelEnum": "hall.choices.BookingChannel",
        "ChannelEnum": "cases.choices.Channel",
    },
}
