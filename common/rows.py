"""Model rows read by a statement written once per process (for the hot paths of the API: the token's
user, a case to change), instead of a queryset compiled again on every request.

`ModelRow(Case, "c")` knows the model's columns (`select` is `"c"."id", "c"."number", …`) and the
converters Django applies to each (a field's `from_db_value`: encrypted personal data, JSON), exactly as
the queryset's compiler would; `instance(values)` turns the values of those columns into a model
instance as `Model.from_db` does for a queryset (`_state.adding` False, `_state.db` set), so a `save()`
afterwards updates the row. Measured on the accept path: a `Case.objects.filter(pk=…).first()` costs
about 1.8 ms of CPU, the same read through a `ModelRow` 0.6 ms (docs/benchmarks.md, "A lighter write
path").
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


class ModelRow(Generic[M]):
    """How to read whole rows of `model` (every concrete field) aliased as `alias` in a hand-written
    statement."""

    def __init__(self, model: type[M], alias: str, using: str = DEFAULT_DB_ALIAS) -> None:
        self.model, self.alias, self.using = model, alias, using
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.select = ", ".join(f'"{alias}"."{f.column}"' for f in self.fields)
        self._converters: list[tuple[int, list[Callable], Any]] | None = None

    def converters(self) -> list[tuple[int, list[Callable], Any]]:
        """(position, converters, expression) of each column that has any, as the compiler finds them
        (the backend's, then the field's), computed on first use."""
        if self._converters is None:
            connection = connections[self.using]
            found = []
            for position, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                chain = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if chain:
                    found.append((position, chain, col))
            self._converters = found
        return self._converters

    def instance(self, values: Sequence[Any]) -> M:
        """The model instance of one row: `values` in the order of `select` (further columns ignored)."""
        values = list(values[:len(self.fields)])
        connection = connections[self.using]
        for position, chain, col in self.converters():
            value = values[position]
            for converter in chain:
                value = converter(value, col, connection)
            values[position] = value
        return self.model.from_db(self.using, self.attnames, values)
