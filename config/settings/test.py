"""Tests: fast password hashing, the routing cache checked on every request, a broker of their own."""
from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROUTING_CHECK_SECONDS = 0.0
LANGUAGE_CODE = "en"
PUBLIC_HOSTS = [*PUBLIC_HOSTS, "testserver"]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files collected for the tests (tests/conftest.py, when a source changed) apart from the run's, which a
# running server of the same checkout serves.
STATIC_ROOT = VAR_DIR / "static-test"  # noqa: F405

# Tests never send into a broker a running platform reads (var/broker, or CELERY_BROKER_URL): a task a test
# queues names rows of the test database, and the platform's worker would run it against its own (a
# propagation, an import, another centre's case with the same id). A private folder per test run; the
# real-worker tests choose their broker themselves (tests/conftest.py, CELERY_TEST_BROKER_URL).
import atexit as _atexit  # noqa: E402
import shutil as _shutil  # noqa: E402
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

_TEST_BROKER_DIR = _Path(_tempfile.mkdtemp(prefix="govservice-test-broker-"))
for _folder in ("queue", "control", "processed"):
    (_TEST_BROKER_DIR / _folder).mkdir()
_atexit.register(_shutil.rmtree, _TEST_BROKER_DIR, True)
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **{key: value for key, value in CELERY_BROKER_TRANSPORT_OPTIONS.items() if "folder" not in key},  # noqa: F405
    "data_folder_in": str(_TEST_BROKER_DIR / "queue"), "data_folder_out": str(_TEST_BROKER_DIR / "queue"),
    "control_folder": str(_TEST_BROKER_DIR / "control"), "processed_folder": str(_TEST_BROKER_DIR / "processed"),
    "store_processed": False,
}

# Uploaded files (a consent's scan) go to a private folder per test run, never the checkout's var/media.
MEDIA_ROOT = _Path(_tempfile.mkdtemp(prefix="govservice-test-media-"))
_atexit.register(_shutil.rmtree, MEDIA_ROOT, True)
