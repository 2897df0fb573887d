"""Answers of the API built from fields made once per class (DRF deep-copies every declared field of a
serializer each time one is made: on the accept path that copy was 60% of writing the answer).

`FieldsOnce` is for output serializers used without a context: the first one made keeps its bound fields
as the class's, and every later answer is written with them, field by field as DRF's own
`Serializer.to_representation` does (the same `get_attribute`, `None` kept, `to_representation` of each
field in declared order). The fields hold no state of an answer: a `SerializerMethodField` calls the
method of that first instance, which must use nothing but its argument; dates follow the time zone
active at the time of the answer. With a context (`context=`) the serializer does what DRF does.
"""
from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject


class FieldsOnce(serializers.Serializer):
    """An output serializer whose readable fields are built once per class (see the module)."""

    _fields_once: dict[type, list[Field]] = {}  # noqa: RUF012 - shared on purpose: one list per class

    @classmethod
    def _readable_once(cls) -> list[Field]:
        fields = FieldsOnce._fields_once.get(cls)
        if fields is None:
            fields = [field for field in cls().fields.values() if not field.write_only]
            FieldsOnce._fields_once[cls] = fields
        return fields

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if self._context:
            return super().to_representation(instance)
        answer: dict[str, Any] = {}
        for field in self._readable_once():
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            name: str = field.field_name  # type: ignore[assignment]  # a bound field's name
            answer[name] = None if check_for_none is None else field.to_representation(attribute)
        return answer
