"""Reads of the registry: the public progress lookup (no sign-in, no personal data) of a case or of a
joint case with all its legs, a centre's open cases."""
from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from django.db import connection

from common.identity import is_joint_case_number, normalise_case_number
from registry.hashing import lookup_hmac
from registry.hooks import JointFacts, JointNumberAsked, joint_number_asked
from registry.models import RegistryEntry
from tenants.models import Centre

#: Compared against when the number is unknown, so that an unknown number costs what a wrong factor does.
_NO_MATCH = ["0" * 64, "0" * 64]
#: The leg looked for when a joint number is unknown (no case has this id), so that its query runs all the same.
_NO_JOINT = uuid.UUID(int=0)


@dataclass(frozen=True)
class JointProgress:
    """A joint case as the public sees it: its facts (`registry.hooks.JointFacts`) and its legs' registry
    rows in the order of their positions (each with its own number, centre, department, status, dates)."""

    facts: JointFacts
    legs: list[RegistryEntry]

    @property
    def number(self) -> str:
        return self.facts.number


#: What the progress lookup finds: one case's row, or a joint case with its legs.
Found = RegistryEntry | JointProgress


def _matches(candidate: str, stored: list[str]) -> bool:
    """Whether `candidate` is one of `stored`, compared in constant time with two values at least."""
    stored = stored + _NO_MATCH[len(stored):]
    matched = False
    for value in stored:
        matched |= hmac.compare_digest(candidate, value)
    return matched


def joint_progress(*, facts: JointFacts | None) -> JointProgress | None:
    """The joint case of `facts` with its legs' rows in the order of their positions (one indexed query);
    None without facts or without any leg's row."""
    if facts is None:
        return None
    order = {case_id: i for i, case_id in enumerate(facts.leg_case_ids)}
    legs = sorted(RegistryEntry.objects.select_related("centre").filter(joint_case_id=facts.joint_case_id),
                  key=lambda entry: (order.get(entry.case_id, len(order)), entry.number))
    return JointProgress(facts=facts, legs=legs) if legs else None


def joint_progress_of(*, number: str) -> JointProgress | None:
    """The joint case numbered `number` (normalised first) with its legs, unchecked: for its own staff,
    who see it already (`joint_approval.selectors`); the public goes through `progress_lookup`."""
    asked = JointNumberAsked(number=normalise_case_number(number))
    joint_number_asked.send(asked)
    return joint_progress(facts=asked.facts)


class _EntryRead:
    """One registry row by its number with its centre, as `select_related("centre")` reads it (every
    concrete column of both, each value through its field's database converters), the statement built
    once per process: the progress lookup is the platform's busiest read, and building the statement
    through the ORM cost more than PostgreSQL's part of it (issue 17)."""

    def __init__(self) -> None:
        def quote(name: str | None) -> str:
            return connection.ops.quote_name(str(name))

        entry, centre = RegistryEntry._meta, Centre._meta
        self.entry_fields, self.centre_fields = list(entry.concrete_fields), list(centre.concrete_fields)
        columns = [f"e.{quote(f.column)}" for f in self.entry_fields]
        columns += [f"c.{quote(f.column)}" for f in self.centre_fields]
        centre_id, number = entry.get_field("centre").column, entry.get_field("number").column
        self.sql = (f"SELECT {', '.join(columns)} FROM {quote(entry.db_table)} e "  # noqa: S608 - names from _meta
                    f"JOIN {quote(centre.db_table)} c ON c.{quote(centre.pk.column)} = e.{quote(centre_id)} "
                    f"WHERE e.{quote(number)} = %s")
        self.converters = []
        for i, field in enumerate([*self.entry_fields, *self.centre_fields]):
            col = field.get_col(entry.db_table if i < len(self.entry_fields) else centre.db_table)
            funcs = [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]
            if funcs:
                self.converters.append((i, col, funcs))

    def __call__(self, number: str) -> RegistryEntry | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [number])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, col, funcs in self.converters:
            for func in funcs:
                values[i] = func(values[i], col, connection)
        split, db = len(self.entry_fields), connection.alias
        entry = RegistryEntry.from_db(db, [f.attname for f in self.entry_fields], values[:split])
        centre = Centre.from_db(db, [f.attname for f in self.centre_fields], values[split:])
        RegistryEntry.centre.field.set_cached_value(entry, centre)
        return entry


_entry_read: list[_EntryRead] = []


def entry_by_number(number: str) -> RegistryEntry | None:
    """The registry row numbered `number` (normalised already) with its `centre` loaded, or None: one
    indexed query (the unique `number` index)."""
    if not _entry_read:
        _entry_read.append(_EntryRead())
    return _entry_read[0](number)


def guard_key(number: str) -> str:
    """What the per-number guard (`registry.guard`) counts a lookup of `number` on: a joint case's own
    number and its legs' numbers share one count (`joint:<joint case id>`; their applicant and factor are
    one, so guesses spread over the numbers still run out), every other number its own (normalised).
    One indexed query, whether the number exists or not."""
    number = normalise_case_number(number)
    if is_joint_case_number(number):
        asked = JointNumberAsked(number=number)
        joint_number_asked.send(asked)
        joint_id = asked.facts.joint_case_id if asked.facts is not None else None
    else:
        table, quote = RegistryEntry._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:  # the ORM's statement, written out (the lookup's hot path)
            cursor.execute(f"SELECT joint_case_id FROM {quote(table)} WHERE number = %s", [number])  # noqa: S608
            row = cursor.fetchone()
        joint_id = row[0] if row is not None else None
    return f"joint:{joint_id}" if joint_id else number


def progress_lookup(*, number: str, factor: str) -> Found | None:
    """What case `number` is, if `factor` (the last four characters of the applicant's ID number, credit
    code or mobile phone) matches it: the registry entry of a case, or for a joint case's number
    (`J…`, 联办件) the joint case with every leg (`JointProgress`: the factor is checked against its first
    leg's, the applicant being one for all legs). None both for an unknown number and for a wrong factor.
    Both are normalised first (full-width digits from an IME, spaces, a lower-case x).

    The HMAC is computed and compared with every stored value in constant time whether the number
    exists or not, and an unknown number runs the queries a known one does (for a joint number: the
    joint case, then one leg's factors; every leg is read only once the factor matched), so the two
    answers take about the same time.
    """
    number = normalise_case_number(number)
    if is_joint_case_number(number):
        asked = JointNumberAsked(number=number)
        joint_number_asked.send(asked)
        facts = asked.facts
        # the first leg's number and factors only (as one case's row is read); every leg once it matches
        first = RegistryEntry.objects.filter(
            case_id=facts.leg_case_ids[0] if facts is not None and facts.leg_case_ids else _NO_JOINT,
        ).values_list("number", "lookup_hmacs").first()
        candidate = lookup_hmac(first[0] if first is not None else number, factor or "")
        matched = _matches(candidate, list(first[1]) if first is not None else [])
        return joint_progress(facts=facts) if matched and first is not None else None
    candidate = lookup_hmac(number, factor or "")
    entry = entry_by_number(number)
    matched = _matches(candidate, list(entry.lookup_hmacs) if entry is not None else [])
    return entry if matched and entry is not None else None


def open_case_count(*, centre: Centre) -> int:
    """How many of `centre`'s cases are open (not finished), paused ones included."""
    return RegistryEntry.objects.filter(centre=centre, is_open=True).count()
