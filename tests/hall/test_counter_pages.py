"""The window's caller page (叫号) as a clerk uses it: call next, a step another window got to first, a
transfer, a case opened from the ticket, and what a clerk who may not call there is told."""
from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from hall.choices import TicketSource, TicketStatus
from tests.hall.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The pages read the time with `timezone.now()`: held at NOW (a working day, 10:00), movable."""
    from django.utils import timezone

    at = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: at["now"])
    return at


def take(hall, letter="A", **kwargs):
    from hall.services import ticket_take

    with tenant_context(hall["centre"]):
        return ticket_take(centre=hall["centre"], queue=hall[letter], source=TicketSource.KIOSK, now=NOW, **kwargs)


def ticket(hall, pk):
    from hall.models import Ticket

    with tenant_context(hall["centre"]):
        return Ticket.objects.select_related("window", "queue").get(pk=pk)


def step(client, number, name, ticket_id=None, **more):
    data = {"step": name, **({"ticket": str(ticket_id)} if ticket_id else {}), **more}
    return client.post(f"/hall/counter/{number}/", data)


def test_the_clerk_picks_a_window_and_calls_the_next_ticket(hall, clerk, clock, centre_client, make_user):
    from tenants.choices import Role

    first, second = take(hall), take(hall)
    client = centre_client(hall["centre"], clerk)
    listing = client.get("/hall/counter/")
    assert listing.status_code == 200
    assert all(f"/hall/counter/{n}/" in listing.content.decode() for n in ("1", "2", "3"))

    page = client.get("/hall/counter/1/")
    assert page.status_code == 200 and "No ticket at this window" in page.content.decode()
    assert '<li data-queue="A"><b>A</b> 2</li>' in page.content.decode()

    answer = step(client, "1", "next")
    assert answer.status_code == 302 and answer["Location"] == "/hall/counter/1/"
    page = client.get("/hall/counter/1/")
    text = page.content.decode()
    assert "Called A001." in text and 'id="current-ticket">A001<' in text
    assert '<li data-queue="A"><b>A</b> 1</li>' in text
    assert "Today in the hall: 1 waiting, 0 served, 0 did not come." in text
    assert ticket(hall, first.pk).status == TicketStatus.CALLED

    # the window still has A001: calling again is refused, nothing else is called
    refused = step(client, "1", "next")
    assert refused.status_code == 409 and "still has A001" in refused.content.decode()
    assert ticket(hall, second.pk).status == TicketStatus.WAITING

    for name in ("recall", "start", "finish"):
        assert step(client, "1", name, first.pk).status_code == 302
    done = ticket(hall, first.pk)
    assert done.status == TicketStatus.DONE and done.recalls == 1 and done.clerk_id == clerk.pk
    assert "1 called, 1 served, 0 did not come" in client.get("/hall/counter/1/").content.decode()

    # another staff member of the centre who may not operate window 3 is told so, and nothing is called
    stranger = centre_client(hall["centre"], make_user((hall["centre"], Role.WINDOW_CLERK)))
    assert "/hall/counter/3/" not in stranger.get("/hall/counter/").content.decode()
    refused = step(stranger, "3", "next")
    assert refused.status_code == 403 and "You may not call at window 3." in refused.content.decode()
    # not staff of the centre at all: as if the page were not there
    outsider = centre_client(hall["centre"], make_user())
    assert outsider.get("/hall/counter/1/").status_code == 404


def test_nobody_waiting_and_a_ticket_another_window_called_first(hall, clerk, clock, centre_client):
    client = centre_client(hall["centre"], clerk)
    empty = step(client, "1", "next")
    assert empty.status_code == 400 and "Nobody is waiting for window 1." in empty.content.decode()

    mine = take(hall)
    assert step(client, "2", "next").status_code == 302  # window 2 called A001 first
    # window 1's page (stale) tries to start serving it: refused with the reason, nothing written
    stale = step(client, "1", "start", mine.pk)
    assert stale.status_code == 409
    assert "A001 is at window 2, not 1." in stale.content.decode()
    again = ticket(hall, mine.pk)
    assert again.status == TicketStatus.CALLED and again.window.number == "2" and again.started_at is None

    # window 3 does not serve queue A: "not come" there is refused too
    assert step(client, "3", "no_show", mine.pk).status_code == 409
    assert ticket(hall, mine.pk).status == TicketStatus.CALLED


def test_transfer_to_another_queue_and_to_one_window(hall, clerk, clock, centre_client):
    client = centre_client(hall["centre"], clerk)
    mine = take(hall)
    step(client, "1", "next")
    step(client, "1", "start", mine.pk)
    answer = step(client, "1", "transfer", mine.pk, to=f"q:{hall['B'].pk}")
    assert answer.status_code == 302
    moved = ticket(hall, mine.pk)
    assert (moved.status, moved.queue.letter, moved.window) == (TicketStatus.WAITING, "B", None)
    assert "A001 was sent to queue B." in client.get("/hall/counter/1/").content.decode()

    # window 3 serves B: it calls the ticket, and sends it on to window 2 alone
    step(client, "3", "next")
    assert ticket(hall, mine.pk).window.number == "3"
    assert step(client, "3", "transfer", mine.pk, to=f"w:{hall['windows'][1].pk}").status_code == 302
    assert ticket(hall, mine.pk).for_window.number == "2"
    page = client.get("/hall/counter/2/").content.decode()
    assert '<li data-queue="→"><b>→</b> 1</li>' in page
    step(client, "2", "next")
    assert ticket(hall, mine.pk).window.number == "2"

    # no target chosen: a clear message, nothing changed
    refused = step(client, "2", "transfer", mine.pk, to="")
    assert refused.status_code == 400 and "Choose a queue or a window" in refused.content.decode()
    assert ticket(hall, mine.pk).status == TicketStatus.CALLED


def test_a_case_opened_from_the_ticket_is_pre_filled_and_linked(hall, clerk, clock, centre_client, item):
    from hall.choices import BookingChannel
    from hall.services import appointment_book, appointment_check_in
    from registry.models import HallVisit, RegistryEntry

    with tenant_context(hall["centre"]):
        appointment = appointment_book(centre=hall["centre"], queue=hall["A"], day=NOW.date(),
                                       starts_at=dt.time(10, 30), name="王秀兰", mobile="13800138000",
                                       id_number="610103195503150029",
                                       channel=BookingChannel.ONLINE, now=NOW, item_code=item.code)
        mine = appointment_check_in(centre=hall["centre"], code=appointment.code, now=NOW)
    client = centre_client(hall["centre"], clerk)
    step(client, "1", "next")
    page = client.get("/hall/counter/1/").content.decode()
    assert "/hall/counter/1/case/" in page

    form = client.get("/hall/counter/1/case/")
    text = form.content.decode()
    assert form.status_code == 200
    assert 'value="王秀兰"' in text and 'value="610103195503150029"' in text and "13800138000" in text
    assert f'<option value="{item.code}" selected>' in text and ("申请书" in text or "Application" in text)

    # a wrong ID number: the form again with the message, nothing filed
    bad = client.post("/hall/counter/1/case/", {"ticket": str(mine.pk), "item_code": item.code,
                                                "applicant_kind": "person", "applicant_name": "王秀兰",
                                                "applicant_id_number": "610103195503150020", "phone": "13800138000"})
    assert bad.status_code == 400 and not RegistryEntry.objects.filter(centre=hall["centre"]).exists()

    filed = client.post("/hall/counter/1/case/", {"ticket": str(mine.pk), "item_code": item.code,
                                                  "applicant_kind": "person", "applicant_name": "王秀兰",
                                                  "applicant_id_number": "610103195503150029", "phone": "13800138000"})
    assert filed.status_code == 302
    served = ticket(hall, mine.pk)
    assert filed["Location"] == f"/cases/{served.case_id}/"
    assert served.status == TicketStatus.SERVING and served.case_number
    entry = RegistryEntry.objects.get(case_id=served.case_id)
    assert entry.item_code == item.code and entry.number == served.case_number
    assert HallVisit.objects.get(ticket_id=mine.pk).case_id == served.case_id
    page = client.get("/hall/counter/1/").content.decode()
    assert f'href="/cases/{served.case_id}/"' in page and "/hall/counter/1/case/" not in page

    # sent again (a double click): refused, still one case
    twice = client.post("/hall/counter/1/case/", {"ticket": str(mine.pk), "item_code": item.code,
                                                  "applicant_kind": "person", "applicant_name": "王秀兰",
                                                  "applicant_id_number": "610103195503150029", "phone": "13800138000"})
    assert twice.status_code == 409 and "already has case" in twice.content.decode()
    assert RegistryEntry.objects.filter(centre=hall["centre"]).count() == 1
