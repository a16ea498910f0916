"""SKW-SEC-006: Kubernetes control planes are not reachable from the whole internet."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, items, truthy
from policies.rule import resource_policy

META = PolicyMeta(
    id="SKW-SEC-006",
    name="security-private-cluster-endpoint",
    title="Cluster API endpoints are private, or public only to listed networks; GKE nodes are private.",
    severity="high",
    rationale=(
        "A control plane open to 0.0.0.0/0 is one credential leak or API-server bug away from the cluster "
        "that serves every model and holds every secret of the environment."
    ),
    remediation=(
        "Keep skyweave's default private endpoint; if a public endpoint is needed, list the networks allowed "
        "to reach it (`authorized_networks`), never 0.0.0.0/0."
    ),
)

_ANYWHERE = ("0.0.0.0/0", "::/0")


def check(args: ResourceValidationArgs) -> Iterator[str]:
    props = args.props
    if args.resource_type == "aws:eks/cluster:Cluster":
        vpc = props.get("vpcConfig")
        public = dig(vpc, "endpointPublicAccess")
        if public is None or truthy(public):  # EKS makes the endpoint public unless told otherwise
            cidrs = [str(c) for c in items(dig(vpc, "publicAccessCidrs"))]
            if not cidrs or any(c in _ANYWHERE for c in cidrs):
                yield (
                    "vpcConfig makes the API endpoint public to the internet; set endpointPublicAccess false "
                    "or list publicAccessCidrs without 0.0.0.0/0"
                )
    else:
        private = props.get("privateClusterConfig")
        if not truthy(dig(private, "enablePrivateNodes")):
            yield "privateClusterConfig.enablePrivateNodes is not true; nodes get public IPs"
        if not truthy(dig(private, "enablePrivateEndpoint")):
            blocks = [str(dig(b, "cidrBlock")) for b in items(dig(props, "masterAuthorizedNetworksConfig", "cidrBlocks"))]
            if not blocks or any(b in _ANYWHERE for b in blocks):
                yield (
                    "the API endpoint is public to the internet; set privateClusterConfig.enablePrivateEndpoint "
                    "or list masterAuthorizedNetworksConfig.cidrBlocks without 0.0.0.0/0"
                )


POLICY = resource_policy(META, check, types=("aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster"))
