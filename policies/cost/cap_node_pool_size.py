"""SKW-COST-003: node pools and scaling groups have a bounded maximum size.

GKE's `autoscaling.maxNodeCount` and a fixed `nodeCount` are per zone, so they count once per entry of
`nodeLocations` (once when the pool names no zones); `totalMaxNodeCount` is already a total.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, items
from policies.rule import required, resource_policy

META = PolicyMeta(
    id="SKW-COST-003",
    name="cost-node-pool-max-size",
    title="Every GPU node pool, scaling group and endpoint scales to a bounded maximum.",
    severity="high",
    rationale=(
        "An autoscaler follows demand, including runaway demand; the maximum size is what bounds the bill "
        "of a GPU pool, so it must not exceed what the stack planned for."
    ),
    remediation=(
        "Lower the pool's maximum to the limit, or raise `capacity.max_nodes` of the workload in the stack "
        "file (the limit is the largest `max_nodes` of the stack's workloads)."
    ),
    config={"maxNodesPerPool": {"type": "integer", "minimum": 0, "description": "Largest allowed pool size."}},
    required_config=("maxNodesPerPool",),
)

POOL_TYPES = (
    "aws:eks/nodeGroup:NodeGroup",
    "aws:autoscaling/group:Group",
    "aws:appautoscaling/target:Target",
    "gcp:container/nodePool:NodePool",
    "gcp:cloudrunv2/service:Service",
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    limit = int(required(args.get_config(), "maxNodesPerPool"))
    for field, size in _max_sizes(args.resource_type, args.props):
        if size is None:
            yield f"{field} is not set, so the pool can grow without bound; set it to at most {limit}"
        elif float(size) > limit:
            yield f"{field} is {_count(size)}, above the limit of {limit} nodes per pool; lower it to at most {limit}"


def _max_sizes(type_token: str, props: Any) -> Iterator[tuple[str, Any]]:
    if type_token == "aws:eks/nodeGroup:NodeGroup":
        yield "scalingConfig.maxSize", dig(props, "scalingConfig", "maxSize")
    elif type_token == "aws:autoscaling/group:Group":
        yield "maxSize", props.get("maxSize")
    elif type_token == "aws:appautoscaling/target:Target" and props.get("serviceNamespace") == "sagemaker":
        yield "maxCapacity", props.get("maxCapacity")
    elif type_token == "gcp:cloudrunv2/service:Service":
        yield "template.scaling.maxInstanceCount", dig(props, "template", "scaling", "maxInstanceCount")
    elif type_token == "gcp:container/nodePool:NodePool":
        yield from _gke_pool(props)


def _gke_pool(props: Any) -> Iterator[tuple[str, Any]]:
    autoscaling = props.get("autoscaling")
    total = dig(autoscaling, "totalMaxNodeCount")
    if total is not None:
        yield "autoscaling.totalMaxNodeCount", total
        return
    field, per_zone = ("autoscaling.maxNodeCount", dig(autoscaling, "maxNodeCount")) if autoscaling is not None else (
        "nodeCount", props.get("nodeCount") or props.get("initialNodeCount") or 0)
    zones = max(1, len(items(props.get("nodeLocations"))))
    if per_zone is None:
        yield field, None
    else:
        yield f"{field} {_count(per_zone)} per zone × {zones} zone(s)", float(per_zone) * zones


def _count(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


POLICY = resource_policy(META, check, types=POOL_TYPES)
