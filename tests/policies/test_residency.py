"""Residency policies: a compliant baseline passes; each one-field change to another region fails."""

from __future__ import annotations

from policy_helpers import UNKNOWN, messages, provider, resource_args, run, stack, stack_resource

from policies.residency import (
    deny_default_provider,
    deny_gateway_route_outside_residency,
    deny_region_outside_residency,
    deny_replication_outside_residency,
)

REGION = deny_region_outside_residency.POLICY
CONFIG = {"allowedRegions": ["eu-west-1", "europe-west4"], "allowedMultiRegions": ["EUR4"]}
OPTIONS = "EUR4, eu-west-1, europe-west4"
BUCKET = "aws:s3/bucket:Bucket"
GCS = "gcp:storage/bucket:Bucket"


def outside(what: str, where: str) -> str:
    return f"{what} {where!r} is outside the stack's residency; use one of: {OPTIONS}"


def test_resources_in_allowed_regions_pass() -> None:
    assert messages(REGION, resource_args(BUCKET, {"bucket": "data"}, CONFIG)) == []
    assert messages(REGION, resource_args(GCS, {"location": "EUROPE-WEST4"}, CONFIG, region="europe-west4")) == []
    assert messages(REGION, resource_args(GCS, {"location": "EUR4"}, CONFIG, region="europe-west4")) == []
    pool = {"location": "europe-west4", "nodeLocations": ["europe-west4-a", "europe-west4-b"]}
    assert messages(REGION, resource_args("gcp:container/nodePool:NodePool", pool, CONFIG, region="europe-west4")) == []


def test_provider_in_another_region_fails() -> None:
    args = resource_args(BUCKET, {"bucket": "data"}, CONFIG, region="us-east-1")
    assert messages(REGION, args) == [outside("provider region (provider aws-us-east-1)", "us-east-1")]


def test_own_region_input_overrides_the_provider() -> None:
    args = resource_args(BUCKET, {"bucket": "data", "region": "us-east-1"}, CONFIG)
    assert messages(REGION, args) == [outside("region", "us-east-1")]


def test_gcs_location_outside_fails() -> None:
    args = resource_args(GCS, {"location": "US"}, CONFIG, region="europe-west4")
    assert messages(REGION, args) == [outside("location", "US")]


def test_custom_dual_region_is_judged_by_its_data_locations() -> None:
    props = {"location": "EU", "customPlacementConfig": {"dataLocations": ["EUROPE-WEST4", "US-CENTRAL1"]}}
    args = resource_args(GCS, props, CONFIG, region="europe-west4")
    assert messages(REGION, args) == [outside("customPlacementConfig.dataLocations[1]", "US-CENTRAL1")]


def test_node_location_zone_outside_fails() -> None:
    pool = {"location": "europe-west4", "nodeLocations": ["europe-west4-a", "us-central1-b"]}
    args = resource_args("gcp:container/nodePool:NodePool", pool, CONFIG, region="europe-west4")
    assert messages(REGION, args) == [outside("nodeLocations[1]", "us-central1-b")]


