"""A database connection that has served more than `CONN_MAX_SCHEMAS` centres is replaced at the end of
a request, never inside a transaction; below the bound it is kept across requests as before.

Requests go through Django's WSGI handler itself (not the test client, which keeps connections open
on purpose), so `close_old_connections` runs at each request's start and end as under gunicorn. The
tests only read the session's centres and commit nothing."""
from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.test import RequestFactory

from tests.conftest import host_of

PATH = "/api/v1/centre/"


@pytest.fixture
def serve(django_db_setup, django_db_blocker, settings):
    """`serve(centre)`: one request to the centre's host through the WSGI handler; its status code."""
    from tenants.models import Centre

    settings.CONN_MAX_AGE = 600
    handler = WSGIHandler()
    factory = RequestFactory()

    def request(centre: Centre) -> int:
        environ = factory.get(PATH, HTTP_HOST=host_of(centre)).environ
        statuses: list[str] = []
        response = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(response)
        response.close()  # as a WSGI server does: sends request_finished
        return int(statuses[0].split()[0])

    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = 600
        try:
            yield request
        finally:
            connection.close()
            connection.settings_dict["CONN_MAX_AGE"] = 0
            connection.set_schema_to_public()


def backend_pid() -> int | None:
    """The PostgreSQL server process behind this thread's connection, None when it is closed."""
    if connection.connection is None:
        return None
    return connection.connection.info.backend_pid


def centres(count: int) -> list:
    from tenants.models import Centre

    connection.set_schema_to_public()
    found = list(Centre.objects.filter(status="ready").order_by("division_code")[:count])
    assert len(found) == count
    return found


def test_a_connection_that_served_more_centres_than_the_bound_is_replaced_at_the_requests_end(serve, settings):
    settings.CONN_MAX_SCHEMAS = 2
    first, second, third = centres(3)
    assert serve(first) == 200
    pid = backend_pid()
    assert pid is not None
    assert serve(second) == 200
    assert serve(first) == 200
    assert backend_pid() == pid, "two centres are within the bound: the same connection serves on"
    assert serve(third) == 200
    assert backend_pid() is None, "the third centre passed the bound: closed once the request ended"
    assert serve(third) == 200
    assert backend_pid() not in (None, pid), "the next request is served by a fresh connection"
    assert connection.schemas_entered == {third.schema_name}


def test_below_the_bound_or_without_one_the_connection_is_kept(serve, settings):
    settings.CONN_MAX_SCHEMAS = 0
    served = centres(4)
    for centre in served * 2:
        assert serve(centre) == 200
    pid = backend_pid()
    for centre in served:
        assert serve(centre) == 200
    assert backend_pid() == pid
    assert len(connection.schemas_entered) == 4


def test_work_that_enters_many_centres_in_one_transaction_keeps_its_connection_until_the_end(serve, settings):
    """A cross-centre task (a sweep, a joint approval) passes the bound inside its transaction: every
    statement runs on the one connection; only the end of the request (or task) replaces it."""
    from django.db import close_old_connections

    from windows.models import Window

    settings.CONN_MAX_SCHEMAS = 1
    first, second, third = centres(3)
    assert serve(first) == 200
    pid = backend_pid()
    with transaction.atomic():
        for centre in (second, third, first):
            connection.set_tenant(centre)
            Window.objects.count()  # a statement in each centre's schema
            assert backend_pid() == pid
    assert connection.schemas_entered == {first.schema_name, second.schema_name, third.schema_name}
    assert backend_pid() == pid
    close_old_connections()  # what the end of a request, or of a Celery task, runs
    assert backend_pid() is None
    assert serve(second) == 200
    assert backend_pid() not in (None, pid)


# --- the SET search_path sent with the next statement (config/db_backend.SearchPathCursor) ---------------

def current_schemas(cursor) -> list[str]:
    cursor.execute("SELECT current_schemas(false)")  # a data statement: carries a pending SET
    return cursor.fetchone()[0]


def test_each_centre_selected_in_turn_is_the_one_the_next_statement_runs_in(serve):
    served = centres(3)
    assert serve(served[0]) == 200
    for n, centre in enumerate(served * 2):
        connection.set_tenant(centre)
        with connection.cursor() as cursor:
            if n % 2:  # a statement that cannot carry the SET first: the SET goes alone before it
                cursor.execute("SHOW search_path")
                assert cursor.fetchone()[0] == f"{centre.schema_name}, public"
            assert current_schemas(cursor) == [centre.schema_name, "public"]
        connection.set_tenant(centre)  # the same centre again: nothing to send
        with connection.cursor() as cursor:
            assert current_schemas(cursor) == [centre.schema_name, "public"]


def test_a_statement_that_fails_after_a_centre_switch_does_not_leave_the_previous_centres_schema(serve):
    from django.db import DataError

    first, second = centres(2)
    assert serve(first) == 200
    connection.set_tenant(second)
    with connection.cursor() as cursor:
        with pytest.raises(DataError):
            cursor.execute("SELECT 1 / 0")  # fails after the switch; the centre selected stays in force
        assert current_schemas(cursor) == [second.schema_name, "public"]
    connection.set_tenant(first)
    with transaction.atomic():
        with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        with connection.cursor() as cursor:
            assert current_schemas(cursor) == [first.schema_name, "public"]


def test_a_server_side_cursor_runs_in_the_selected_centre(serve):
    first, second = centres(2)
    assert serve(first) == 200
    for centre in (second, first):
        connection.set_tenant(centre)
        with connection.cursor():
            pass  # a cursor that sends nothing: the SET stays pending
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            cursor.execute("SELECT current_schemas(false)")
            assert cursor.fetchone()[0] == [centre.schema_name, "public"]
