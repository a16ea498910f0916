"""Reading resource properties as CrossGuard hands them over: wire-form (camelCase) maps and lists.

Under the engine, properties are read-only proxies (`Mapping` / `Sequence`, not `dict` / `list`) that raise
`UnknownValueError` when a value is unknown at preview; offline they are plain dicts. These helpers accept
both, so a rule reads the same way in either runner.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

_AWS_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(-[a-z]+)+-\d):")
_AWS_ZONE = re.compile(r"^([a-z]{2}(-[a-z]+)+-\d)[a-z]$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def is_map(value: Any) -> bool:
    return isinstance(value, dict) or isinstance(value, Mapping)  # dict first: the ABC check is slower


def is_list(value: Any) -> bool:
    return isinstance(value, list) or (isinstance(value, Sequence) and not isinstance(value, (str, bytes)))


def dig(value: Any, *path: str | int) -> Any:
    """The value at `path` (keys and list indexes), or None where any step is missing."""
    for step in path:
        if isinstance(step, int):
            if not is_list(value) or step >= len(value):
                return None
        elif not is_map(value) or step not in value:
            return None
        value = value[step]
    return value


def items(value: Any) -> list[Any]:
    """A list-valued property as a list (empty when absent); a single object counts as a one-item list."""
    if value is None:
        return []
    if is_list(value):
        return [value[i] for i in range(len(value))]
    return [value]


def known_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every known string leaf under `value` with its dotted path (`rules[0].destination.bucket`).

    Values unknown at preview are skipped: they are outputs of other resources of the same stack, and
    those resources are judged themselves.
    """
    if isinstance(value, str):
        yield path, value
        return
    if is_map(value):
        keyed = [(key, f"{path}.{key}" if path else str(key)) for key in value]
    elif is_list(value):
        keyed = [(index, f"{path}[{index}]") for index in range(len(value))]
    else:
        return
    for key, where in keyed:
        try:
            child = value[key]
        except UnknownValueError:
            continue
        yield from known_strings(child, where)


def truthy(value: Any) -> bool:
    """Booleans as Pulumi may send them: true, or the strings "true"/"True"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def json_document(value: Any) -> Any:
    """A JSON policy document given as a string (the usual form) or already as a map."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def arn_region(text: str) -> str | None:
    """Region of a regional AWS ARN (`arn:aws:kms:eu-west-1:...`); None for global ARNs (S3, IAM)."""
    match = _AWS_ARN.match(text)
    return match.group(1) if match else None


def zone_region(location: str) -> str:
    """`eu-west-1a` → `eu-west-1`, `europe-west4-b` → `europe-west4`; other strings unchanged."""
    for pattern in (_AWS_ZONE, _GCP_ZONE):
        match = pattern.match(location)
        if match:
            return match.group(1)
    return location


def provider_region(args: Any) -> str | None:
    """Region configured on the resource's explicit provider, if any."""
    provider = getattr(args, "provider", None)
    if provider is None:
        return None
    region = dig(provider.props, "region")
    return region if isinstance(region, str) and region else None


def cloud_of(type_token: str) -> str:
    return type_token.split(":", 1)[0]
