"""How the platform's answers travel (issue 19): static files fingerprinted, precompressed and cached for a
year, pages gzipped, in every run (the README's, the tests', production).

- `StaticFilesStorage`: WhiteNoise's compressed manifest storage (`css/site.css` is collected as
  `css/site.<md5 prefix>.css` with `.gz` and `.br` copies beside it), whose URLs name the fingerprinted file
  in DEBUG too (Django's manifest storage names the plain file in DEBUG, which then could not be cached).
  A name missing from the manifest raises ValueError naming the command that collects.
- `StaticFilesMiddleware`: WhiteNoise serving the collected files; a fingerprinted file answers
  `Cache-Control: max-age=31536000, public, immutable` (a year) and its brotli or gzip copy when the
  browser's `Accept-Encoding` allows.
- `CompressionMiddleware`: Django's GZipMiddleware for pages and API answers (with its "Heal the Breach"
  random padding against BREACH; docs/operations.md, "Compression and static files"), never for a
  streaming answer (the hall's event stream must reach the screen event by event; files are sent as they
  are).
- `collect_static_if_changed()`: `collectstatic` only when a source file changed since the last
  collection (a digest of every file the finders see, their sizes and modification times): `dev.py run`
  (through `manage.py collectstatic_if_changed`) and the tests' session call it; production collects in its
  release step (platform/Procfile).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

import brotli
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.middleware.gzip import GZipMiddleware
from whitenoise.compress import Compressor
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

#: How long a browser keeps a fingerprinted static file: a year (its name changes with its content).
STATIC_MAX_AGE = 365 * 24 * 60 * 60
#: Files up to this size get brotli's best compression (quality 11); larger ones quality 9 (`_Compressor`).
BROTLI_BEST_MAX_BYTES = 32 * 1024
#: The file beside the collected files that holds the digest of the sources they were collected from.
DIGEST_FILE = ".sources-digest"


class _Compressor(Compressor):
    """WhiteNoise's compressor, with brotli at its best (quality 11) for small files only: 11 costs ~8 s a
    megabyte, and the third-party bundles (Swagger UI, Redoc: megabytes) take 9, ~25x faster and ~8% larger.
    Source maps (`.map`, read by developer tools alone) are not compressed."""

    SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        return brotli.compress(data, quality=11 if len(data) <= BROTLI_BEST_MAX_BYTES else 9)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Fingerprinted, precompressed static files whose URLs are fingerprinted in every run (DEBUG too).
    Only the fingerprinted files get compressed copies (pages name no other)."""

    def create_compressor(self, **kwargs) -> Compressor:
        return _Compressor(**kwargs)

    def compress_files(self, paths):
        fingerprinted = set(self.hashed_files.values())
        return super().compress_files([path for path in paths if path in fingerprinted])

    def url(self, name: str | None, force: bool = False) -> str:  # noqa: ARG002 - always forced
        return super().url(name, force=True)

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError as exc:
            raise ValueError(f"{exc}: the static files are not collected, or are out of date; run "
                             "`python manage.py collectstatic_if_changed` (`platform/dev.py run` does)") from exc


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise with a year's cache for fingerprinted files (WhiteNoise's own is ten years)."""

    FOREVER = STATIC_MAX_AGE


class CompressionMiddleware(GZipMiddleware):
    """Gzip of pages and API answers when the browser accepts it; streaming answers pass as they are."""

    def process_response(self, request, response):
        if response.streaming:
            return response
        return super().process_response(request, response)


def sources_digest() -> str:
    """A hex digest of every file the static finders see (its name, size and modification time), with the
    storage's class and STATIC_URL: it changes whenever `collectstatic` would produce something else."""
    entries = [f"{settings.STORAGES['staticfiles']['BACKEND']}|{settings.STATIC_URL}"]
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):  # collectstatic's own default
            prefix = getattr(storage, "prefix", None) or ""
            stat = os.stat(storage.path(path))
            entries.append(f"{prefix}/{path}|{stat.st_size}|{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collect_static_if_changed(*, verbosity: int = 0) -> bool:
    """Run `collectstatic` into STATIC_ROOT unless it already holds what the sources give; True when it ran.
    Two processes at once (two test runs, a test run and `dev.py run` in one checkout) take turns on a lock
    file there; the second then finds the collection current."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / DIGEST_FILE
    with (root / ".collect.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = sources_digest()
        manifest = root / staticfiles_storage.manifest_name  # type: ignore[attr-defined]
        if manifest.exists() and stamp.exists() and stamp.read_text() == digest:
            ran = False
        else:
            call_command("collectstatic", interactive=False, verbosity=verbosity)
            stamp.write_text(digest)
            ran = True
    storage = staticfiles_storage
    storage.hashed_files, storage.manifest_hash = storage.load_manifest()  # type: ignore[attr-defined]
    return ran
