"""Cost policies: priced with skyweave's cost model from the resources the engine hands the pack."""

from __future__ import annotations

from policy_helpers import UNKNOWN_NUMBER, messages, resource_args, run, stack, stack_resource
from pulumi_policy import PolicyResource

from policies.cost import (
    cap_node_pool_size,
    cap_stack_monthly_cost,
    cap_workload_monthly_cost,
    require_allowed_instance_types,
    require_budget_alarm,
)
from skyweave.catalog import load_catalog

SPEC = {
    "name": "test",
    "environment": "test",
    "owner": {"team": "ml-platform", "cost_center": "CC-1042"},
    "clouds": ["aws", "gcp"],
    "gcp_project": "ml-test-123456",
    "residency": {"jurisdictions": ["eu"]},
    "budget": {"monthly_cap_usd": 5000},
}
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
G5_HOURLY = load_catalog().offering("aws", "eu-west-1", "g5.xlarge").ondemand_usd_hr


def node_group(name: str, nodes: int | str, *, max_size: int | str = 4, preview: bool = False) -> PolicyResource:
    props = {
        "amiType": "AL2023_x86_64_NVIDIA",
        "capacityType": "ON_DEMAND",
        "instanceTypes": ["g5.xlarge"],
        "scalingConfig": {"minSize": 0, "desiredSize": nodes, "maxSize": max_size},
    }
    return stack_resource(NODE_GROUP, props, name=name, preview=preview)


def provider_resource() -> PolicyResource:
    return stack_resource("pulumi:providers:aws", {"region": "eu-west-1"}, name="aws-eu-west-1", region=None)


def cost_config(cap: float) -> dict:
    return {"monthlyCapUsd": cap, "stack": SPEC}


def test_stack_under_its_cap_passes() -> None:
    resources = [provider_resource(), node_group("test-chat-eu-west-1", 2)]
    assert run(cap_stack_monthly_cost.POLICY, stack(resources, cost_config(5000))).violations == []


def test_stack_over_its_cap_fails_with_the_estimate() -> None:
    resources = [provider_resource(), node_group("test-chat-eu-west-1", 2)]
    usd = round(G5_HOURLY * 2 * 730, 4)
    assert run(cap_stack_monthly_cost.POLICY, stack(resources, cost_config(1000))).violations == [(None, (
        f"estimated {usd:,.2f} USD/month is {usd - 1000:,.2f} over the cap of 1,000.00 USD/month "
        f"(largest: test-chat-eu-west-1 {usd:,.2f}); reduce capacity or raise budget.monthly_cap_usd"
    ))]


def test_unknown_node_count_at_preview_cannot_be_verified() -> None:
    resources = [provider_resource(), node_group("pool", UNKNOWN_NUMBER, preview=True)]
    assert run(cap_stack_monthly_cost.POLICY, stack(resources, cost_config(5000))).messages == [
        "cannot verify: number value at .pool.scalingConfig.desiredSize can't be known during preview; make the "
        "value known at preview (a literal in the stack file or component, not another resource's output) or "
        "waive SKW-COST-001 for this resource with a reason"
    ]


def test_a_type_without_a_price_is_reported_not_counted_as_free() -> None:
    resources = [provider_resource(), stack_resource("aws:rds/cluster:Cluster", {"engine": "aurora"}, name="db")]
    assert run(cap_stack_monthly_cost.POLICY, stack(resources, cost_config(5000))).messages == [
        "cannot verify the cap: skyweave has no price for aws:rds/cluster:Cluster; register a pricing function "
        "for each type in skyweave/cost/"
    ]


def test_a_resource_the_cost_model_cannot_price_is_reported() -> None:
    pool = stack_resource(NODE_GROUP, {"instanceTypes": ["x9.huge"], "scalingConfig": {"desiredSize": 1}}, name="pool")
    assert run(cap_stack_monthly_cost.POLICY, stack([provider_resource(), pool], cost_config(5000))).messages == [
        "cannot verify: the cost model cannot price the stack: aws x9.huge in eu-west-1 is not in the catalog; "
        "cannot price its nodes"
    ]


def test_missing_stack_spec_is_a_finding() -> None:
    assert run(cap_stack_monthly_cost.POLICY, stack([], {"monthlyCapUsd": 10})).messages == [
        "not configured: the policy config has no `stack`; write it with `skyweave policy-config STACK_FILE`"
    ]


