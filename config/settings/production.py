"""Production: everything from the environment; `manage.py check --deploy` is clean with it."""
from django.core.exceptions import ImproperlyConfigured

from config import env
from config.settings.base import *  # noqa: F403

DEBUG = False
if not env.SECRET_KEY or len(env.SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to at least 50 random characters.")
SECRET_KEY = env.SECRET_KEY
if not env.DATA_KEYS:
    raise ImproperlyConfigured("GOVSERVICE_DATA_KEYS must hold the Fernet key(s) of personal data at rest, newest "
                               "first (docs/operations.md).")

PLATFORM_SCHEME = env.PLATFORM_SCHEME or "https"  # the links in SMS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Defence in depth (config/settings/security.py has the defaults and what each one does).
GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS = env.env_bool("GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS", True)
GOVSERVICE_PUBLIC_API_DOCS = env.env_bool("GOVSERVICE_PUBLIC_API_DOCS", False)
