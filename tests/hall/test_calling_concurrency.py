"""Calling and taking tickets at the same moment, on real concurrent connections: twenty windows pressing
"call next" at once each get a different ticket (none called twice), and ten kiosks taking ten tickets
each at once give the numbers 1 to 100, no gap, no duplicate. The data is committed (the other
connections must see it) and removed after."""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django_tenants.utils import tenant_context

from hall.choices import TicketSource, TicketStatus

#: A Tuesday no other test uses (its tickets and counters are removed afterwards), 10:00 in Xi'an.
DAY = dt.datetime(2030, 6, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
WINDOWS = 20
WAITING = 25
KIOSKS, EACH = 10, 10


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """At Beilin (committed): queue "CC" called from windows C01–C20, and a centre administrator (who may
    call at every window)."""
    from hall.models import HallEvent, Queue, Ticket, TicketDay
    from hall.services import queue_save
    from registry.models import HallVisit
    from tenants.choices import Role
    from tenants.models import Centre, Membership, User
    from tenants.services import membership_grant, user_get_or_create
    from windows.models import Window

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        beilin = Centre.objects.get(division_code="610103")
        admin = user_get_or_create(username="cc-hall-admin", password="pw-12345-xyz")
        membership_grant(user=admin, centre=beilin, role=Role.CENTRE_ADMIN, acting_user=None)
        with tenant_context(beilin):
            windows = [Window.objects.create(number=f"C{n:02d}", name_zh=f"并发{n}号", name_en=f"Concurrency {n}")
                       for n in range(1, WINDOWS + 1)]
            queue = queue_save(letter="CC", name_zh="并发测试", name_en="Concurrency", daily_tickets=500,
                               window_ids=[w.pk for w in windows])
        try:
            yield beilin, queue, windows, admin
        finally:
            connection.set_schema_to_public()
            with tenant_context(beilin):
                tickets = list(Ticket.objects.filter(queue=queue).values_list("pk", flat=True))
                HallEvent.objects.filter(ticket_id__in=tickets).delete()
                Ticket.objects.filter(pk__in=tickets).delete()
                TicketDay.objects.filter(queue=queue).delete()
                Queue.objects.filter(pk=queue.pk).delete()
                Window.objects.filter(pk__in=[w.pk for w in windows]).delete()
            HallVisit.objects.filter(ticket_id__in=tickets).delete()
            Membership.objects.filter(user=admin).delete()
            User.objects.filter(pk=admin.pk)._raw_delete(User.objects.db)


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"


def _call(centre, window, admin, barrier, results, index):
    from hall.services import ticket_call_next

    try:
        with tenant_context(centre):
            barrier.wait(timeout=20)
            results[index] = ticket_call_next(centre=centre, window=window, acting_user=admin, now=DAY).code
    except Exception as error:  # noqa: BLE001 - reported by the assertion
        results[index] = f"error: {error!r}"
    finally:
        connections.close_all()


def test_twenty_windows_calling_at_once_get_twenty_different_tickets(committed):
    from hall.models import Ticket
    from hall.services import ticket_take
    from registry.models import HallVisit

    centre, queue, windows, admin = committed
    with tenant_context(centre):
        for _ in range(WAITING):
            ticket_take(centre=centre, queue=queue, source=TicketSource.KIOSK, now=DAY)
    barrier, results = threading.Barrier(WINDOWS), [None] * WINDOWS
    _run([threading.Thread(target=_call, args=(centre, w, admin, barrier, results, i)) for i, w in enumerate(windows)])

    assert not [r for r in results if r is None or r.startswith("error")], results
    assert len(set(results)) == WINDOWS, Counter(results).most_common(3)
    with tenant_context(centre):
        called = list(Ticket.objects.filter(queue=queue, status=TicketStatus.CALLED).values_list("code", "window_id"))
        assert sorted(code for code, _w in called) == sorted(results)
        assert len({window for _c, window in called}) == WINDOWS  # one ticket at each window
        assert Ticket.objects.filter(queue=queue, status=TicketStatus.WAITING).count() == WAITING - WINDOWS
        # the first twenty by number were called (nobody waiting longer was passed over)
        assert sorted(results) == [f"CC{n:03d}" for n in range(1, WINDOWS + 1)]
    visits = HallVisit.objects.filter(centre=centre, code__in=results, status=TicketStatus.CALLED)
    assert sorted(visits.values_list("window_number", flat=True)) == sorted(w.number for w in windows)


def _take(centre, queue, barrier, results, index):
    from hall.services import ticket_take

    try:
        with tenant_context(centre):
            barrier.wait(timeout=20)
            results[index] = [ticket_take(centre=centre, queue=queue, source=TicketSource.KIOSK, now=DAY).number
                              for _ in range(EACH)]
    except Exception as error:  # noqa: BLE001 - reported by the assertion
        results[index] = [f"error: {error!r}"]
    finally:
        connections.close_all()


def test_ten_kiosks_taking_at_once_give_gapless_numbers(committed):
    from hall.models import Ticket, TicketDay

    centre, queue, _windows, _admin = committed
    barrier, results = threading.Barrier(KIOSKS), [None] * KIOSKS
    _run([threading.Thread(target=_take, args=(centre, queue, barrier, results, i)) for i in range(KIOSKS)])

    numbers = [n for taken in results for n in (taken or ["missing"])]
    assert sorted(numbers) == list(range(1, KIOSKS * EACH + 1)), [n for n in numbers if not isinstance(n, int)]
    with tenant_context(centre):
        stored = sorted(Ticket.objects.filter(queue=queue, day=DAY.date()).values_list("number", flat=True))
        assert stored == list(range(1, KIOSKS * EACH + 1))
        counter = TicketDay.objects.get(queue=queue, day=DAY.date())
        assert (counter.last_number, counter.walk_ins) == (KIOSKS * EACH, KIOSKS * EACH)
