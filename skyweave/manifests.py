"""Kubernetes manifests of a plan, as YAML, for scanners such as checkov and for review.

Every Kubernetes resource of the plan becomes one YAML document: its API version and kind from the
resource type, then the inputs the Kubernetes provider would apply. Pulumi secrets are already masked in
the plan, so no secret value is ever written. Documents are grouped in one file per top-level component
(`<dir>/<stack>/<component>.yaml`) so a scan can be pointed at one component.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter

from skyweave.cost.core import top_component
from skyweave.pipeline import StackPlan
from skyweave.plan import PlannedResource

PREFIX = "kubernetes:"


def manifest(resource: PlannedResource) -> dict[str, Any]:
    """`kubernetes:apps/v1:Deployment` inputs → `{apiVersion: apps/v1, kind: Deployment, ...}`."""
    group_version, kind = resource.type.removeprefix(PREFIX).rsplit(":", 1)
    api_version = group_version.removeprefix("core/")
    body = {k: _integers(v) for k, v in resource.inputs.items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": api_version, "kind": kind, **body}


def _integers(value: Any) -> Any:
    """Whole numbers as integers: the engine's wire form carries every number as a float, the API wants ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integers(v) for v in value]
    return value


def manifests_by_component(plan: StackPlan) -> dict[str, list[dict[str, Any]]]:
    """Top-level component name → its Kubernetes manifests, in registration order."""
    by_urn = {r.urn: r for r in plan.resources}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for resource in plan.resources:
        if resource.custom and resource.type.startswith(PREFIX):
            grouped.setdefault(top_component(resource, by_urn), []).append(manifest(resource))
    return grouped


def write_manifests(plan: StackPlan, directory: Path) -> list[Path]:
    """Write `<directory>/<stack>/<component>.yaml` files; returns the files written."""
    target = directory / plan.spec.name
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for component, documents in manifests_by_component(plan).items():
        path = target / f"{component}.yaml"
        with path.open("w", encoding="utf-8") as handle:
            _yaml().dump_all(documents, handle)
        written.append(path)
    return written


def _yaml() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    # Multi-line strings (the LiteLLM config in its ConfigMap) read best as literal blocks.
    yaml.representer.add_representer(str, _str)
    return yaml


def _str(representer: RoundTripRepresenter, value: str):
    style = "|" if "\n" in value else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)
