"""SKW-COST-004: machines use instance types from the stack's allow-list."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, items
from policies.rule import required, resource_policy
from skyweave.errors import allowed_list

META = PolicyMeta(
    id="SKW-COST-004",
    name="cost-allowed-instance-types",
    title="Every node pool, instance and endpoint uses an instance type on the allow-list.",
    severity="high",
    rationale=(
        "The allow-list is what the catalog offers inside the residency plus the small system shapes; an "
        "instance type outside it was not priced, not sized, or is not offered where the stack may run."
    ),
    remediation=(
        "Let the selector pick (`hardware: auto`) or pin a type the catalog offers in an allowed region; "
        "extend the allow-list in the policy config only for a reviewed exception."
    ),
    config={
        "allowedInstanceTypes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Instance and machine types, or globs such as `m7i.*` (SageMaker types carry `ml.`).",
        }
    },
    required_config=("allowedInstanceTypes",),
)


def _instance_types(type_token: str, props: Any) -> Iterator[tuple[str, Any]]:
    if type_token == "aws:eks/nodeGroup:NodeGroup":
        for index, value in enumerate(items(props.get("instanceTypes"))):
            yield f"instanceTypes[{index}]", value
    elif type_token in ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"):
        yield "instanceType", props.get("instanceType")
    elif type_token == "aws:autoscaling/group:Group":
        overrides = items(dig(props, "mixedInstancesPolicy", "launchTemplate", "overrides"))
        for index, override in enumerate(overrides):
            yield f"mixedInstancesPolicy.launchTemplate.overrides[{index}].instanceType", dig(override, "instanceType")
    elif type_token == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
        for index, variant in enumerate(items(props.get("productionVariants"))):
            yield f"productionVariants[{index}].instanceType", dig(variant, "instanceType")
    elif type_token in ("gcp:container/nodePool:NodePool", "gcp:container/cluster:Cluster"):
        yield "nodeConfig.machineType", dig(props, "nodeConfig", "machineType")
    elif type_token == "gcp:compute/instance:Instance":
        yield "machineType", props.get("machineType")


TYPES = (
    "aws:eks/nodeGroup:NodeGroup",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/instance:Instance",
    "aws:autoscaling/group:Group",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
    "gcp:container/nodePool:NodePool",
    "gcp:container/cluster:Cluster",
    "gcp:compute/instance:Instance",
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    allowed = list(required(args.get_config(), "allowedInstanceTypes"))
    for field, value in _instance_types(args.resource_type, args.props):
        if not isinstance(value, str) or not value:
            continue  # no explicit type: the cloud's default applies (a launch template may set it instead)
        if not any(fnmatch.fnmatchcase(value, pattern) for pattern in allowed):
            yield f"{field} {value!r} is not on the allow-list; use one of: {allowed_list(allowed)}"


POLICY = resource_policy(META, check, types=TYPES)
