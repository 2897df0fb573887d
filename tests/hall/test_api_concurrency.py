"""Six windows' callers press "call next" at the same moment, each an HTTP request on its own connection:
six different tickets are called, one to each window, and nobody is called twice (the service's
`FOR UPDATE SKIP LOCKED`, seen through the API). The data is committed (other connections must see it)
and removed after."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.hall.conftest import SHANGHAI

#: A working day no other test uses, inside opening hours.
NOW = dt.datetime(2031, 5, 6, 10, 0, tzinfo=SHANGHAI)
WINDOWS = 6


@pytest.fixture
def committed_hall(django_db_setup, django_db_blocker):
    from rest_framework.authtoken.models import Token

    from hall.models import Queue, Ticket, TicketDay
    from hall.services import queue_save, ticket_take
    from registry.models import HallVisit
    from tenants.choices import Role
    from tenants.models import Centre, Membership, User
    from tenants.services import membership_grant, user_get_or_create
    from windows.models import Window

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        beilin = Centre.objects.get(division_code="610103")
        admin = user_get_or_create(username="hall-race-admin", password="pw-12345-xyz")
        membership_grant(user=admin, centre=beilin, role=Role.CENTRE_ADMIN, acting_user=None)
        token = Token.objects.get_or_create(user=admin)[0].key
        with tenant_context(beilin):
            windows = [Window.objects.create(number=f"R{n}", name_zh=f"R{n}号窗口", name_en=f"Window R{n}")
                       for n in range(WINDOWS)]
            queue = queue_save(letter="R", name_zh="并发", name_en="Race", window_ids=[w.pk for w in windows])
            for _ in range(WINDOWS + 2):
                ticket_take(centre=beilin, queue=queue, source="kiosk", now=NOW)
        try:
            yield beilin, token, [w.number for w in windows]
        finally:
            connection.set_schema_to_public()
            with tenant_context(beilin):
                ids = list(Ticket.objects.filter(queue__letter="R").values_list("pk", flat=True))
                Ticket.objects.filter(pk__in=ids).delete()
                TicketDay.objects.filter(queue__letter="R").delete()
                Queue.objects.filter(letter="R").delete()
                Window.objects.filter(number__startswith="R").delete()
            HallVisit.objects.filter(ticket_id__in=ids).delete()
            Token.objects.filter(user=admin).delete()
            Membership.objects.filter(user=admin).delete()
            User.objects.filter(pk=admin.pk)._raw_delete(User.objects.db)


def _call_next(host, token, number, barrier, results, index):
    from django.test import Client

    try:
        client = Client(HTTP_HOST=host)
        barrier.wait(timeout=20)
        response = client.post(f"/api/v1/hall/windows/{number}/call-next/", content_type="application/json",
                               headers={"Authorization": f"Token {token}"})
        results[index] = (response.status_code, response.json())
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def test_six_windows_calling_at_once_get_six_different_tickets(committed_hall, monkeypatch):
    from tests.conftest import host_of

    beilin, token, numbers = committed_hall
    monkeypatch.setattr("hall.api._now", lambda: NOW)
    barrier = threading.Barrier(WINDOWS)
    results: list = [None] * WINDOWS
    threads = [threading.Thread(target=_call_next, args=(host_of(beilin), token, number, barrier, results, i))
               for i, number in enumerate(numbers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, tuple) and r[0] == 200 for r in results), results
    called = {body["code"]: body["window"] for _, body in results}
    assert len(called) == WINDOWS and set(called.values()) == set(numbers)
    assert set(called) == {f"R{n:03d}" for n in range(1, WINDOWS + 1)}  # the first six, in order
