"""A Kubernetes cluster in one cloud region, ready for GPU node pools: created, or an existing one joined.

New clusters are private and encrypted by default: EKS with a private API endpoint, secrets encrypted by
a region-local KMS key, control-plane logs and access entries; GKE VPC-native with private nodes,
secrets encrypted by a region-local Cloud KMS key, workload identity, shielded nodes and a release
channel. Both get a small system node pool, since GPU nodes are tainted and cluster services (DNS,
autoscaler) need somewhere to run. An existing cluster is looked up by name; skyweave then only adds the
node identity its pools use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

import pulumi
from pydantic import BaseModel, ConfigDict, Field, model_validator


class ClusterArgs(BaseModel):
    """Inputs of a `Cluster`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: Literal["aws", "gcp"]
    """Cloud of the cluster."""
    region: str
    """Region of the cluster."""
    cluster_name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
    """Physical name of a new cluster (unique per account/project and region)."""
    existing: str | None = None
    """Name of an existing cluster to join instead of creating one."""
    subnets: dict[str, str] = {}
    """Existing EKS cluster: zone → private subnet ID the pools use."""
    zones: list[str] = []
    """New cluster: zones its node subnets cover (AWS, at least two: EKS requires it)."""
    kubernetes_version: str | None = None
    """Kubernetes minor version; None lets the cloud (or GKE's release channel) pick."""
    public_endpoint: bool = False
    """Expose the API server publicly, limited to `authorized_networks`."""
    authorized_networks: list[str] = []
    """CIDRs allowed to reach the API server besides the cluster's own network."""
    admins: list[str] = []
    """EKS: IAM principal ARNs given cluster admin through access entries."""
    network_cidr: str = "10.0.0.0/16"
    """The /16 a new cluster's network uses."""
    gcp_project: str | None = None
    """GCP project of the cluster."""
    dcgm_metrics: bool = True
    """GKE: turn on GKE's managed DCGM GPU metrics."""
    log_retention_days: int = Field(default=90, ge=1)
    """EKS: days control-plane logs are kept."""
    instance_tags: dict[str, str] = {}
    """Cost tags copied onto system node instances and volumes (AWS) or VM labels (GCP)."""

    @model_validator(mode="after")
    def _placeable(self) -> ClusterArgs:
        if self.cloud == "gcp" and not self.gcp_project:
            raise ValueError("a GKE cluster needs gcp_project")
        if self.cloud == "aws" and not self.existing and len(set(self.zones)) < 2:
            raise ValueError(f"an EKS cluster needs subnets in at least two zones of {self.region}; given {self.zones}")
        if self.public_endpoint and not self.authorized_networks:
            raise ValueError("a public endpoint needs authorized_networks")
        for zone in [*self.zones, *self.subnets]:
            if not zone.startswith(self.region):
                raise ValueError(f"zone {zone} is not in region {self.region}")
        return self


class ClusterHandle(NamedTuple):
    """What node pools and add-ons need from a cluster, created or existing."""

    cloud: str
    region: str
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    ca_data: pulumi.Output[str]
    """Base64 PEM of the cluster CA."""
    node_identity: pulumi.Output[str]
    """AWS: ARN of the node IAM role; GCP: email of the node service account."""
    subnets: Mapping[str, pulumi.Output[str]] = MappingProxyType({})
    """AWS: zone → private subnet for nodes; empty when an existing cluster's zones are not given."""
    all_subnet_ids: pulumi.Output[list[str]] | None = None
    """AWS: every subnet of an existing cluster, used when `subnets` is empty."""
    security_group_id: pulumi.Output[str] | None = None
    """AWS: the cluster security group EKS creates; EFA interfaces join it."""
    project: str | None = None
    """GCP project."""
    created: bool = True
    """False for an existing cluster."""


class Cluster(pulumi.ComponentResource):
    """A cluster in one cloud region with the node identity its GPU pools use."""

    handle: ClusterHandle

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyweave:compute:Cluster", name, args.model_dump(), opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.cloud == "aws":
            from components import eks_cluster as cloud_module
        else:
            from components import gke_cluster as cloud_module
        make = cloud_module.attach if args.existing else cloud_module.create
        self.handle = make(name, args, child)
        self._kubeconfig = cloud_module.kubeconfig
        self._provider_name = f"{name}-k8s"
        self._provider: pulumi.ProviderResource | None = None
        self.register_outputs({"name": self.handle.name, "endpoint": self.handle.endpoint})

    def kubernetes_provider(self) -> pulumi.ProviderResource:
        """The cluster's own Kubernetes provider (made on first use); credentials come from the cloud CLI."""
        import pulumi_kubernetes as k8s

        if self._provider is None:
            self._provider = k8s.Provider(
                self._provider_name, kubeconfig=self._kubeconfig(self.handle), enable_server_side_apply=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._provider


def render_kubeconfig(name: str, server: str, ca_data: str, user: dict) -> str:
    """A one-cluster kubeconfig; `user` says how to get a token (an exec plugin, never a stored secret)."""
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "users": [{"name": name, "user": user}],
    })
