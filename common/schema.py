"""OpenAPI generation: components named after their view when the serializer is nested in it.

Views follow the style of nested `InputSerializer` / `OutputSerializer` classes; without this every
one of them would be the component "Input" and the schema would mix them up.
"""
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualname.split(".")[-2:]
        return outer.removesuffix("Api") + inner
