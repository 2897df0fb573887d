"""Tests: fast password hashing, the routing cache checked on every request."""
from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROUTING_CHECK_SECONDS = 0.0
LANGUAGE_CODE = "en"
PUBLIC_HOSTS = [*PUBLIC_HOSTS, "testserver"]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
