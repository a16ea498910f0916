"""The policy pack's settings for one stack, and the engine's way of turning them into per-policy config.

`policy_config(spec)` is what `skyweave policy-config` writes for `pulumi preview --policy-pack-config`:
allowed regions from the residency, caps from the budget and workloads, the instance allow-list, the
waivers. `reconcile` then does what the Pulumi engine does before `Configure`: start from each policy's
default level and schema defaults, apply `all`, then per-policy entries, and validate each policy's
properties against its schema. Both runners judge with its result, so they cannot disagree on settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from skyweave.catalog import Catalog
from skyweave.spec import StackSpec

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
# Tags every taggable resource must carry (skyweave.tags stamps them; AWS and GCP spell them alike).
REQUIRED_TAGS = ("team", "environment", "cost-center", "data-classification")
# Cloud Storage multi-regions store data anywhere in their area; dual-regions in two named regions
# (Cloud Storage "Bucket locations"). A code is allowed only when every region it may use is allowed.
GCS_DUAL_REGIONS = {
    "ASIA1": ("asia-northeast1", "asia-northeast2"),
    "EUR4": ("europe-north1", "europe-west4"),
    "NAM4": ("us-central1", "us-east1"),
}
GCS_MULTI_REGION_JURISDICTIONS = {"EU": "eu", "US": "us"}
GCS_MULTI_REGION_PREFIXES = {"ASIA": "asia-"}


class PolicyConfigError(ValueError):
    """A policy config that the engine would refuse; lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class PolicySettings(NamedTuple):
    """One policy's reconciled enforcement level and config properties."""

    level: str
    props: dict[str, Any]


def policy_config(spec: StackSpec, catalog: Catalog | None = None) -> dict[str, Any]:
    """The `--policy-pack-config` JSON for a stack, keyed by policy name."""
    from policies.pack import POLICIES
    from skyweave.pipeline import priced_catalog

    catalog = catalog or priced_catalog(spec)
    allowed = spec.allowed_regions(catalog)
    regions = sorted({r for names in allowed.values() for r in names})
    stack = spec.model_dump(mode="json")
    cap = spec.budget.monthly_cap_usd
    config: dict[str, dict[str, Any]] = {
        "residency-region-inside-residency": {
            "allowedRegions": regions,
            "allowedMultiRegions": multi_regions(set(allowed.get("gcp", ())), catalog),
        },
        "residency-gateway-routes-inside-residency": {
            "allowedRegions": route_regions(spec, catalog),
            "allowedGeographies": [] if spec.residency.regions else sorted(spec.residency.jurisdictions),
        },
        "residency-replication-inside-residency": {"allowedRegions": regions},
        "cost-stack-under-cap": {"monthlyCapUsd": cap, "stack": stack},
        "cost-workload-under-cap": {
            "workloadCaps": {w.name: w.monthly_cap_usd for w in spec.workloads if w.monthly_cap_usd},
            "stack": stack,
        },
        "cost-node-pool-max-size": {"maxNodesPerPool": max_pool_size(spec)},
        "cost-allowed-instance-types": {"allowedInstanceTypes": instance_types(spec, catalog, allowed)},
        "cost-budget-alarm-for-gpus": {"monthlyCapUsd": cap, "stack": stack},
        "security-required-tags": {"requiredTags": list(REQUIRED_TAGS)},
        "governance-valid-waivers": {
            "allWaivers": [w.model_dump(mode="json") for w in spec.waivers],
            "policyIds": [p.meta.id for p in POLICIES],
        },
    }
    for policy in POLICIES:
        waivers = [w.model_dump(mode="json") for w in spec.waivers if w.policy == policy.meta.id]
        entry = config.setdefault(policy.name, {})
        if waivers:
            entry["waivers"] = waivers
    return {name: config[name] for name in [p.name for p in POLICIES] if config.get(name)}


def multi_regions(gcp_allowed: set[str], catalog: Catalog) -> list[str]:
    """GCS multi- and dual-region codes whose every possible region is allowed."""
    members = {code: set(regions) for code, regions in GCS_DUAL_REGIONS.items()}
    for code, jurisdiction in GCS_MULTI_REGION_JURISDICTIONS.items():
        members[code] = {r.name for r in catalog.regions("gcp") if r.jurisdiction == jurisdiction}
    for code, prefix in GCS_MULTI_REGION_PREFIXES.items():
        members[code] = {r.name for r in catalog.regions("gcp") if r.name.startswith(prefix)}
    return sorted(code for code, regions in members.items() if regions and regions <= gcp_allowed)


