"""Forms and the services' errors: one way to put a service's field errors back on a form."""
from __future__ import annotations

from django import forms

from common.errors import ApplicationError


def add_service_errors(form: forms.Form, exc: ApplicationError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's field errors on the fields they name; a problem of a field the form does not
    have goes above the form, and with no field errors at all the service's whole message does."""
    aliases = aliases or {}
    fields = exc.extra.get("fields") or {}
    for name, problems in fields.items():
        target = aliases.get(name, name)
        for problem in problems:
            # a service may list offending values (e.g. material ids) rather than messages
            form.add_error(target if target in form.fields else None,
                           str(problem) if not isinstance(problem, int) else str(exc))
    if not fields:
        form.add_error(None, str(exc))


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field by name, typed (to set its choices when the form is made)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field
