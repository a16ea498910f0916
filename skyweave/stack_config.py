"""Pulumi stack config for the offline plan: `Pulumi.<stack>.yaml` beside `Pulumi.yaml`.

Plain values are used as they are. Encrypted (`secure:`) values cannot be read without the stack's
secrets provider, and the plan never shows a secret anyway: they stand in as a marked Pulumi secret.
"""

from __future__ import annotations

import json
from pathlib import Path

from skyweave.errors import Problem, StackFileError
from skyweave.yamlfile import LinedMap, YamlError, line_of, load

ENCRYPTED = "[encrypted in {file}]"


def project_root(stack_file: Path) -> Path:
    """The nearest directory at or above the stack file that holds `Pulumi.yaml`, else the file's own."""
    for directory in [stack_file.resolve().parent, *stack_file.resolve().parents]:
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return stack_file.resolve().parent


def read_stack_config(stack_file: Path, stack: str) -> tuple[dict[str, str], list[str]]:
    """(config values by full key, keys that are secret) from `Pulumi.<stack>.yaml`, if there is one."""
    path = project_root(stack_file) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return {}, []
    try:
        document = load(path.read_text(encoding="utf-8")) or LinedMap()
    except YamlError as exc:
        raise StackFileError([Problem(str(path), exc.line, "", exc.message)]) from None
    config = document.get("config") if isinstance(document, LinedMap) else document
    if not isinstance(config, LinedMap | None):
        message = "settings are a mapping under `config:` (key: value)"
        raise StackFileError([Problem(str(path), line_of(document, ("config",)), "config", message)])
    values: dict[str, str] = {}
    secret: list[str] = []
    for key, value in (config or {}).items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = ENCRYPTED.format(file=path.name)
            secret.append(key)
        else:
            values[key] = value if isinstance(value, str) else json.dumps(value)
    return values, secret
