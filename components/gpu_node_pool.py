"""GPU capacity of one workload in one cloud region: EKS managed node groups or a GKE node pool.

Nodes are tainted so only GPU pods land on them, labelled with workload, role, accelerator and capacity
type, and can scale to zero. AWS pools tag their Auto Scaling groups so the cluster autoscaler knows a
node's labels, taint and GPUs before one exists (scale up from zero). Spot pools diversify over instance
types with the same GPU; a mixed pool keeps an on-demand base and bursts on spot. Training pools get EFA
and a cluster placement group (AWS) or compact placement (GCP) in one zone, and may consume a capacity
reservation or an EC2 Capacity Block.
"""

from __future__ import annotations

from typing import Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.cluster import ClusterHandle
from components.gpu_hardware import EFA_INTERFACES, mig_problem

CapacityType = Literal["on_demand", "spot"]


class GpuNodePoolArgs(BaseModel):
    """Inputs of a `GpuNodePool`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: Literal["aws", "gcp"]
    """Cloud of the pool (the cluster's)."""
    region: str
    """Region of the pool (the cluster's)."""
    workload: str
    """Workload whose pods the pool runs; used in names and labels."""
    role: Literal["inference", "training", "batch"]
    """What the nodes are for; a node label pods can select."""
    instance_type: str
    """Catalog instance type: EC2 type, GCE machine type, or `n1-...+nvidia-tesla-t4xN` for attached GPUs."""
    accelerator: str
    """Catalog accelerator name, e.g. `NVIDIA L4`."""
    accelerators_per_node: int = Field(ge=1)
    """GPUs (or Neuron devices) per node."""
    spot_instance_types: list[str] = []
    """AWS spot: further instance types with the same GPU, count and memory, for capacity diversity."""
    capacity_type: CapacityType
    """On-demand or spot nodes (the selector's pick)."""
    spot_allowed: bool = False
    """The workload tolerates interruption (`spot: true`)."""
    on_demand_base: int = Field(default=0, ge=0)
    """Nodes kept on demand; the rest burst on spot (a mixed pool)."""
    min_nodes: int = Field(ge=0)
    """Fewest nodes; 0 lets the pool scale to zero."""
    max_nodes: int = Field(ge=1)
    """Most nodes."""
    desired_nodes: int = Field(ge=0)
    """Nodes to start with; the autoscaler owns the count afterwards."""
    zones: list[str] = Field(min_length=1)
    """Zones the nodes may run in."""
    offered_zones: list[str] | None = None
    """Zones of the region that offer the instance type; None when unknown."""
    ami_family: Literal["al2023", "bottlerocket"] = "al2023"
    """EKS node OS family."""
    gpu_sharing: Literal["none", "time_sharing", "mig"] = "none"
    """GKE GPU sharing between pods."""
    max_shared_clients: int = Field(default=2, ge=2, le=48)
    """Pods per GPU with time sharing."""
    mig_partition: str | None = None
    """MIG partition size with `gpu_sharing: mig`."""
    efa: bool = False
    """AWS: EFA interfaces and a cluster placement group; GCP: compact placement."""
    capacity_reservation: str | None = None
    """EC2 capacity reservation ID or GCE reservation name the nodes consume."""
    capacity_block: bool = False
    """AWS: the reservation is a Capacity Block for ML."""
    disk_gb: int = Field(default=200, ge=50)
    """Encrypted root volume per node, GB."""
    instance_tags: dict[str, str] = {}
    """Cost tags copied onto instances and their volumes (AWS) or VM labels (GCP)."""
    gcp_project: str | None = None
    """GCP project of the cluster."""

    @model_validator(mode="after")
    def _deployable(self) -> GpuNodePoolArgs:
        problem = _sizing_problem(self) or _capacity_problem(self) or _placement_problem(self) or _sharing_problem(self)
        if problem:
            raise ValueError(f"workload {self.workload} in {self.region}: {problem}")
        return self

    @property
    def efa_interfaces(self) -> int:
        return EFA_INTERFACES.get(self.instance_type, 0) if self.efa and self.cloud == "aws" else 0


def _sizing_problem(args: GpuNodePoolArgs) -> str | None:
    if args.min_nodes > args.max_nodes:
        return f"min_nodes {args.min_nodes} is above max_nodes {args.max_nodes}"
    if not args.min_nodes <= args.desired_nodes <= args.max_nodes:
        return f"desired_nodes {args.desired_nodes} is outside {args.min_nodes}..{args.max_nodes}"
    if args.on_demand_base >= args.max_nodes:
        return f"on_demand_base {args.on_demand_base} leaves no spot burst under max_nodes {args.max_nodes}"
    return None


def _capacity_problem(args: GpuNodePoolArgs) -> str | None:
    spot = args.capacity_type == "spot" or args.on_demand_base > 0
    if spot and not args.spot_allowed:
        return "spot capacity for a workload that does not tolerate interruption (spot: false)"
    if args.capacity_block:
        if args.cloud != "aws":
            return "capacity blocks are EC2 Capacity Blocks for ML (AWS); on GCP give a reservation name"
        if spot:
            return "a capacity block pool runs on its prepaid block, not on spot"
        if not args.capacity_reservation:
            return "a capacity block pool needs the block's reservation ID (cr-...)"
    if args.capacity_reservation and spot:
        return "a capacity reservation holds on-demand capacity; spot nodes cannot use it"
    if args.capacity_reservation and len(args.zones) != 1:
        spans = f"{len(args.zones)} subnets ({', '.join(args.zones)})"
        return f"a capacity reservation is in one zone but the pool spans {spans}"
    if args.spot_instance_types and args.cloud != "aws":
        return "spot instance type diversity is an EKS node group feature"
    return None


def _placement_problem(args: GpuNodePoolArgs) -> str | None:
    if args.offered_zones is not None:
        missing = [z for z in args.zones if z not in args.offered_zones]
        if missing:
            offered = ", ".join(args.offered_zones) or "none"
            return f"{args.instance_type} is not offered in {', '.join(missing)}; zones offering it: {offered}"
    if args.efa:
        if len(args.zones) > 1:
            return f"EFA and a placement group need one zone; the pool spans {', '.join(args.zones)}"
        if args.cloud == "aws" and args.instance_type not in EFA_INTERFACES:
            return f"{args.instance_type} has no EFA; EFA types: {', '.join(sorted(EFA_INTERFACES))}"
    return None


def _sharing_problem(args: GpuNodePoolArgs) -> str | None:
    if args.gpu_sharing == "none":
        return None
    if args.cloud == "aws":
        return f"gpu_sharing {args.gpu_sharing} is available on GKE pools; EKS pools use whole GPUs"
    if args.gpu_sharing == "mig":
        if not args.mig_partition:
            return "gpu_sharing mig needs mig_partition"
        return mig_problem(args.accelerator, args.mig_partition)
    return None


class GpuNodePool(pulumi.ComponentResource):
    """GPU nodes of one workload in one cluster."""

    node_pools: list[pulumi.Output[str]]
    """Names of the EKS node groups or GKE node pool."""

    def __init__(
        self, name: str, args: GpuNodePoolArgs, cluster: ClusterHandle, opts: pulumi.ResourceOptions | None = None
    ):
        if cluster.cloud != args.cloud or cluster.region != args.region:
            raise ValueError(
                f"pool {name} is for {args.cloud} {args.region}; the cluster is in {cluster.cloud} {cluster.region}"
            )
        super().__init__("skyweave:compute:GpuNodePool", name, args.model_dump(), opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.cloud == "aws":
            from components.eks_node_group import node_groups as make
        else:
            from components.gke_node_pool import node_pool as make
        self.node_pools = make(name, args, cluster, child)
        self.register_outputs({"node_pools": self.node_pools})

