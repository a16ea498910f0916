"""Generated reference docs: the stack-file JSON Schema and reference, the component and policy references.

Every page comes from the one place its facts live: field docstrings of the stack-file schema
(`skyweave/spec.py`), the pydantic args model of each component (`components/*.py`), and the policies'
metadata. `skyweave docs` writes them; a test regenerates them in memory and fails when a committed page
is stale.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from skyweave.field_docs import DocumentedSchema, attribute_docstrings
from skyweave.spec import StackSpec
from skyweave.templates import PROJECT_ROOT

DOCS_DIR = PROJECT_ROOT / "docs"
REGENERATE = "skyweave docs"
SCHEMA_FILE = "stack-file.schema.json"
_TYPE_TOKEN = re.compile(r'"(skyweave:[a-z]+:[A-Za-z]+)"')


def _generated_header(source: str) -> str:
    return f"<!-- Generated from {source}; do not edit. Regenerate with: {REGENERATE} -->"


def stack_schema() -> dict[str, Any]:
    """The JSON Schema of stack files, for editors (`# yaml-language-server: $schema=...`)."""
    schema = StackSpec.model_json_schema(schema_generator=DocumentedSchema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Generated from skyweave/spec.py; do not edit. Regenerate with: {REGENERATE}",
        **schema,
        "title": "skyweave stack file",
    }


def schema_json() -> str:
    return json.dumps(stack_schema(), indent=2, ensure_ascii=False) + "\n"


def stack_file_markdown() -> str:
    """The stack-file reference: one table per section, from the schema's field docstrings."""
    schema = stack_schema()
    lines = [
        _generated_header("the field docstrings in skyweave/spec.py"),
        "",
        "# Stack file reference",
        "",
        "A stack file (`stacks/<name>.yaml`) declares one environment: what its workloads need, where data may",
        "live, its storage, gateway and budget. Unknown fields and keys given twice are errors. Values are read",
        "as YAML 1.2: `yes`, `no`, `on` and `off` are words, not booleans. Editors that speak the YAML language",
        f"server validate and complete stack files against [`{SCHEMA_FILE}`]({SCHEMA_FILE}) when the file starts",
        "with `# yaml-language-server: $schema=../docs/stack-file.schema.json`.",
        "",
        "To start a new environment from a template: `skyweave templates`, then",
        "`skyweave new TEMPLATE --name NAME --set key=value`.",
        "",
    ]
    lines += _model_sections(schema, "Top level")
    return "\n".join(lines)


def _model_sections(schema: dict[str, Any], top_title: str, level: str = "##") -> list[str]:
    """A heading and field table for the schema's root model, then for each model it refers to."""
    defs = schema.get("$defs", {})
    lines: list[str] = []
    for name, model in _models_in_order(schema, defs):
        title = top_title if model is schema else name
        lines += [f"{level} {title}", ""]
        if model is not schema and model.get("description"):
            lines += [_one_line(model["description"]), ""]
        lines += _field_table(model)
    return lines


def _models_in_order(schema: dict[str, Any], defs: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The root model, then every referenced model, breadth first in field order."""
    queue, seen = [("", schema)], set()
    while queue:
        name, model = queue.pop(0)
        yield name, model
        for ref in _refs(model.get("properties", {})):
            if ref not in seen:
                seen.add(ref)
                queue.append((ref, defs[ref]))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _field_table(model: dict[str, Any]) -> list[str]:
    required = set(model.get("required", []))
    rows = ["| field | type | default | description |", "|---|---|---|---|"]
    for field, prop in model.get("properties", {}).items():
        default = "required" if field in required else _default(prop)
        rows.append(f"| `{field}` | {_type(prop)} | {default} | {_cell(prop.get('description', ''))} |")
    return [*rows, ""]


def _type(prop: dict[str, Any]) -> str:
    """A reader's name for a JSON Schema type: links to models, allowed values, bounds."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        return " or ".join(_type(o) for o in options)
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}{_item_bounds(prop)}"
    if kind == "object":
        keys = prop.get("propertyNames", {})
        values = prop.get("additionalProperties", {})
        return f"map of {_type(keys) if keys else 'string'} to {_type(values) if isinstance(values, dict) else 'any'}"
    if kind == "string":
        if "pattern" in prop:
            return f"string matching `{_cell(prop['pattern'])}`"
        return "date (YYYY-MM-DD)" if prop.get("format") == "date" else "string"
    return f"{kind or 'any'}{_number_bounds(prop)}"


