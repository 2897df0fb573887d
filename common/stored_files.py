"""Files written to Django's storage together with database rows (存储文件与事务): a file written inside a
transaction that then rolls back must not stay behind in storage.

`file_write(name, content)` saves the bytes through the default storage (the filesystem, or S3 when
configured) and remembers the name on the connection; `files_atomic()` is `transaction.atomic()` that, when
its block raises, deletes every file written inside it (nested blocks included) before the error goes on.
The outermost writer of a case and its documents opens `files_atomic()`: a refused file or a refused
application leaves no row and no file. Once the outermost block commits, the names are forgotten.
(A plain `transaction.atomic()` around a `files_atomic()` that rolls back after the inner block succeeded
cannot be seen from here: the writers of documents are outermost, or inside another `files_atomic()`.)
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def _written() -> list[str]:
    names = getattr(connection, "_govservice_files_written", None)
    if names is None:
        names = []
        connection._govservice_files_written = names  # type: ignore[attr-defined]
    return names


def file_write(name: str, content: bytes) -> str:
    """Save `content` under `name` (a random name chosen by the caller: `CheckedUpload.stored_name`) and
    return the name the storage used. Deleted again if the enclosing `files_atomic()` block fails."""
    saved = default_storage.save(name, ContentFile(content))
    _written().append(saved)
    return saved


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001  (storage down: the file stays, say so; the error that rolled back goes on)
            logger.exception("could not delete %s after a rollback", name)


@contextmanager
def files_atomic() -> Iterator[None]:
    """`transaction.atomic()` whose failure also deletes the files written inside it (`file_write`)."""
    names = _written()
    start = len(names)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _delete(names[start:])
        del names[start:]
        raise
    if not connection.in_atomic_block:
        names.clear()
