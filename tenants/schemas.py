"""Entering a centre's schema: plumbing for the doors into a centre (cases.door, windows.door) and
nothing else. Every other app reaches a centre's rows through those doors, which take the `Centre`
explicitly (the import contract in pyproject.toml keeps it so).

django-tenants keeps one search path per connection (`<centre schema>, public`); the database backend
(config/db_backend) does not issue it again when the same centre is entered again, so entering the
centre a request is already routed to costs nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from django.db import connection
from django_tenants.postgresql_backend.base import DatabaseWrapper
from django_tenants.utils import tenant_context

from tenants.models import Centre


@contextmanager
def centre_schema(centre: Centre) -> Iterator[Centre]:
    """Run the block in `centre`'s schema (public after it on the search path), then return the
    connection to where it was. Nests; a transaction opened outside spans both schemas."""
    with tenant_context(centre):
        yield centre


def tenant_connection() -> DatabaseWrapper:
    """The default connection, typed as the django-tenants backend it is (settings: config.db_backend):
    `schema_name`, `set_tenant`, `set_schema`, ..."""
    return cast(DatabaseWrapper, connection)


def require_schema(centre: Centre) -> None:
    """Refuse to write a centre's rows from another schema (a programming error, not a user's):
    services of a centre's schema check this before they write."""
    current = tenant_connection().schema_name
    if current != centre.schema_name:
        raise RuntimeError(f"{centre.schema_name}'s rows are written inside its schema (now in {current}); go "
                           f"through its door (cases.door)")
