"""Attribute docstrings: the string written right under an annotated class attribute documents it.

skyweave's models document every field that way, and components document their outputs that way. Pydantic
could read the docstrings as each model class is created (`use_attribute_docstrings`), but that walks the
import stack and re-parses the model's source, some 70 ms on every command. Only the JSON Schema and the
reference docs show them, so they are read here, when a schema is generated.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema


@cache
def attribute_docstrings(cls: type) -> dict[str, str]:
    """Each annotated attribute of `cls` itself (not inherited) → its docstring, in source order."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    return {
        node.target.id: inspect.cleandoc(after.value.value)
        for node, after in zip(body, body[1:])
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
    }


def field_docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Each field of a pydantic model → its docstring, from the nearest model class that declares it."""
    docs: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if issubclass(klass, BaseModel) and klass is not BaseModel:
            docs.update(attribute_docstrings(klass))
    return docs


class DocumentedSchema(GenerateJsonSchema):
    """JSON Schema generation that describes each model field by its attribute docstring, unless the field
    has a description of its own (as pydantic's `use_attribute_docstrings` would)."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        docs = field_docstrings(schema["cls"])
        for name, prop in json_schema.get("properties", {}).items():
            if name in docs:
                prop.setdefault("description", docs[name])
        return json_schema

