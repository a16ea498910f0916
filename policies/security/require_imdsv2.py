"""SKW-SEC-005: nodes protect their instance metadata (IMDSv2 on AWS, the GKE metadata server on GCP)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, truthy
from policies.rule import required, resource_policy

META = PolicyMeta(
    id="SKW-SEC-005",
    name="security-instance-metadata-protected",
    title="Nodes require IMDSv2 (AWS) or the GKE metadata server (GCP), so pods cannot lift node credentials.",
    severity="high",
    rationale=(
        "IMDSv1 answers any request that reaches it, which turns a server-side request forgery in a model "
        "server into the node's cloud credentials; the GKE metadata server likewise hides the node identity."
    ),
    remediation=(
        "Use launch templates with `metadata_options: {http_tokens: required, http_put_response_hop_limit: 1 or 2}` "
        "and `workload_metadata_config: {mode: GKE_METADATA}` on GKE node pools."
    ),
    config={
        "maxHopLimit": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": "Largest IMDS hop limit (2 lets pods on the host network reach IMDSv2).",
        }
    },
)

TYPES = (
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/instance:Instance",
    "aws:eks/nodeGroup:NodeGroup",
    "gcp:container/nodePool:NodePool",
    "gcp:container/cluster:Cluster",
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    props, kind = args.props, args.resource_type
    if kind in ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"):
        yield from _imds(props.get("metadataOptions"), int(required(args.get_config(), "maxHopLimit")))
    elif kind == "aws:eks/nodeGroup:NodeGroup" and not props.get("launchTemplate"):
        yield "has no launch template, so IMDSv2 cannot be required; give it one with http_tokens required"
    elif kind == "gcp:container/nodePool:NodePool":
        yield from _gke_metadata(props.get("nodeConfig"))
    elif kind == "gcp:container/cluster:Cluster" and not truthy(props.get("removeDefaultNodePool")):
        yield from _gke_metadata(props.get("nodeConfig"))


def _imds(options: Any, max_hops: int) -> Iterator[str]:
    if dig(options, "httpEndpoint") == "disabled":
        return
    if dig(options, "httpTokens") != "required":
        yield "metadataOptions.httpTokens is not `required`, so IMDSv1 answers; set it to required"
    hops = dig(options, "httpPutResponseHopLimit")
    if hops is not None and float(hops) > max_hops:
        yield f"metadataOptions.httpPutResponseHopLimit {int(float(hops))} lets containers reach IMDS; use at most {max_hops}"


def _gke_metadata(node_config: Any) -> Iterator[str]:
    mode = dig(node_config, "workloadMetadataConfig", "mode")
    if mode != "GKE_METADATA":
        yield f"nodeConfig.workloadMetadataConfig.mode is {mode!r}; set it to GKE_METADATA"


POLICY = resource_policy(META, check, types=TYPES)