def _number_bounds(prop: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"), ("maximum", "≤")):
        if key in prop:
            parts.append(f"{sign} {prop[key]:g}")
    return f" ({', '.join(parts)})" if parts else ""


def _item_bounds(prop: dict[str, Any]) -> str:
    parts = [f"at least {prop['minItems']}" if "minItems" in prop else "",
             f"at most {prop['maxItems']}" if "maxItems" in prop else ""]
    shown = ", ".join(p for p in parts if p)
    return f" ({shown})" if shown else ""


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop:
        return ""
    value = prop["default"]
    if value is None:
        return "none"
    text = json.dumps(value, ensure_ascii=False)
    # A nested model's default is the defaults of its own fields, listed in its own table.
    if isinstance(value, dict) and value and len(text) > 48:
        return "its fields' defaults"
    return f"`{_cell(text)}`"


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Components ------------------------------------------------------------------------------------------


def component_classes() -> list[type]:
    """Every skyweave Pulumi component with a pydantic args model, in module then definition order."""
    import pulumi

    import components

    found = []
    for module_info in sorted(pkgutil.iter_modules(components.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"components.{module_info.name}")
        classes = [
            obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, pulumi.ComponentResource) and obj.__module__ == module.__name__
        ]
        found += sorted((c for c in classes if _args_model(c)), key=lambda c: inspect.getsourcelines(c)[1])
    return found


def _args_model(component: type) -> type | None:
    from pydantic import BaseModel

    args = typing.get_type_hints(component.__init__).get("args")
    return args if inspect.isclass(args) and issubclass(args, BaseModel) else None


def type_token(component: type) -> str:
    match = _TYPE_TOKEN.search(inspect.getsource(component))
    return match.group(1) if match else ""


def components_markdown() -> str:
    """The component reference: each component's type token, purpose, inputs and outputs."""
    classes = component_classes()
    lines = [
        _generated_header("the args models and docstrings in components/*.py"),
        "",
        "# Component reference",
        "",
        "The Pulumi components skyweave wires from a stack file. Each takes a typed args model (the inputs",
        "below, validated before any resource is declared) and the explicit provider of its cloud region.",
        "",
        *[f"- [`{c.__name__}`](#{c.__name__.lower()}) `{type_token(c)}`: {_one_line(c.__doc__ or '')}"
          for c in classes],
        "",
    ]
    modules_seen: set[str] = set()
    for component in classes:
        lines += _component_section(component, component.__module__ not in modules_seen)
        modules_seen.add(component.__module__)
    return "\n".join(lines)


def _component_section(component: type, first_of_module: bool) -> list[str]:
    args = _args_model(component)
    module = inspect.getmodule(component)
    source = module.__name__.replace(".", "/") + ".py"
    lines = [f"## {component.__name__}", "", f"`{type_token(component)}` in `{source}`", ""]
    # The module docstring tells the whole story once; further components of the module get their own line.
    about = module.__doc__ if first_of_module and module.__doc__ else component.__doc__
    if about:
        lines += [textwrap.dedent(about).strip(), ""]
    schema = args.model_json_schema(schema_generator=DocumentedSchema)
    lines += _model_sections(schema, f"Inputs (`{args.__name__}`)", "###")
    outputs = _outputs(component)
    if outputs:
        lines += ["### Outputs", "", "| output | description |", "|---|---|"]
        lines += [f"| `{name}` | {_cell(doc)} |" for name, doc in outputs]
        lines.append("")
    return lines


def _outputs(component: type) -> list[tuple[str, str]]:
    """Annotated class attributes with a docstring under them: the component's documented outputs."""
    return list(attribute_docstrings(component).items())


# All pages -------------------------------------------------------------------------------------------


def generated_docs() -> dict[str, str]:
    """File name under docs/ → its generated content."""
    from policies.docs import render_policy_docs

    return {
        SCHEMA_FILE: schema_json(),
        "stack-file.md": stack_file_markdown(),
        "components.md": components_markdown(),
        "policies.md": render_policy_docs(),
    }


def stale_docs(directory: Path = DOCS_DIR) -> list[str]:
    """Names of pages whose committed content differs from what the sources generate now."""
    stale = []
    for name, content in generated_docs().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            stale.append(name)
    return stale


def write_docs(directory: Path = DOCS_DIR) -> list[str]:
    """Write every page; returns the names of those that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale_docs(directory)
    for name, content in generated_docs().items():
        if name in changed:
            (directory / name).write_text(content, encoding="utf-8")
    return changed
