"""Local development: the embedded run (`python3 platform/dev.py run`)."""
from config import env
from config.settings.base import *  # noqa: F403

DEBUG = env.env_bool("DJANGO_DEBUG", True)
# The demo logins sign in with a password alone; production requires a second factor of platform admins.
GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS = env.env_bool("GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS", False)
