"""GPU workloads → clusters and node pools: one cluster per cloud region, one pool per workload and region.

The selector says where each workload runs (cloud, regions, instance type, nodes, capacity type); this
module turns that into `Cluster`, `GpuNodePool` and `GpuAddons` components. Zones come from the catalog
where it lists them, else from the cloud (an invoke the offline plan answers).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

import pulumi
from pydantic import ValidationError

from components.cluster import Cluster, ClusterArgs
from components.gpu_addons import GpuAddons, GpuAddonsArgs
from components.gpu_hardware import EFA_INTERFACES, is_neuron
from components.gpu_node_pool import GpuNodePool, GpuNodePoolArgs
from skyweave.spec import ClusterSpec, StackSpec, Workload
from skyweave.tags import cost_tags, gcp_labels

if TYPE_CHECKING:
    from skyweave.program import Build
    from skyweave.selector import Placement

POOL_KINDS = ("inference", "training", "batch")
MAX_SPOT_TYPES = 5
SPOT_PRICE_SPREAD = 1.5


class FleetError(ValueError):
    """A pool or cluster cannot be built as the stack asks; the message says what to change."""


class RegionFleet(NamedTuple):
    """One cloud region's cluster and pools, laid out (zones looked up) but not yet declared."""

    settings: ClusterSpec
    cluster: ClusterArgs
    pools: list[GpuNodePoolArgs]


def lay_out_gpu_fleet(ctx: Build) -> list[RegionFleet]:
    """Place the stack's inference, training and batch workloads and look up their zones.

    Call this before any resource is declared: a zone lookup is a synchronous invoke, which pumps Pulumi's
    event loop past every registration pending at that moment, so lookups made first stay cheap. Each
    (cloud, region, instance type) is looked up once."""
    from skyweave.selector import SelectionError, select_stack

    spec = ctx.spec
    workloads = [w for w in spec.workloads if w.kind in POOL_KINDS]
    if not workloads:
        return []
    try:
        selections = select_stack(spec.model_copy(update={"workloads": workloads}), ctx.catalog)
    except SelectionError as exc:
        raise FleetError(str(exc)) from None
    ctx.placements.update({s.workload: s.pick for s in selections})
    by_region: dict[tuple[str, str], list[tuple[Workload, Placement]]] = defaultdict(list)
    for workload, selection in zip(workloads, selections):
        for region in selection.pick.regions:
            by_region[(selection.pick.cloud, region)].append((workload, selection.pick))
    offered: dict[tuple[str, str, str], list[str] | None] = {}
    return [_lay_out_region(ctx, *place, members, offered) for place, members in by_region.items()]


def declare_gpu_fleet(ctx: Build, fleets: list[RegionFleet]) -> dict[tuple[str, str], Cluster]:
    """Clusters, GPU pools and add-ons of a laid-out fleet; returns the clusters by (cloud, region), for
    what else runs on them."""
    return {(fleet.cluster.cloud, fleet.cluster.region): _declare_region(ctx, fleet) for fleet in fleets}


def _lay_out_region(
    ctx: Build, cloud: str, region: str, members: list[tuple[Workload, Placement]],
    offered: dict[tuple[str, str, str], list[str] | None],
) -> RegionFleet:
    spec = ctx.spec
    settings = _cluster_settings(spec, cloud, region)
    invoke = pulumi.InvokeOptions(provider=ctx.providers.get(cloud, region))
    tags = cost_tags(spec) if cloud == "aws" else gcp_labels(cost_tags(spec))
    pools = []
    for workload, pick in members:
        key = (cloud, region, pick.instance_type)
        if key not in offered:
            offered[key] = _offered_zones(ctx, cloud, region, pick.instance_type, invoke)
        pools.append(_pool_args(ctx, workload, pick, region, offered[key], settings, tags))
    cluster = _valid(
        ClusterArgs,
        cloud=cloud,
        region=region,
        cluster_name=f"{spec.name}-{region}"[:40].rstrip("-"),
        existing=settings.existing,
        subnets=settings.subnets,
        zones=[] if settings.existing else _cluster_zones(cloud, region, pools, invoke),
        kubernetes_version=settings.kubernetes_version,
        public_endpoint=settings.public_endpoint,
        authorized_networks=settings.authorized_networks,
        admins=settings.admins,
        network_cidr=settings.network_cidr,
        gcp_project=spec.gcp_project,
        dcgm_metrics=settings.dcgm_exporter,
        instance_tags=tags,
    )
    return RegionFleet(settings, cluster, pools)


