"""Read a stack file into a validated `StackSpec`, or report every problem with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from skyweave.errors import Problem, StackFileError, allowed_list, did_you_mean
from skyweave.spec import StackSpec
from skyweave.yamlfile import LinedMap, Loc, YamlError, line_of, load


def load_stack(path: str | Path) -> StackSpec:
    """Parse and validate a stack file: schema first, then catalog facts (regions, instance types)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackFileError([Problem(str(path), None, "", f"cannot read the file: {exc.strerror}")]) from None
    return load_text(text, str(path))


def load_text(text: str, path: str) -> StackSpec:
    """Validate stack-file text as `load_stack` does; `path` names it in the problems (it need not exist)."""
    from skyweave.consistency import check_consistency

    document = _parse_yaml(text, path)
    try:
        spec = StackSpec.model_validate(document)
    except ValidationError as exc:
        raise StackFileError([_problem(path, document, err) for err in exc.errors()]) from None
    problems = [
        Problem(str(path), line_of(document, loc), format_loc(loc), message)
        for loc, message in check_consistency(spec)
    ]
    if problems:
        raise StackFileError(problems)
    return spec


def _parse_yaml(text: str, path: str) -> Any:
    try:
        document = load(text)
    except YamlError as exc:
        raise StackFileError([Problem(str(path), exc.line, "", exc.message)]) from None
    if not isinstance(document, LinedMap):
        raise StackFileError([Problem(str(path), 1, "", "a stack file is a YAML mapping (name:, owner:, ...)")])
    return document


def format_loc(loc: Loc) -> str:
    """`('workloads', 0, 'model')` → `workloads[0].model`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(path: str, document: Any, err: dict[str, Any]) -> Problem:
    # pydantic appends union/branch tags (e.g. 'literal['auto']', 'HardwarePin') to locs; drop them.
    loc = tuple(p for p in err["loc"] if isinstance(p, int) or not _is_branch_tag(p))
    return Problem(str(path), line_of(document, loc), format_loc(loc), _message(loc, err))


def _is_branch_tag(part: str) -> bool:
    return part[:1].isupper() or part.startswith(("literal[", "function-"))


def _message(loc: Loc, err: dict[str, Any]) -> str:
    kind, given = err["type"], err.get("input")
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1])
        return f"unknown field '{loc[-1]}'{did_you_mean(loc[-1], fields)}; allowed: {allowed_list(fields, 30)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        expected = err["ctx"]["expected"]
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
        return f"given {given!r}{did_you_mean(given, options)}; allowed: {expected}"
    if kind == "string_pattern_mismatch":
        return f"given {given!r}; {_pattern_hint(loc)}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    return f"{err['msg']}; given {given!r}"


def _pattern_hint(loc: Loc) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    hints = {
        "policy": "a policy ID looks like SKW-RES-001",
        "notify_emails": "an email address looks like name@example.com",
        "cost_center": "letters, digits, '-' and '_' (up to 63)",
    }
    return hints.get(field, "use lowercase letters, digits and '-', starting with a letter (2-40 characters)")


def _fields_at(loc: Loc) -> list[str]:
    """Field names allowed at a location, for 'did you mean' on unknown keys."""
    model: type[BaseModel] | None = StackSpec
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return sorted(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found:
            return found
    return None
