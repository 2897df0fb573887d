"""Typed hooks: a lower app announces what happened, higher apps listen, and the lower one imports
none of them (the apps stay layered; see the import contract in pyproject.toml).

A listener runs synchronously, in the order registered (each app registers in its `AppConfig.ready`),
inside the caller's transaction: what it writes commits or rolls back with the change it follows,
and an error it raises rolls the change back.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

Event = TypeVar("Event")


class Hook(Generic[Event]):
    """A named point where listeners of one event type are called: `hook.connect(listener)` once at
    start-up (a listener connected twice is called once), `hook.send(event)` where it happens."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[Event], object]] = []

    def connect(self, listener: Callable[[Event], object]) -> Callable[[Event], object]:
        """Register `listener` (usable as a decorator); returns it."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def disconnect(self, listener: Callable[[Event], object]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def send(self, event: Event) -> None:
        """Call every listener with `event`, in the order they were connected."""
        for listener in list(self._listeners):
            listener(event)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._listeners)} listeners>"
