"""Every policy, given a value it needs that is unknown at preview, reports a finding at its own level.

CrossGuard would turn an unknown access into an advisory "can't run policy" note, which lets a preview
pass; the pack reports "cannot verify" instead. Two policies read nothing a preview can leave unknown:
the default-provider check reads the provider reference, and the waiver check reads only its config.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from policy_helpers import UNKNOWN, UNKNOWN_NUMBER, provider, resource_args, run, stack, stack_resource

from policies.pack import BY_ID, POLICIES

SPEC = {"name": "test", "environment": "test", "owner": {"team": "ml", "cost_center": "CC-1"}, "clouds": ["aws"],
        "residency": {"regions": ["eu-west-1"]}, "budget": {"monthly_cap_usd": 1000}}
REGIONS = {"allowedRegions": ["eu-west-1"]}
COST = {"monthlyCapUsd": 1000, "stack": SPEC}
GPU_POOL = {"amiType": "AL2023_x86_64_NVIDIA", "instanceTypes": ["g5.xlarge"],
            "scalingConfig": {"minSize": 0, "desiredSize": UNKNOWN_NUMBER, "maxSize": 2}}


def _stack(*resources: object, config: dict) -> object:
    return stack(list(resources), config)


def _bucket_with(type_token: str, props: dict) -> object:
    bucket = stack_resource("aws:s3/bucket:Bucket", {"bucket": "data"}, name="data")
    return _stack(bucket, stack_resource(type_token, {"bucket": "data", **props}, name="data-setting", preview=True),
                  config={})


CASES: dict[str, tuple[Callable[[], object], str]] = {
    "SKW-RES-001": (lambda: resource_args("gcp:cloudrunv2/service:Service", {"location": UNKNOWN}, REGIONS,
                                          region="europe-west4", preview=True), "string value at .location"),
    "SKW-RES-003": (lambda: resource_args("skyweave:gateway:Gateway", {"routes": [
        {"name": "fast", "model": "bedrock/anthropic.claude-3-haiku", "provider": "bedrock", "region": UNKNOWN}]},
        REGIONS, preview=True), "string value at .routes.0.region"),
    "SKW-RES-004": (lambda: _stack(stack_resource(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"rules": [{"destination": {"bucket": UNKNOWN}}]},
        name="replication", preview=True), config=REGIONS), "string value at .rules.0.destination.bucket"),
    "SKW-COST-001": (lambda: _stack(stack_resource("aws:eks/nodeGroup:NodeGroup", GPU_POOL, name="pool", preview=True),
                                    config=COST), "number value at .pool.scalingConfig.desiredSize"),
    "SKW-COST-002": (lambda: _stack(stack_resource("aws:eks/nodeGroup:NodeGroup", GPU_POOL, name="test-chat-pool",
                                                   preview=True), config={"workloadCaps": {"chat": 10}, "stack": SPEC}),
                     "number value at .test-chat-pool.scalingConfig.desiredSize"),
    "SKW-COST-003": (lambda: resource_args("gcp:container/nodePool:NodePool", {"autoscaling": {
        "totalMaxNodeCount": UNKNOWN_NUMBER}}, {"maxNodesPerPool": 4}, preview=True),
        "number value at .autoscaling.totalMaxNodeCount"),
    "SKW-COST-004": (lambda: resource_args("aws:ec2/launchTemplate:LaunchTemplate", {"instanceType": UNKNOWN},
                                           {"allowedInstanceTypes": ["g5.*"]}, preview=True),
                     "string value at .instanceType"),
    "SKW-COST-005": (lambda: _stack(stack_resource("aws:ec2/instance:Instance", {"instanceType": UNKNOWN}, name="vm",
                                                   preview=True), config=COST), "string value at .instanceType"),
    "SKW-SEC-001": (lambda: _bucket_with(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN}}]}),
        "string value at .rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"),
    "SKW-SEC-002": (lambda: _bucket_with("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        "blockPublicAcls": UNKNOWN, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True,
    }), "string value at .blockPublicAcls"),
    "SKW-SEC-003": (lambda: _bucket_with("aws:s3/bucketPolicy:BucketPolicy", {"policy": UNKNOWN}),
                    "string value at .policy"),
    "SKW-SEC-004": (lambda: resource_args("aws:s3/bucket:Bucket", {"tags": {"team": UNKNOWN}},
                                          {"requiredTags": ["team"]}, preview=True), "string value at .tags.team"),
    "SKW-SEC-005": (lambda: resource_args("aws:ec2/launchTemplate:LaunchTemplate", {"metadataOptions": {
        "httpEndpoint": "enabled", "httpTokens": UNKNOWN}}, {"maxHopLimit": 2}, preview=True),
        "string value at .metadataOptions.httpTokens"),
    "SKW-SEC-006": (lambda: resource_args("aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": UNKNOWN}},
                                          preview=True), "string value at .vpcConfig.endpointPublicAccess"),
    "SKW-SEC-007": (lambda: resource_args("kubernetes:core/v1:ConfigMap", {"data": {"config.yaml": UNKNOWN}},
                                          preview=True), "string value at .data.config.yaml"),
    "SKW-SEC-008": (lambda: resource_args("gcp:storage/bucket:Bucket", {"forceDestroy": UNKNOWN}, protect=True,
                                          region="europe-west4", preview=True), "string value at .forceDestroy"),
}


def test_every_policy_has_an_unknown_value_case() -> None:
    assert set(CASES) | {"SKW-RES-002", "SKW-GOV-001"} == {p.meta.id for p in POLICIES}


@pytest.mark.parametrize("policy_id", sorted(CASES))
def test_an_unknown_value_is_a_cannot_verify_finding(policy_id: str) -> None:
    build, what = CASES[policy_id]
    policy = next(p for p in POLICIES if p.meta.id == policy_id)
    assert run(policy, build()).messages == [
        f"cannot verify: {what} can't be known during preview; make the value known at preview (a literal in the "
        f"stack file or component, not another resource's output) or waive {policy_id} for this resource with a "
        f"reason"
    ]
    assert BY_ID[policy_id].enforcement == "mandatory"


def test_default_provider_is_judged_whatever_the_props() -> None:
    default = provider("aws", None)
    default.name = "default"
    args = resource_args("aws:s3/bucket:Bucket", {"bucket": UNKNOWN}, the_provider=default, preview=True)
    [message] = run(next(p for p in POLICIES if p.meta.id == "SKW-RES-002"), args).messages
    assert message.startswith("uses the default aws provider 'default'")


def test_waiver_check_reads_only_its_config() -> None:
    unknown = stack_resource("aws:s3/bucket:Bucket", {"bucket": UNKNOWN}, name="data", preview=True)
    policy = next(p for p in POLICIES if p.meta.id == "SKW-GOV-001")
    assert run(policy, stack([unknown], {"allWaivers": [], "policyIds": []})).violations == []