def _declare_region(ctx: Build, fleet: RegionFleet) -> Cluster:
    cloud, region = fleet.cluster.cloud, fleet.cluster.region
    opts = ctx.opts(cloud, region)
    name = f"{ctx.spec.name}-{cloud}-{region}"
    cluster = Cluster(name, fleet.cluster, opts)
    for args in fleet.pools:
        try:
            GpuNodePool(f"{ctx.spec.name}-{args.workload}-{region}", args, cluster.handle, opts)
        except ValueError as exc:
            raise FleetError(str(exc)) from None
    if cloud == "aws":
        _addons(name, fleet.settings, fleet.pools, cluster)
    return cluster


def _pool_args(
    ctx: Build, workload: Workload, pick: Placement, region: str, offered: list[str] | None,
    settings: ClusterSpec, tags: dict[str, str],
) -> GpuNodePoolArgs:
    options = workload.pool
    offering = ctx.catalog.offering(pick.cloud, region, pick.instance_type)
    nodes = pick.nodes
    efa = options.efa
    if efa is None:  # multi-node training talks over the fabric; one node does not need it
        # GCE compact placement covers the accelerator-optimized families, not N1 with attached GPUs.
        capable = pick.instance_type in EFA_INTERFACES or (pick.cloud == "gcp" and not pick.instance_type.startswith("n1-"))
        efa = workload.kind == "training" and nodes > 1 and capable
    zones = _pool_zones(workload, pick, region, offered, settings, single=efa or bool(options.capacity_reservation))
    spot_types = []
    if pick.cloud == "aws" and pick.capacity_type == "spot" and options.spot_diversity:
        spot_types = _similar_spot_types(ctx, region, pick.instance_type)
    return _valid(
        GpuNodePoolArgs,
        cloud=pick.cloud,
        region=region,
        workload=workload.name,
        role=workload.kind,
        instance_type=pick.instance_type,
        accelerator=pick.accelerator,
        accelerators_per_node=offering.accelerator_count,
        spot_instance_types=spot_types,
        capacity_type=pick.capacity_type,
        spot_allowed=workload.spot,
        on_demand_base=options.on_demand_base,
        min_nodes=workload.capacity.min_nodes,
        max_nodes=max(workload.capacity.max_nodes, nodes),
        desired_nodes=max(nodes, workload.capacity.min_nodes),
        zones=zones,
        offered_zones=offered,
        ami_family=options.ami_family,
        gpu_sharing=options.gpu_sharing,
        max_shared_clients=options.max_shared_clients,
        mig_partition=options.mig_partition,
        efa=efa,
        capacity_reservation=options.capacity_reservation,
        capacity_block=options.capacity_block,
        disk_gb=options.disk_gb,
        instance_tags=tags,
        gcp_project=ctx.spec.gcp_project,
    )


def _pool_zones(
    workload: Workload, pick: Placement, region: str, offered: list[str] | None, settings: ClusterSpec, single: bool
) -> list[str]:
    """Where a pool's nodes go: the pinned zone, else the offering zones (one of them for EFA/reservations)."""
    pinned = workload.pool.zone
    if pinned:
        if not pinned.startswith(region):
            raise FleetError(f"workload {workload.name}: pool.zone {pinned} is not in {region}, where it is placed")
        return [pinned]
    candidates = offered if offered is not None else sorted(settings.subnets)
    if settings.existing and settings.subnets:
        candidates = [z for z in candidates if z in settings.subnets]
    if not candidates:
        where = f"the subnets of {settings.existing}" if settings.existing else region
        raise FleetError(f"workload {workload.name}: no zone of {where} offers {pick.instance_type}")
    return candidates[:1] if single else candidates


