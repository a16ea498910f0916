"""Reading YAML that people write (stack files, Pulumi stack config): libyaml's parser, YAML 1.2 values,
and the line of every key and list item, so that each problem can name its line.

Values resolve under YAML 1.2, as ruamel.yaml's round-trip loader resolves them: `yes`, `no`, `on` and
`off` stay strings (`no` is Norway), `017` is 17, `0o17` is 15, `1_000` is 1000, dates are dates. A key
given twice in one mapping is an error, not a silent overwrite. Reading with libyaml keeps a plan's
start-up short: a 300-line stack file reads in about 1 ms, against 20 with a pure-Python parser.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, SequenceNode

Loc = tuple[str | int, ...]

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
_MERGE = "tag:yaml.org,2002:merge"
# (tag, pattern, first characters): ruamel.yaml's YAML 1.2 implicit resolvers.
_YAML_1_2 = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$",
        "-+0123456789",
    ),
    (_MERGE, r"^(?:<<)$", "<"),
    ("tag:yaml.org,2002:null", r"^(?: ~ |null|Null|NULL | )$", ["~", "n", "N", ""]),
    (
        "tag:yaml.org,2002:timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
)


class YamlError(ValueError):
    """Text that is not a readable YAML document; `line` is 1-based (None when unknown)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class LinedMap(dict):
    """A YAML mapping; `lines[key]` is the 1-based line of the key."""

    lines: dict[Any, int]


class LinedList(list):
    """A YAML sequence; `lines[i]` is the 1-based line of item i."""

    lines: list[int]


class _Loader(_SAFE_LOADER):
    yaml_implicit_resolvers: dict = {}

    def construct_lined_map(self, node: MappingNode) -> Any:
        data = LinedMap()
        data.lines = {}
        yield data
        explicit = {id(key_node) for key_node, _ in node.value if key_node.tag != _MERGE}
        self.flatten_mapping(node)  # merged (<<) keys first, so that the mapping's own keys win
        first_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            if not isinstance(key, Hashable):
                raise ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
            line = key_node.start_mark.line + 1
            if id(key_node) in explicit:
                if key in first_lines:
                    raise ConstructorError(
                        None, None, f"key {key!r} is given twice (first on line {first_lines[key]})",
                        key_node.start_mark,
                    )
                first_lines[key] = line
            data[key] = self.construct_object(value_node)
            data.lines[key] = line

    def construct_lined_list(self, node: SequenceNode) -> Any:
        data = LinedList()
        data.lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_sequence(node))

    def construct_yaml_1_2_int(self, node: Any) -> int:
        text = self.construct_scalar(node).replace("_", "")
        # 0b, 0o and 0x name their base; a leading zero alone does not make octal in YAML 1.2
        return int(text, 0) if text.lstrip("+-")[:2] in ("0b", "0o", "0x") else int(text)


for _tag, _pattern, _first in _YAML_1_2:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), list(_first))
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_lined_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_lined_list)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_1_2_int)


def load(text: str) -> Any:
    """The one document in `text` (None when empty), mappings as `LinedMap` and sequences as `LinedList`;
    raises YamlError naming the line and what is wrong."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader: plain values only
    except ConstructorError as exc:  # well-formed, but not plain data: a key given twice, an unknown tag
        mark = exc.problem_mark
        raise YamlError(mark.line + 1 if mark else None, f"YAML error: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "not valid YAML"
        if exc.context and reason.startswith("but "):  # "expected a single document ... but found another"
            reason = f"{exc.context} {reason}"
        raise YamlError(mark.line + 1 if mark else None, f"YAML syntax error: {reason}{_at(text, mark)}") from None
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow, which libyaml reports without a mark
        raise YamlError(None, f"YAML syntax error: {exc}") from None


def safe_load(text: str) -> Any:
    """`text` read as PyYAML's `safe_load` reads it (YAML 1.1 values, plain dicts and lists), as tools built
    on PyYAML read their files: LiteLLM its proxy config. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


def _at(text: str, mark: Any) -> str:
    """` ('-' at column 3)`: the character the parser stopped at, which libyaml's messages do not name."""
    if mark is None:
        return ""
    lines = text.splitlines()
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return f" ({lines[mark.line][mark.column]!r} at column {mark.column + 1})"


def line_of(document: Any, loc: Loc) -> int | None:
    """1-based line of the deepest node of `loc` present in a document read by `load`."""
    node, line = document, 1
    for part in loc:
        if isinstance(node, LinedMap) and part in node:
            line = node.lines[part]
        elif isinstance(node, LinedList) and isinstance(part, int) and part < len(node):
            line = node.lines[part]
        else:
            break
        node = node[part]
    return line
