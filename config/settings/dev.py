"""Local development: the embedded run (`python3 platform/dev.py run`)."""
from config import env
from config.settings.base import *  # noqa: F403

DEBUG = env.env_bool("DJANGO_DEBUG", True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
