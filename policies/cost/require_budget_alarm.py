"""SKW-COST-005: a cloud that runs GPUs has a budget alarm, and the alarm's limit is at most the cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies.cost.pricing import stack_spec
from policies.meta import MONTHLY_CAP, STACK_SPEC, PolicyMeta
from policies.props import dig, items
from policies.rule import StackFinding, cannot_verify, per_resource, required, stack_policy
from skyweave.catalog import Catalog

META = PolicyMeta(
    id="SKW-COST-005",
    name="cost-budget-alarm-for-gpus",
    title="Every cloud that runs GPU capacity has a monthly budget alarm no higher than the stack's cap.",
    severity="high",
    rationale=(
        "Estimates are checked at review time; a budget alarm is what notices real spend (a stuck "
        "autoscaler, a forgotten training job) within the month, and it is only useful below the cap."
    ),
    remediation=(
        "Keep the stack file's `budget:` section (skyweave creates one alarm per cloud) and set "
        "`budget.monthly_cap_usd`; do not raise a budget's limit above the cap by hand."
    ),
    config={**MONTHLY_CAP, **STACK_SPEC},
    required_config=("monthlyCapUsd", "stack"),
)

AWS_BUDGET = "aws:budgets/budget:Budget"
GCP_BUDGET = "gcp:billing/budget:Budget"


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    config = args.get_config()
    cap = float(required(config, "monthlyCapUsd"))
    _, catalog = stack_spec(config)
    accelerated = AcceleratedTypes(catalog)
    gpu_clouds: dict[str, list[str]] = {}
    for resource in args.resources:
        try:
            gpu = accelerated.runs_on(resource.resource_type, resource.props)
        except UnknownValueError as exc:
            yield resource.urn, cannot_verify(META, exc)
            continue
        if gpu:
            gpu_clouds.setdefault(resource.resource_type.split(":", 1)[0], []).append(resource.name)
    budgets = {"aws": [r for r in args.resources if r.resource_type == AWS_BUDGET],
               "gcp": [r for r in args.resources if r.resource_type == GCP_BUDGET]}
    for cloud, names in sorted(gpu_clouds.items()):
        if not budgets.get(cloud):
            shown = ", ".join(sorted(names)[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            yield None, (
                f"{cloud} runs GPU capacity ({shown}) but has no {cloud} budget alarm; keep the stack file's "
                f"`budget:` section so skyweave creates one"
            )
    for cloud in gpu_clouds:
        yield from per_resource(budgets.get(cloud, []), lambda budget: _limit_over_cap(budget, cap), META)


def _limit_over_cap(budget: PolicyResource, cap: float) -> Iterator[str]:
    if budget.resource_type == AWS_BUDGET:
        field, limit = "limitAmount", budget.props.get("limitAmount")
    else:
        field, limit = "amount.specifiedAmount.units", dig(budget.props, "amount", "specifiedAmount", "units")
    if limit is None:
        yield f"{field} is not set; a budget without a fixed limit cannot alert before the cap of {cap:,.2f} USD"
    elif float(limit) > cap:
        yield f"{field} {float(limit):,.2f} USD is above the stack's cap of {cap:,.2f} USD; lower it to the cap"


class AcceleratedTypes:
    """The catalog's accelerator instance types, to tell GPU resources from the rest."""

    def __init__(self, catalog: Catalog):
        self.aws = catalog.instance_types("aws")
        self.gcp_machines = {o.machine_type for o in catalog.offerings if o.cloud == "gcp" and not o.attached_accelerator}

    def runs_on(self, type_token: str, props: Any) -> bool:
        """True for node pools, instances and endpoints that run on accelerator instance types."""
        if type_token == "aws:eks/nodeGroup:NodeGroup":
            ami = props.get("amiType") or ""
            return any(word in ami for word in ("NVIDIA", "NEURON", "GPU")) or any(
                t in self.aws for t in items(props.get("instanceTypes"))
            )
        if type_token in ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"):
            return props.get("instanceType") in self.aws
        if type_token == "aws:sagemaker/endpointConfiguration:EndpointConfiguration":
            variants = items(props.get("productionVariants"))
            return any(str(dig(v, "instanceType") or "").removeprefix("ml.") in self.aws for v in variants)
        if type_token == "gcp:container/nodePool:NodePool":
            machine = dig(props, "nodeConfig", "machineType")
            return bool(items(dig(props, "nodeConfig", "guestAccelerators"))) or machine in self.gcp_machines
        if type_token == "gcp:cloudrunv2/service:Service":
            containers = items(dig(props, "template", "containers"))
            return any(dig(c, "resources", "limits", "nvidia.com/gpu") for c in containers)
        return False


POLICY = stack_policy(META, check)
