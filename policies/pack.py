"""The pack's policies, in the order they run; importing this module has no side effects."""

from __future__ import annotations

from policies.cost import (
    cap_node_pool_size,
    cap_stack_monthly_cost,
    cap_workload_monthly_cost,
    require_allowed_instance_types,
    require_budget_alarm,
)
from policies.governance import deny_invalid_waivers
from policies.meta import PolicyMeta
from policies.residency import (
    deny_default_provider,
    deny_gateway_route_outside_residency,
    deny_region_outside_residency,
    deny_replication_outside_residency,
)
from policies.rule import SkyweavePolicy
from policies.security import (
    deny_inline_secrets,
    deny_public_buckets,
    require_cost_tags,
    require_customer_managed_keys,
    require_imdsv2,
    require_private_cluster_endpoint,
    require_protection,
    require_tls_only,
)

PACK_NAME = "skyweave"
PACK_DESCRIPTION = "skyweave: data residency, cost caps and a security baseline for AI infrastructure."

POLICIES: list[SkyweavePolicy] = [
    deny_region_outside_residency.POLICY,
    deny_default_provider.POLICY,
    deny_gateway_route_outside_residency.POLICY,
    deny_replication_outside_residency.POLICY,
    cap_stack_monthly_cost.POLICY,
    cap_workload_monthly_cost.POLICY,
    cap_node_pool_size.POLICY,
    require_allowed_instance_types.POLICY,
    require_budget_alarm.POLICY,
    require_customer_managed_keys.POLICY,
    deny_public_buckets.POLICY,
    require_tls_only.POLICY,
    require_cost_tags.POLICY,
    require_imdsv2.POLICY,
    require_private_cluster_endpoint.POLICY,
    deny_inline_secrets.POLICY,
    require_protection.POLICY,
    deny_invalid_waivers.POLICY,
]

METAS: dict[str, PolicyMeta] = {p.meta.name: p.meta for p in POLICIES}
"""Policy name → metadata."""
BY_ID: dict[str, PolicyMeta] = {p.meta.id: p.meta for p in POLICIES}
"""Policy ID → metadata."""