def test_replica_key_in_another_region_fails() -> None:
    rules = [{"destination": {"bucket": "arn:aws:s3:::replica",
                              "encryptionConfiguration": {"replicaKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}}}]
    args = resource_args("aws:s3/bucketReplicationConfig:BucketReplicationConfig", {"rules": rules}, CONFIG)
    assert messages(REGION, args) == [outside("rules[0].destination.encryptionConfiguration.replicaKmsKeyId", "us-east-1")]


def test_sagemaker_image_from_another_region_fails() -> None:
    image = "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-inference:2.6.0-gpu-py312"
    args = resource_args("aws:sagemaker/model:Model", {"primaryContainer": {"image": image}}, CONFIG)
    assert messages(REGION, args) == [outside("primaryContainer.image", "us-west-2")]


def test_log_sink_to_a_bucket_in_another_location_fails() -> None:
    sink = {"destination": "logging.googleapis.com/projects/p/locations/us-central1/buckets/audit"}
    args = resource_args("gcp:logging/projectSink:ProjectSink", sink, CONFIG, region="europe-west4")
    assert messages(REGION, args) == [outside("destination", "us-central1")]


def test_kubernetes_objects_and_components_have_no_region_of_their_own() -> None:
    assert messages(REGION, resource_args("kubernetes:core/v1:ConfigMap", {"data": {}}, CONFIG)) == []
    assert messages(REGION, resource_args("skyweave:cost:BudgetAlarm", {"cloud": "aws"}, CONFIG)) == []


def test_unknown_location_at_preview_cannot_be_verified() -> None:
    args = resource_args(GCS, {"location": UNKNOWN}, CONFIG, region="europe-west4", preview=True)
    assert messages(REGION, args) == [
        "cannot verify: string value at .location can't be known during preview; make the value known at preview "
        "(a literal in the stack file or component, not another resource's output) or waive SKW-RES-001 for this "
        "resource with a reason"
    ]


def test_unknown_reference_is_left_to_the_referenced_resource() -> None:
    props = {"bucket": "data", "kmsMasterKeyId": UNKNOWN}
    assert messages(REGION, resource_args(BUCKET, props, CONFIG, preview=True)) == []


def test_missing_config_is_a_finding_not_a_pass() -> None:
    assert messages(REGION, resource_args(BUCKET, {"bucket": "data"}, {})) == [
        "not configured: the policy config has no `allowedRegions`; write it with `skyweave policy-config STACK_FILE`"
    ]


def test_default_provider_fails() -> None:
    policy = deny_default_provider.POLICY
    explicit = resource_args(BUCKET, {"bucket": "data"})
    default = resource_args(BUCKET, {"bucket": "data"}, the_provider=provider("aws", None))
    default.provider.name = "default_7_51_1"
    assert messages(policy, explicit) == []
    assert messages(policy, default) == [
        "uses the default aws provider 'default_7_51_1', whose region comes from stack config; "
        "pass the explicit aws provider of an allowed region"
    ]


ROUTES = deny_gateway_route_outside_residency.POLICY
ROUTE_CONFIG = {"allowedRegions": ["eu-central-1", "eu-west-1", "europe-west4"], "allowedGeographies": []}
ROUTE_OPTIONS = "eu-central-1, eu-west-1, europe-west4"


def gateway(*routes: dict) -> object:
    return resource_args("skyweave:gateway:Gateway", {"routes": list(routes)}, ROUTE_CONFIG)


def test_gateway_routes_inside_the_residency_pass() -> None:
    args = gateway(
        {"name": "fast", "model": "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "provider": "bedrock", "region": "eu-central-1"},
        {"name": "smart", "model": "vertex_ai/gemini-1.5-pro", "provider": "vertex_ai", "region": "europe-west4"},
        {"name": "own", "model": "chat", "provider": "self_hosted", "region": "eu-west-1"},
    )
    assert messages(ROUTES, args) == []


def test_gateway_route_to_another_region_fails() -> None:
    args = gateway({"name": "fast", "model": "bedrock/anthropic.claude-3-haiku", "provider": "bedrock", "region": "us-east-1"})
    assert messages(ROUTES, args) == [
        f"route 'fast' (bedrock/anthropic.claude-3-haiku) is served from 'us-east-1', outside the stack's residency; "
        f"use one of: {ROUTE_OPTIONS}"
    ]


def test_gateway_route_through_a_cross_region_profile_fails() -> None:
    model = "bedrock/us.anthropic.claude-3-5-sonnet"
    args = gateway({"name": "smart", "model": model, "provider": "bedrock", "region": "eu-central-1"})
    assert messages(ROUTES, args) == [
        f"route 'smart' uses the cross-region inference profile {model!r}, which may run anywhere in 'us'; "
        f"use the in-region model ID with a region in: {ROUTE_OPTIONS}"
    ]


def test_gateway_route_to_a_regionless_api_fails() -> None:
    args = gateway({"name": "gpt", "model": "openai/gpt-4o", "provider": "openai", "region": ""})
    assert messages(ROUTES, args) == [
        f"route 'gpt' sends prompts to 'openai/gpt-4o', which names no region; route to a model served in one of: "
        f"{ROUTE_OPTIONS}"
    ]


def test_rendered_litellm_config_to_another_region_fails() -> None:
    text = (
        "model_list:\n"
        "  - model_name: fast\n"
        "    litellm_params:\n"
        "      model: bedrock/anthropic.claude-3-haiku\n"
        "      aws_region_name: us-west-2\n"
        "  - model_name: own\n"
        "    litellm_params:\n"
        "      model: hosted_vllm/chat\n"
        "      api_base: http://chat.skyweave-gateway.svc:8000/v1\n"
    )
    args = resource_args("kubernetes:core/v1:ConfigMap", {"data": {"config.yaml": text}}, ROUTE_CONFIG)
    assert messages(ROUTES, args) == [
        "data['config.yaml']: model_list entry 'fast' (bedrock/anthropic.claude-3-haiku) is served from 'us-west-2', "
        f"outside the stack's residency; use one of: {ROUTE_OPTIONS}"
    ]


REPLICATION = deny_replication_outside_residency.POLICY
REPLICATION_TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"


def replication_stack(replica_region: str, destination: str = "arn:aws:s3:::replica") -> list:
    source = stack_resource(BUCKET, {"bucket": "data", "arn": "arn:aws:s3:::data"}, name="data")
    replica = stack_resource(BUCKET, {"bucket": "replica", "arn": "arn:aws:s3:::replica"}, name="replica",
                             region=replica_region)
    rule = stack_resource(REPLICATION_TYPE, {"bucket": "data", "rules": [{"destination": {"bucket": destination}}]},
                          name="data-replication")
    return [source, replica, rule]


def test_replication_inside_the_residency_passes() -> None:
    assert run(REPLICATION, stack(replication_stack("eu-west-1"), CONFIG)).violations == []


def test_replication_to_another_region_fails() -> None:
    reports = run(REPLICATION, stack(replication_stack("us-east-1"), CONFIG))
    assert reports.violations == [(
        "urn:pulumi:test::skyweave::aws:s3/bucketReplicationConfig:BucketReplicationConfig::data-replication",
        "rules[0] destination bucket 'replica' is in 'us-east-1', outside the stack's residency; "
        "replicate to one of: eu-west-1, europe-west4",
    )]


def test_replication_to_a_bucket_outside_the_stack_cannot_be_verified() -> None:
    reports = run(REPLICATION, stack(replication_stack("eu-west-1", "arn:aws:s3:::elsewhere"), CONFIG))
    assert reports.messages == [
        "rules[0] destination 'arn:aws:s3:::elsewhere' is not a bucket of this stack, so its region cannot be "
        "verified; replicate to a bucket of this stack in one of: eu-west-1, europe-west4"
    ]


def test_replication_at_preview_follows_the_rule_dependencies() -> None:
    source, replica, _ = replication_stack("us-east-1")
    rule = stack_resource(REPLICATION_TYPE, {"bucket": "data", "rules": [{"destination": {"bucket": UNKNOWN}}]},
                          name="data-replication", preview=True, depends={"rules": [replica]})
    assert run(REPLICATION, stack([source, replica, rule], CONFIG)).messages == [
        "rules[0] destination bucket 'replica' is in 'us-east-1', outside the stack's residency; "
        "replicate to one of: eu-west-1, europe-west4"
    ]


def test_replication_at_preview_without_dependencies_cannot_be_verified() -> None:
    source, replica, _ = replication_stack("eu-west-1")
    rule = stack_resource(REPLICATION_TYPE, {"bucket": "data", "rules": [{"destination": {"bucket": UNKNOWN}}]},
                          name="data-replication", preview=True)
    assert run(REPLICATION, stack([source, replica, rule], CONFIG)).messages == [
        "cannot verify: string value at .rules.0.destination.bucket can't be known during preview; make the value "
        "known at preview (a literal in the stack file or component, not another resource's output) or waive "
        "SKW-RES-004 for this resource with a reason"
    ]
