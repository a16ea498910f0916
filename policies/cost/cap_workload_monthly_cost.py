"""SKW-COST-002: each workload with a `monthly_cap_usd` stays under it.

A resource counts for a workload when its name, or the name of a component above it, contains the
workload name as a dash-separated part (`chat`, `prod-chat-eu-west-1`, `chat-pool`), after dropping the
stack-name prefix; when several workload names match, the longest wins, so `chat-large` resources never
count for `chat`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from pulumi_policy import StackValidationArgs

from policies.cost.pricing import price
from policies.meta import STACK_SPEC, PolicyMeta
from policies.rule import StackFinding, required, stack_policy
from skyweave.plan import PlannedResource

META = PolicyMeta(
    id="SKW-COST-002",
    name="cost-workload-under-cap",
    title="Each workload's estimated monthly cost is at most its own cap.",
    severity="medium",
    rationale=(
        "A stack cap hides which workload grew; per-workload caps keep each team's share visible and "
        "stop one workload from eating the others' budget."
    ),
    remediation=(
        "Lower the workload's capacity (`capacity.max_nodes`, `redundancy_regions`), let it use spot, or raise "
        "its `monthly_cap_usd` in the stack file."
    ),
    config={
        "workloadCaps": {
            "type": "object",
            "additionalProperties": {"type": "number"},
            "description": "Workload name → monthly cap in USD.",
        },
        **STACK_SPEC,
    },
    required_config=("workloadCaps", "stack"),
)


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    caps: Mapping[str, float] = required(args.get_config(), "workloadCaps")
    if not caps:
        return
    spec, resources, _ = price(args)
    spent = workload_costs(resources, list(caps), spec.name)
    for workload in sorted(caps):
        cap, usd = float(caps[workload]), spent.get(workload, 0.0)
        if usd > cap:
            yield None, (
                f"workload {workload!r} is estimated at {usd:,.2f} USD/month, {usd - cap:,.2f} over its cap of "
                f"{cap:,.2f}; reduce its capacity or raise workloads[{workload}].monthly_cap_usd"
            )


def workload_costs(resources: list[PlannedResource], workloads: Iterable[str], stack: str) -> dict[str, float]:
    """Monthly USD per workload, by the name rule in the module docstring."""
    patterns = sorted(((w, re.compile(rf"(^|-){re.escape(w)}(-|$)")) for w in workloads), key=lambda p: -len(p[0]))
    by_urn = {r.urn: r for r in resources}
    totals: dict[str, float] = {}
    for r in resources:
        if not r.monthly_usd:
            continue
        owner = _owner(r, by_urn, patterns, f"{stack}-")
        if owner:
            totals[owner] = totals.get(owner, 0.0) + r.monthly_usd
    return totals


def _owner(resource: PlannedResource, by_urn: dict[str, PlannedResource], patterns: list, prefix: str) -> str | None:
    current: PlannedResource | None = resource
    while current is not None:
        name = current.name.removeprefix(prefix)
        for workload, pattern in patterns:
            if pattern.search(name):
                return workload
        current = by_urn.get(current.parent)
    return None


POLICY = stack_policy(META, check)