def test_workload_over_its_own_cap_fails() -> None:
    resources = [provider_resource(), node_group("test-chat-eu-west-1", 2), node_group("test-chat-large-eu-west-1", 1)]
    config = {"workloadCaps": {"chat": 1000, "chat-large": 2000}, "stack": SPEC}
    usd = round(G5_HOURLY * 2 * 730, 4)
    assert run(cap_workload_monthly_cost.POLICY, stack(resources, config)).messages == [
        f"workload 'chat' is estimated at {usd:,.2f} USD/month, {usd - 1000:,.2f} over its cap of 1,000.00; "
        f"reduce its capacity or raise workloads[chat].monthly_cap_usd"
    ]


def test_workload_costs_follow_the_component_tree() -> None:
    pool = node_group("nodes", 1)
    component = stack_resource("skyweave:compute:GpuNodePool", {}, name="test-chat-eu-west-1")
    pool.parent = component
    config = {"workloadCaps": {"chat": 100}, "stack": SPEC}
    [message] = run(cap_workload_monthly_cost.POLICY, stack([provider_resource(), component, pool], config)).messages
    assert message.startswith("workload 'chat' is estimated at ")


POOL_SIZE = cap_node_pool_size.POLICY


def test_pools_within_the_limit_pass() -> None:
    config = {"maxNodesPerPool": 6}
    eks = {"scalingConfig": {"minSize": 0, "desiredSize": 1, "maxSize": 6}}
    gke = {"autoscaling": {"totalMaxNodeCount": 6}, "nodeLocations": ["europe-west4-a", "europe-west4-b"]}
    assert messages(POOL_SIZE, resource_args(NODE_GROUP, eks, config)) == []
    assert messages(POOL_SIZE, resource_args("gcp:container/nodePool:NodePool", gke, config, region="europe-west4")) == []


def test_pool_above_the_limit_fails() -> None:
    eks = {"scalingConfig": {"minSize": 0, "desiredSize": 1, "maxSize": 10}}
    assert messages(POOL_SIZE, resource_args(NODE_GROUP, eks, {"maxNodesPerPool": 6})) == [
        "scalingConfig.maxSize is 10, above the limit of 6 nodes per pool; lower it to at most 6"
    ]


def test_gke_per_zone_maximum_counts_once_per_zone() -> None:
    gke = {"autoscaling": {"maxNodeCount": 3}, "nodeLocations": ["europe-west4-a", "europe-west4-b", "europe-west4-c"]}
    args = resource_args("gcp:container/nodePool:NodePool", gke, {"maxNodesPerPool": 6}, region="europe-west4")
    assert messages(POOL_SIZE, args) == [
        "autoscaling.maxNodeCount 3 per zone × 3 zone(s) is 9, above the limit of 6 nodes per pool; lower it to at most 6"
    ]


def test_fixed_size_gke_pool_counts_its_nodes_in_every_zone() -> None:
    gke = {"nodeCount": 1, "nodeLocations": ["europe-west4-a", "europe-west4-b", "europe-west4-c"]}
    args = resource_args("gcp:container/nodePool:NodePool", gke, {"maxNodesPerPool": 2}, region="europe-west4")
    assert messages(POOL_SIZE, args) == [
        "nodeCount 1 per zone × 3 zone(s) is 3, above the limit of 2 nodes per pool; lower it to at most 2"
    ]


def test_pool_without_a_maximum_fails() -> None:
    args = resource_args("aws:autoscaling/group:Group", {"minSize": 0}, {"maxNodesPerPool": 6})
    assert messages(POOL_SIZE, args) == [
        "maxSize is not set, so the pool can grow without bound; set it to at most 6"
    ]


def test_sagemaker_endpoint_scaling_is_bounded_too() -> None:
    target = {"serviceNamespace": "sagemaker", "maxCapacity": 12, "minCapacity": 0}
    args = resource_args("aws:appautoscaling/target:Target", target, {"maxNodesPerPool": 6})
    assert messages(POOL_SIZE, args) == [
        "maxCapacity is 12, above the limit of 6 nodes per pool; lower it to at most 6"
    ]


