"""The one place that turns a validated stack spec into component instances.

Every component gets the explicit provider of its cloud and region; the cost tags are stamped on every
taggable resource by a stack transformation registered before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from skyweave.catalog import Catalog, load_catalog
from skyweave.providers import Providers
from skyweave.spec import StackSpec
from skyweave.tags import register_cost_tags

if TYPE_CHECKING:
    from components.gpu_fleet import RegionFleet


@dataclass
class Build:
    """What the program needs while it wires components: the spec, its regions and providers."""

    spec: StackSpec
    catalog: Catalog
    allowed: dict[str, tuple[str, ...]]
    providers: Providers
    storage: dict[str, Any] = field(default_factory=dict)
    """Stack buckets by name (`components.compliant_storage.StoredBucket`), once `_storage` has run."""
    clusters: dict[tuple[str, str], Any] = field(default_factory=dict)
    """GPU clusters by (cloud, region) (`components.cluster.Cluster`), once `_gpu_pools` has run."""
    placements: dict[str, Any] = field(default_factory=dict)
    """The selector's pick (`skyweave.selector.Placement`) per GPU-pool workload, once `_gpu_pools` has run."""

    def home_region(self, cloud: str) -> str:
        """Where stack-wide resources of a cloud live: the stack's home region, else its first allowed one."""
        return self.spec.home_regions.get(cloud) or self.allowed[cloud][0]

    def opts(self, cloud: str, region: str) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(providers=[self.providers.get(cloud, region)])


def build(spec: StackSpec, catalog: Catalog | None = None) -> Build:
    """Declare every resource of the stack; call inside a Pulumi program (or the offline plan)."""
    catalog = catalog or load_catalog()
    register_cost_tags(spec)
    ctx = Build(spec, catalog, spec.allowed_regions(catalog), Providers(spec))
    fleet = _lay_out_gpu_fleet(ctx)  # zone lookups before any resource: see lay_out_gpu_fleet
    _budget_alarms(ctx)
    _storage(ctx)
    _serverless_endpoints(ctx)
    _gpu_pools(ctx, fleet)
    _gateway(ctx)
    return ctx


def _lay_out_gpu_fleet(ctx: Build) -> list[RegionFleet]:
    """Where the inference, training and batch workloads run, zones included. A `FleetError` is a
    `ValueError`, which the offline plan reports as bad input."""
    from components.gpu_fleet import lay_out_gpu_fleet

    return lay_out_gpu_fleet(ctx)


def _gpu_pools(ctx: Build, fleet: list[RegionFleet]) -> None:
    """Clusters and GPU node pools for the laid-out fleet, per cloud region."""
    from components.gpu_fleet import declare_gpu_fleet

    ctx.clusters.update(declare_gpu_fleet(ctx, fleet))


def _gateway(ctx: Build) -> None:
    """The LLM gateway in each of its cluster regions, with the self-hosted models behind it."""
    if ctx.spec.gateway is None:  # a component area a stack does not use is not even imported
        return
    from components.gateway_wiring import declare_gateways

    declare_gateways(ctx)


def _storage(ctx: Build) -> None:
    """Region-locked buckets with their keys, access logs, audit logs and replicas."""
    if not ctx.spec.storage:
        return
    from components.compliant_storage import declare_storage

    ctx.storage.update(declare_storage(ctx))


def _serverless_endpoints(ctx: Build) -> None:
    """Scale-to-zero endpoints of `kind: serverless` workloads, next to their model buckets."""
    if all(w.serverless is None for w in ctx.spec.workloads):
        return
    from components.serverless_endpoint import declare_serverless_endpoints

    declare_serverless_endpoints(ctx)


def _budget_alarms(ctx: Build) -> None:
    from components.budget_alarm import BudgetAlarm, BudgetAlarmArgs

    spec, budget = ctx.spec, ctx.spec.budget
    billing_account = budget.gcp_billing_account
    if "gcp" in spec.clouds and not billing_account:
        billing_account = pulumi.Config("skyweave").require("gcpBillingAccount")
    for cloud in spec.clouds:
        args = BudgetAlarmArgs(
            cloud=cloud,
            stack_name=spec.name,
            monthly_limit_usd=budget.monthly_cap_usd,
            thresholds_pct=budget.alert_thresholds_pct,
            notify_emails=budget.notify_emails,
            anomaly_detection=budget.anomaly_detection,
            anomaly_threshold_usd=budget.anomaly_threshold_usd,
            gcp_billing_account=billing_account if cloud == "gcp" else None,
            gcp_project=spec.gcp_project if cloud == "gcp" else None,
        )
        BudgetAlarm(f"{spec.name}-{cloud}-budget", args, ctx.opts(cloud, ctx.home_region(cloud)))