def route_regions(spec: StackSpec, catalog: Catalog) -> list[str]:
    """Regions of either cloud inside the residency: a route may call Bedrock or Vertex in any of them."""
    both = spec.model_copy(update={"clouds": ["aws", "gcp"]})
    return sorted({r for names in both.allowed_regions(catalog).values() for r in names})


def max_pool_size(spec: StackSpec) -> int:
    """The largest pool the stack asks for: workload capacities, pinned node counts, serverless ceilings,
    and the clusters' small system pools."""
    from components.eks_cluster import SYSTEM_NODES
    from components.gke_cluster import SYSTEM_ZONES

    sizes = [SYSTEM_NODES + 1, SYSTEM_ZONES]
    for workload in spec.workloads:
        sizes.append(workload.capacity.max_nodes)
        if workload.hardware != "auto" and workload.hardware.nodes:
            sizes.append(workload.hardware.nodes)
        if workload.serverless is not None:
            sizes.append(workload.serverless.max_instances)
    return max(sizes)


def instance_types(spec: StackSpec, catalog: Catalog, allowed: Mapping[str, Sequence[str]]) -> list[str]:
    """Accelerator types the catalog offers in the allowed regions (SageMaker spells them `ml.<type>`),
    and the system node types of skyweave's clusters."""
    from components.eks_cluster import SYSTEM_INSTANCE_TYPE
    from components.gke_cluster import SYSTEM_MACHINE_TYPE

    types = {SYSTEM_INSTANCE_TYPE, SYSTEM_MACHINE_TYPE}
    for offering in catalog.offerings:
        if offering.region in allowed.get(offering.cloud, ()):
            types.add(offering.machine_type)
            if offering.cloud == "aws":
                types.add(f"ml.{offering.instance_type}")
    return sorted(types)


def reconcile(policies: Sequence[Any], config: Mapping[str, Any] | None) -> dict[str, PolicySettings]:
    """Per-policy settings as the engine computes them; raises PolicyConfigError like the engine refuses."""
    config = dict(config or {})
    problems: list[str] = []
    everything = config.pop("all", None)
    if everything is not None and everything not in LEVELS:
        problems.append(f"all: {everything!r} is not an enforcement level ({', '.join(LEVELS)})")
    by_name = {p.name: p for p in policies}
    problems += [f"{name}: no such policy in the pack" for name in config if name not in by_name]
    settings = {}
    for policy in policies:
        schema = policy.config_schema
        properties = dict(schema.properties) if schema else {}
        level = policy.enforcement_level.value if policy.enforcement_level else "advisory"
        if everything in LEVELS:
            level = everything
        props = {k: v["default"] for k, v in properties.items() if "default" in v}
        entry = config.get(policy.name)
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            level = entry.get("enforcementLevel", level)
            props.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        elif entry is not None:
            problems.append(f"{policy.name}: give an enforcement level or an object, not {entry!r}")
        if level not in LEVELS:
            problems.append(f"{policy.name}: {level!r} is not an enforcement level ({', '.join(LEVELS)})")
        object_schema = {"type": "object", "properties": properties, "required": list(schema.required or []) if schema else []}
        problems += [f"{policy.name}{where}: {message}" for where, message in schema_problems(props, object_schema)]
        settings[policy.name] = PolicySettings(level, props)
    if problems:
        raise PolicyConfigError(problems)
    return settings


def schema_problems(value: Any, schema: Mapping[str, Any], where: str = "") -> list[tuple[str, str]]:
    """What the engine's JSON-schema validation would report, for the subset of JSON schema policies use."""
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, Mapping),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer(),
    }
    if kind in checks and not checks[kind](value):
        return [(where, f"expected {kind}, got {type(value).__name__} {value!r}")]
    problems: list[tuple[str, str]] = []
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        problems.append((where, f"{value} is below the minimum {schema['minimum']}"))
    if kind == "object":
        problems += [(f"{where}.{name}", "required property is missing") for name in schema.get("required", [])
                     if name not in value]
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                problems += schema_problems(item, sub, f"{where}.{key}")
    elif kind == "array" and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{where}[{index}]")
    return problems
