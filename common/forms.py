"""Forms and the services' errors: one way to put a service's field errors back on a form."""
from __future__ import annotations

from django import forms

from common.errors import ApplicationError


def add_service_errors(form: forms.Form, exc: ApplicationError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's field errors on the fields they name (else on the form as a whole)."""
    aliases = aliases or {}
    fields = exc.extra.get("fields") or {}
    placed = False
    for name, problems in fields.items():
        target = aliases.get(name, name)
        if target in form.fields:
            for problem in problems:
                # a service may list offending values (e.g. material ids) rather than messages
                form.add_error(target, str(problem) if not isinstance(problem, int) else str(exc))
            placed = True
    if not placed:
        form.add_error(None, str(exc))


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field by name, typed (to set its choices when the form is made)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field