def test_unknown_pool_maximum_cannot_be_verified() -> None:
    eks = {"scalingConfig": {"minSize": 0, "desiredSize": 1, "maxSize": UNKNOWN_NUMBER}}
    [message] = messages(POOL_SIZE, resource_args(NODE_GROUP, eks, {"maxNodesPerPool": 6}, preview=True))
    assert message.startswith("cannot verify: number value at .scalingConfig.maxSize can't be known during preview")


TYPES = require_allowed_instance_types.POLICY
ALLOWED_TYPES = {"allowedInstanceTypes": ["g5.*", "m7g.large", "g2-standard-8"]}


def test_instance_types_on_the_allow_list_pass() -> None:
    assert messages(TYPES, resource_args(NODE_GROUP, {"instanceTypes": ["g5.xlarge", "g5.2xlarge"]}, ALLOWED_TYPES)) == []
    pool = {"nodeConfig": {"machineType": "g2-standard-8"}}
    assert messages(TYPES, resource_args("gcp:container/nodePool:NodePool", pool, ALLOWED_TYPES)) == []


def test_instance_type_off_the_allow_list_fails() -> None:
    args = resource_args(NODE_GROUP, {"instanceTypes": ["g5.xlarge", "p5.48xlarge"]}, ALLOWED_TYPES)
    assert messages(TYPES, args) == [
        "instanceTypes[1] 'p5.48xlarge' is not on the allow-list; use one of: g2-standard-8, g5.*, m7g.large"
    ]


def test_sagemaker_variant_type_off_the_allow_list_fails() -> None:
    config = {"productionVariants": [{"variantName": "main", "instanceType": "ml.p4d.24xlarge"}]}
    args = resource_args("aws:sagemaker/endpointConfiguration:EndpointConfiguration", config, ALLOWED_TYPES)
    assert messages(TYPES, args) == [
        "productionVariants[0].instanceType 'ml.p4d.24xlarge' is not on the allow-list; "
        "use one of: g2-standard-8, g5.*, m7g.large"
    ]


BUDGET = require_budget_alarm.POLICY
AWS_BUDGET = "aws:budgets/budget:Budget"


def budget(limit: str) -> PolicyResource:
    props = {"budgetType": "COST", "timeUnit": "MONTHLY", "limitAmount": limit, "limitUnit": "USD"}
    return stack_resource(AWS_BUDGET, props, name="test-aws-budget-actual")


def test_gpu_pool_with_a_budget_under_the_cap_passes() -> None:
    resources = [node_group("pool", 1), budget("5000.00")]
    assert run(BUDGET, stack(resources, cost_config(5000))).violations == []


def test_gpu_pool_without_a_budget_fails() -> None:
    assert run(BUDGET, stack([node_group("pool", 1)], cost_config(5000))).violations == [(None, (
        "aws runs GPU capacity (pool) but has no aws budget alarm; keep the stack file's `budget:` section so "
        "skyweave creates one"
    ))]


def test_budget_above_the_cap_fails() -> None:
    reports = run(BUDGET, stack([node_group("pool", 1), budget("6000.00")], cost_config(5000)))
    assert reports.violations == [(
        "urn:pulumi:test::skyweave::aws:budgets/budget:Budget::test-aws-budget-actual",
        "limitAmount 6,000.00 USD is above the stack's cap of 5,000.00 USD; lower it to the cap",
    )]


def test_gpus_on_gcp_need_a_gcp_budget() -> None:
    pool = stack_resource("gcp:container/nodePool:NodePool", {
        "nodeConfig": {"machineType": "n1-standard-8", "guestAccelerators": [{"type": "nvidia-tesla-t4", "count": 1}]},
    }, name="t4-pool", region="europe-west4")
    assert run(BUDGET, stack([pool, budget("100.00")], cost_config(5000))).messages == [
        "gcp runs GPU capacity (t4-pool) but has no gcp budget alarm; keep the stack file's `budget:` section so "
        "skyweave creates one"
    ]


def test_cpu_only_stacks_need_no_budget_alarm() -> None:
    system = stack_resource(NODE_GROUP, {"amiType": "AL2023_ARM_64_STANDARD", "instanceTypes": ["m7g.large"]}, name="system")
    assert run(BUDGET, stack([system], cost_config(5000))).violations == []