def _offered_zones(
    ctx: Build, cloud: str, region: str, instance_type: str, invoke: pulumi.InvokeOptions
) -> list[str] | None:
    offering = ctx.catalog.offering(cloud, region, instance_type)
    if offering and offering.zones:
        return sorted(offering.zones)
    if cloud == "aws":
        import pulumi_aws as aws

        found = aws.ec2.get_instance_type_offerings(
            location_type="availability-zone", region=region,
            filters=[{"name": "instance-type", "values": [instance_type]}], opts=invoke,
        )
        return sorted(set(found.locations))
    import pulumi_gcp as gcp

    machine_type = instance_type.split("+", 1)[0]
    zones = gcp.compute.get_zones(project=ctx.spec.gcp_project, region=region, status="UP", opts=invoke).names
    return sorted(
        zone for zone in zones
        if gcp.compute.get_machine_types(
            project=ctx.spec.gcp_project, zone=zone, filter=f"name = {machine_type}", opts=invoke
        ).machine_types
    )


def _cluster_zones(cloud: str, region: str, pools: list[GpuNodePoolArgs], invoke: pulumi.InvokeOptions) -> list[str]:
    """Zones of a new cluster's node subnets: every pool's zones, at least two (EKS requires two)."""
    zones = sorted({zone for pool in pools for zone in pool.zones})
    if cloud == "aws" and len(zones) < 2:
        import pulumi_aws as aws

        available = aws.get_availability_zones(
            state="available", region=region,
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}], opts=invoke,
        ).names
        zones += [zone for zone in sorted(available) if zone not in zones][: 2 - len(zones)]
    return zones


def _similar_spot_types(ctx: Build, region: str, instance_type: str) -> list[str]:
    """Other types a spot pool may also use, cheapest first.

    Same GPU, count and memory; at least the vCPU and RAM of the chosen type, since the autoscaler sizes
    a new node from the first type; at most 1.5 x its spot price, so diversity does not cost a bigger bill.
    """
    chosen = ctx.catalog.offering("aws", region, instance_type)
    similar = [
        o for o in ctx.catalog.offerings_for("aws", region)
        if o.instance_type != instance_type and o.spot_usd_hr is not None
        and (o.accelerator, o.accelerator_count, o.accelerator_memory_gb)
        == (chosen.accelerator, chosen.accelerator_count, chosen.accelerator_memory_gb)
        and o.vcpu >= chosen.vcpu and o.ram_gb >= chosen.ram_gb
        and o.spot_usd_hr <= SPOT_PRICE_SPREAD * (chosen.spot_usd_hr or 0)
    ]
    return [o.instance_type for o in sorted(similar, key=lambda o: (o.spot_usd_hr, o.instance_type))][: MAX_SPOT_TYPES - 1]


def _addons(name: str, settings: ClusterSpec, pools: list[GpuNodePoolArgs], cluster: Cluster) -> None:
    """EKS GPU add-ons, a part of the cluster they go into (GKE installs its own)."""
    nvidia = [p for p in pools if not is_neuron(p.accelerator)]
    device_plugin = any(p.ami_family == "al2023" for p in nvidia)
    dcgm = settings.dcgm_exporter and bool(nvidia)
    if device_plugin or dcgm:
        GpuAddons(
            f"{name}-gpu-addons", GpuAddonsArgs(device_plugin=device_plugin, dcgm_exporter=dcgm),
            cluster.kubernetes_provider(), pulumi.ResourceOptions(parent=cluster),
        )


def _cluster_settings(spec: StackSpec, cloud: str, region: str) -> ClusterSpec:
    for entry in spec.clusters:
        if (entry.cloud, entry.region) == (cloud, region):
            return entry
    return ClusterSpec(cloud=cloud, region=region)


def _valid(model: type, **values: object):
    """The model, or a FleetError with pydantic's messages and none of its noise."""
    try:
        return model(**values)
    except ValidationError as exc:
        raise FleetError("; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())) from None

