"""Prices of clusters and node pools: GPU nodes from the catalog, control planes and NAT from list prices.

GPU nodes cost the catalog's on-demand or spot price of their instance type × the pool's starting node
count × hours a month. Services the catalog does not price are named constants below, each with its
source and date; regions without a listed price use the highest listed one, so a gap never lowers the
estimate. Usage-billed parts (NAT data processing, log ingestion, EBS root volumes) are not estimated.
"""

from __future__ import annotations

from typing import NamedTuple

from skyweave.cost.core import CostContext, register, register_free
from skyweave.plan import PlannedResource


class ListPrice(NamedTuple):
    usd_per_hour: dict[str, float]
    """By region; `*` for every region."""
    as_of: str
    source: str

    def hourly(self, region: str | None) -> float:
        return self.usd_per_hour.get(region or "", self.usd_per_hour.get("*", max(self.usd_per_hour.values())))


EKS_CONTROL_PLANE = ListPrice(
    {"*": 0.10}, "2026-03",
    "https://aws.amazon.com/eks/pricing/ (standard support; extended support $0.60/h, avoided by upgrade_policy "
    "STANDARD); AWS Containers blog 'Amazon EKS extended support for Kubernetes versions pricing'; cloudburn.io "
    "EKS pricing guide, March 2026",
)
GKE_CLUSTER_FEE = ListPrice(
    {"*": 0.10}, "undated",
    "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee per cluster-hour; the free-tier "
    "credit covers zonal and Autopilot clusters only, skyweave clusters are regional)",
)
NAT_GATEWAY = ListPrice(
    {"us-east-1": 0.045, "us-east-2": 0.045, "us-west-2": 0.045, "eu-west-1": 0.048, "eu-central-1": 0.052},
    "2026-02",
    "https://aws.amazon.com/vpc/pricing/ ; cloudburn.io NAT gateway pricing guide (Feb 2026, us-east-1 $0.045/h); "
    "cloudpipelines AWS NAT gateway pricing 2026 (Europe $0.048-$0.052/h)",
)
PUBLIC_IPV4 = ListPrice(
    {"*": 0.005}, "2026-02",
    "https://aws.amazon.com/vpc/pricing/ (public IPv4 address, in use or idle, since 2024-02-01); cloudburn.io, Feb 2026",
)
CLOUD_NAT = ListPrice(
    {"*": 0.044}, "undated",
    "https://cloud.google.com/nat/pricing ($0.0014 per VM-hour up to 32 VMs, $0.044/h beyond; the upper bound is "
    "used since the VM count varies with autoscaling)",
)
# System nodes run cluster services; the catalog lists only accelerator machines. US prices stand in for
# every region until the catalog carries general-purpose types.
SYSTEM_NODE_TYPES = {
    ("aws", "m7g.large"): ListPrice(
        {"*": 0.0816}, "2026-06", "factualminds.com EC2 on-demand pricing 2026 (us-east-1, June 2026)"
    ),
    ("gcp", "e2-standard-2"): ListPrice(
        {"*": 0.067006}, "undated",
        "https://cloud.google.com/compute/vm-instance-pricing (us-central1: 2 x $0.021811 vCPU + 8 x $0.002923 GB)",
    ),
}

register_free(
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/placementGroup:PlacementGroup",
    "aws:autoscaling/tag:Tag",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:eks/accessEntry:AccessEntry",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:kms/alias:Alias",
    # Billed per GB ingested and stored; control-plane log volume is not estimated.
    "aws:cloudwatch/logGroup:LogGroup",
    "gcp:compute/network:Network",
    "gcp:compute/subnetwork:Subnetwork",
    "gcp:compute/router:Router",
    "gcp:serviceaccount/account:Account",
    "gcp:projects/iAMMember:IAMMember",
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:Service",
    "kubernetes:apps/v1:DaemonSet",
)


def _monthly(price: ListPrice):
    return lambda resource, ctx: price.hourly(resource.region) * ctx.hours_per_month


register("aws:eks/cluster:Cluster")(_monthly(EKS_CONTROL_PLANE))
register("gcp:container/cluster:Cluster")(_monthly(GKE_CLUSTER_FEE))
register("aws:ec2/natGateway:NatGateway")(_monthly(NAT_GATEWAY))
register("aws:ec2/eip:Eip")(_monthly(PUBLIC_IPV4))
register("gcp:compute/routerNat:RouterNat")(_monthly(CLOUD_NAT))


@register("aws:eks/nodeGroup:NodeGroup")
def _eks_node_group(resource: PlannedResource, ctx: CostContext) -> float:
    inputs = resource.inputs
    # Capacity Blocks are paid up front when bought; their nodes add no hourly charge.
    if inputs.get("capacityType") == "CAPACITY_BLOCK":
        return 0.0
    spot = inputs.get("capacityType") == "SPOT"
    # Diversified spot pools may land on any listed type: price the dearest.
    hourly = max(_node_hourly(ctx, "aws", resource.region, t, spot) for t in inputs.get("instanceTypes") or [])
    return hourly * inputs["scalingConfig"]["desiredSize"] * ctx.hours_per_month


@register("gcp:container/nodePool:NodePool")
def _gke_node_pool(resource: PlannedResource, ctx: CostContext) -> float:
    inputs = resource.inputs
    config = inputs.get("nodeConfig", {})
    instance_type = config["machineType"]
    if instance_type.startswith("n1-"):  # the catalog names N1 hosts with their attached GPUs
        attached = config["guestAccelerators"][0]
        instance_type = f"{instance_type}+{attached['type']}x{int(attached['count'])}"
    per_zone = inputs.get("nodeCount", inputs.get("initialNodeCount", 0))
    nodes = per_zone * len(inputs.get("nodeLocations") or [])
    return _node_hourly(ctx, "gcp", resource.region, instance_type, bool(config.get("spot"))) * nodes * ctx.hours_per_month


def _node_hourly(ctx: CostContext, cloud: str, region: str | None, instance_type: str, spot: bool) -> float:
    system = SYSTEM_NODE_TYPES.get((cloud, instance_type))
    if system:
        return system.hourly(region)
    offering = ctx.catalog.offering(cloud, region or "", instance_type)
    if offering is None:
        raise ValueError(f"{cloud} {instance_type} in {region} is not in the catalog; cannot price its nodes")
    # No spot price listed: on-demand is the ceiling a spot node can cost.
    price = (offering.spot_usd_hr if spot else None) or offering.ondemand_usd_hr
    if price is None:
        raise ValueError(f"the catalog has no price for {cloud} {instance_type} in {region}; set price_book.overrides")
    return price
