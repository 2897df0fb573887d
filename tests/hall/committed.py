"""A hall whose rows are committed (other connections must see them: the stream's listener, a live server)
and removed afterwards: windows with numbers no other test uses, one queue, an administrator who may call."""
from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import tenant_context


@dataclass
class CommittedHall:
    centre: object
    queue: object
    windows: list
    admin: object


@contextlib.contextmanager
def committed_hall(centre, *, letter: str, window_numbers: tuple[str, ...]) -> Iterator[CommittedHall]:
    """Run with the database unblocked and no transaction open (everything here commits)."""
    from hall.models import HallEvent, Queue, Ticket, TicketDay
    from hall.services import queue_save
    from registry.models import HallVisit
    from tenants.choices import Role
    from tenants.models import Membership, User
    from tenants.services import membership_grant, user_get_or_create
    from windows.models import Window

    connection.set_schema_to_public()
    admin = user_get_or_create(username=f"hall-{secrets.token_hex(4)}", password=None)
    membership_grant(user=admin, centre=centre, role=Role.CENTRE_ADMIN, acting_user=None)
    with tenant_context(centre):
        windows = [Window.objects.create(number=n, name_zh=f"{n}号窗口", name_en=f"Window {n}") for n in window_numbers]
        queue = queue_save(letter=letter, name_zh="测试队列", name_en="Test queue", window_ids=[w.pk for w in windows])
    try:
        yield CommittedHall(centre=centre, queue=queue, windows=windows, admin=admin)
    finally:
        with tenant_context(centre):
            tickets = list(Ticket.objects.filter(queue=queue).values_list("pk", flat=True))
            HallEvent.objects.filter(ticket_id__in=tickets).delete()
            Ticket.objects.filter(pk__in=tickets).delete()
            TicketDay.objects.filter(queue=queue).delete()
            Queue.objects.filter(pk=queue.pk).delete()
            Window.objects.filter(pk__in=[w.pk for w in windows]).delete()
        connection.set_schema_to_public()
        HallVisit.objects.filter(ticket_id__in=tickets).delete()
        Membership.objects.filter(user=admin).delete()
        User.objects.filter(pk=admin.pk)._raw_delete(User.objects.db)
