"""Deliberately broken variants of the platform, patched into a process the fault tests start
(GOVSERVICE_FAULT_VARIANT, comma-separated names; tests/faults/launch.py applies them after Django is set up).
Each fault test must fail on its broken variant: `GOVSERVICE_FAULTS_BROKEN=1` runs each test once more with
it and expects the failure (docs/operations.md, "Faults and several processes").

One name is not a breakage but widens a window the test must hit, in the right code and the broken alike:
`slow_projection` (the after-commit projection waits before it runs, so that a database restart falls between
a case's commit and its projection).
"""
from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable

#: How long the widened windows last (seconds).
WINDOW = 0.4

_VARIANTS: dict[str, Callable[[], None]] = {}


def variant(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(patch: Callable[[], None]) -> Callable[[], None]:
        _VARIANTS[name] = patch
        return patch
    return register


def apply(names: str) -> None:
    for name in filter(None, (part.strip() for part in names.split(","))):
        _VARIANTS[name]()


# --- windows a test must hit --------------------------------------------------------------------------------

@variant("slow_projection")
def slow_projection() -> None:
    """The after-commit projection of a centre's outbox starts WINDOW seconds after the commit."""
    from cases import outbox

    original = outbox._project_quietly

    @functools.wraps(original)
    def slow(centre):
        time.sleep(WINDOW)
        return original(centre)

    outbox._project_quietly = slow


# --- broken variants ------------------------------------------------------------------------------------------

@variant("outbox_no_requeue")
def outbox_no_requeue() -> None:
    """BROKEN: a message left `sending` by a worker that died is never sent again (no stale requeue)."""
    from notifications import dispatch

    dispatch.outbox_requeue_stale = lambda **kwargs: 0


@variant("registry_after_commit")
def registry_after_commit() -> None:
    """BROKEN: with CASE_PUBLIC_WRITES = after_commit, the registry row and the SMS are written by an on-commit
    callback (after WINDOW seconds, as slow_projection) with no outbox row in the case's transaction: a process
    or database that fails between the commit and the callback loses them."""
    from django.db import transaction

    from cases import door, outbox, services

    original = outbox.outbox_publish

    def publish(*, centre, topic, payload, case_id=None):
        if not outbox.after_commit():
            original(centre=centre, topic=topic, payload=payload, case_id=case_id)
            return

        def later():
            time.sleep(WINDOW)
            try:
                with transaction.atomic():
                    outbox._handlers[topic](centre, outbox.json.loads(outbox.json.dumps(
                        payload, cls=outbox.DjangoJSONEncoder)), None)
            except Exception:
                outbox.logger.exception("registry write after commit failed (broken variant)")

        transaction.on_commit(later)

    for module in (outbox, door, services):
        module.outbox_publish = publish


@variant("submit_without_transaction")
def submit_without_transaction() -> None:
    """BROKEN: a case's submission is not one transaction (each statement commits on its own)."""
    from types import SimpleNamespace

    from cases import services

    real = services.transaction
    services.transaction = SimpleNamespace(atomic=lambda *a, **k: contextlib.nullcontext(),
                                           on_commit=real.on_commit)


@variant("routing_never_rechecked")
def routing_never_rechecked() -> None:
    """BROKEN: each process keeps the centres it routed once and never looks at the routing version again;
    beat keeps the centres it found ready at its first tick."""
    from tenants import beat, routing

    original = routing.RoutingCache._revalidate

    def once(self, now):
        if self._state.version is None:
            original(self, now)

    routing.RoutingCache._revalidate = once
    first = beat.ReadyCentresScheduler.get_queryset.__func__

    @classmethod
    def remembered(cls):
        if not hasattr(cls, "_remembered"):
            cls._remembered = list(first(cls).values_list("pk", flat=True))
        return beat.Centre.objects.filter(pk__in=cls._remembered)

    beat.ReadyCentresScheduler.get_queryset = remembered


@variant("beat_without_lock")
def beat_without_lock() -> None:
    """BROKEN: every beat sends, however many run."""
    from tenants import beat

    beat.BeatLock.hold = lambda self: True
