"""Security baseline: a compliant bucket, cluster, node and manifest pass; one-field changes fail."""

from __future__ import annotations

import json

from policy_helpers import UNKNOWN, messages, resource_args, run, stack, stack_resource
from pulumi_policy import PolicyResource

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

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = "arn:aws:s3:::data"
BUCKET_URN = "urn:pulumi:test::skyweave::aws:s3/bucket:Bucket::data"
TLS_DENY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": [ARN, f"{ARN}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def s3_bucket(**changes: dict) -> list[PolicyResource]:
    """A bucket with skyweave's controls; `changes` replaces the props of one control (None drops it)."""
    controls = {
        "encryption": ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
            "bucket": "data",
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
                       "bucketKeyEnabled": True}],
        }),
        "public-access": ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
            "bucket": "data", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }),
        "policy": ("aws:s3/bucketPolicy:BucketPolicy", {
            "bucket": "data", "policy": json.dumps({"Version": "2012-10-17", "Statement": [TLS_DENY]}),
        }),
    }
    resources = [stack_resource("aws:s3/bucket:Bucket", {"bucket": "data", "arn": ARN}, name="data", protect=True)]
    for suffix, (type_token, props) in controls.items():
        if suffix in changes and changes[suffix] is None:
            continue
        resources.append(stack_resource(type_token, {**props, **changes.get(suffix, {})}, name=f"data-{suffix}"))
    return resources


def findings(policy: object, resources: list[PolicyResource], config: dict | None = None) -> list[tuple]:
    return run(policy, stack(resources, config or {})).violations


def test_compliant_bucket_passes_every_bucket_policy() -> None:
    for policy in (require_customer_managed_keys.POLICY, deny_public_buckets.POLICY, require_tls_only.POLICY):
        assert findings(policy, s3_bucket()) == []


def test_bucket_without_encryption_configuration_fails() -> None:
    assert findings(require_customer_managed_keys.POLICY, s3_bucket(encryption=None)) == [
        (BUCKET_URN, "has no server-side encryption configuration; add one with SSE-KMS and the stack's key")
    ]


def test_bucket_encrypted_with_s3_managed_keys_fails() -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    [(where, message)] = findings(require_customer_managed_keys.POLICY, s3_bucket(encryption={"rules": rules}))
    assert where.endswith("::data-encryption")
    assert message == "rules[0] encrypts with 'AES256'; use aws:kms with the stack's customer-managed key"


def test_bucket_encrypted_with_the_aws_managed_key_fails() -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}}]
    [(_, message)] = findings(require_customer_managed_keys.POLICY, s3_bucket(encryption={"rules": rules}))
    assert message == "rules[0] uses the AWS-managed key; set kmsMasterKeyId to the stack's customer-managed key"


def test_cluster_and_endpoint_encryption() -> None:
    policy = require_customer_managed_keys.POLICY
    eks = stack_resource("aws:eks/cluster:Cluster", {"encryptionConfig": {"provider": {"keyArn": KEY},
                                                                          "resources": ["secrets"]}}, name="eks")
    gke = stack_resource("gcp:container/cluster:Cluster", {"databaseEncryption": {"state": "DECRYPTED"}}, name="gke")
    endpoint = stack_resource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", {
        "productionVariants": [{"variantName": "main", "instanceType": "ml.inf2.xlarge"}],
    }, name="endpoint")
    nvme = stack_resource("aws:sagemaker/endpointConfiguration:EndpointConfiguration", {
        "productionVariants": [{"variantName": "main", "instanceType": "ml.g5.xlarge"}],
    }, name="nvme-endpoint")
    assert [m for _, m in findings(policy, [eks, gke, endpoint, nvme])] == [
        "databaseEncryption is not ENCRYPTED with a Cloud KMS key; set state ENCRYPTED and keyName",
        "kmsKeyArn is not set; encrypt the endpoint's storage volumes with the stack's KMS key",
    ]


def test_unencrypted_node_volume_fails() -> None:
    template = stack_resource("aws:ec2/launchTemplate:LaunchTemplate", {
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeType": "gp3", "encrypted": "false"}}],
    }, name="nodes")
    assert [m for _, m in findings(require_customer_managed_keys.POLICY, [template])] == [
        "blockDeviceMappings[0].ebs is not encrypted; set encrypted to true"
    ]


def test_bucket_without_public_access_block_fails() -> None:
    assert findings(deny_public_buckets.POLICY, s3_bucket(**{"public-access": None})) == [
        (BUCKET_URN, "has no public access block; add one with all four settings true")
    ]


def test_public_access_block_with_a_setting_off_fails() -> None:
    resources = s3_bucket(**{"public-access": {"restrictPublicBuckets": False}})
    assert findings(deny_public_buckets.POLICY, resources) == [
        (BUCKET_URN, "public access block 'data-public-access' leaves restrictPublicBuckets off; set all four to true")
    ]


def test_bucket_policy_allowing_everyone_fails() -> None:
    open_read = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{ARN}/*"}
    policy = json.dumps({"Statement": [TLS_DENY, open_read]})
    [(_, message)] = findings(deny_public_buckets.POLICY, s3_bucket(policy={"policy": policy}))
    assert message == "policy statement 'PublicRead' allows everyone; name the principals"


def test_public_gcs_bucket_fails() -> None:
    bucket = stack_resource("gcp:storage/bucket:Bucket", {"publicAccessPrevention": "inherited",
                                                          "uniformBucketLevelAccess": False}, name="weights")
    member = stack_resource("gcp:storage/bucketIAMMember:BucketIAMMember",
                            {"bucket": "weights", "role": "roles/storage.objectViewer", "member": "allUsers"}, name="reader")
    assert [m for _, m in findings(deny_public_buckets.POLICY, [bucket, member])] == [
        "publicAccessPrevention is not `enforced`; set it to enforced",
        "uniformBucketLevelAccess is off, so object ACLs can make objects public; turn it on",
        "grants roles/storage.objectViewer to allUsers; grant to named principals only",
    ]


def test_bucket_without_a_tls_statement_fails() -> None:
    policy = json.dumps({"Statement": [{**TLS_DENY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
    assert findings(require_tls_only.POLICY, s3_bucket(policy={"policy": policy})) == [
        (BUCKET_URN, "its bucket policy has no statement denying aws:SecureTransport false; add one for the bucket "
                     "and its objects")
    ]
    assert findings(require_tls_only.POLICY, s3_bucket(policy=None)) == [
        (BUCKET_URN, "it has no bucket policy, so it has no statement denying aws:SecureTransport false; add one for "
                     "the bucket and its objects")
    ]


def test_bucket_controls_found_through_dependencies_at_preview() -> None:
    bucket, *controls = s3_bucket()
    late = [stack_resource(c.resource_type, {**dict(c.props), "bucket": UNKNOWN}, name=c.name, preview=True,
                           depends={"bucket": [bucket]}) for c in controls]
    for policy in (require_customer_managed_keys.POLICY, deny_public_buckets.POLICY, require_tls_only.POLICY):
        assert findings(policy, [bucket, *late]) == []


TAGS = require_cost_tags.POLICY
TAG_CONFIG = {"requiredTags": ["team", "environment", "cost-center", "data-classification"]}
ALL_TAGS = {"team": "ml-platform", "environment": "test", "cost-center": "CC-1042", "data-classification": "internal"}


def test_tagged_resources_pass() -> None:
    assert messages(TAGS, resource_args("aws:s3/bucket:Bucket", {"tags": ALL_TAGS}, TAG_CONFIG)) == []
    labels = {"resourceLabels": ALL_TAGS}
    assert messages(TAGS, resource_args("gcp:container/cluster:Cluster", labels, TAG_CONFIG, region="europe-west4")) == []


def test_missing_tags_fail() -> None:
    args = resource_args("aws:eks/nodeGroup:NodeGroup", {"tags": {"team": "ml-platform", "environment": ""}}, TAG_CONFIG)
    assert messages(TAGS, args) == [
        "tags lacks environment, cost-center, data-classification; set them (skyweave's program stamps them on "
        "every resource)"
    ]


def test_provider_default_tags_count_on_aws() -> None:
    from policy_helpers import provider

    tagged = provider("aws", "eu-west-1", defaultTags={"tags": ALL_TAGS})
    assert messages(TAGS, resource_args("aws:s3/bucket:Bucket", {}, TAG_CONFIG, the_provider=tagged)) == []


def test_untaggable_types_are_not_judged() -> None:
    assert messages(TAGS, resource_args("aws:iam/rolePolicy:RolePolicy", {"policy": "{}"}, TAG_CONFIG)) == []
    assert messages(TAGS, resource_args("kubernetes:core/v1:Namespace", {}, TAG_CONFIG)) == []


IMDS = require_imdsv2.POLICY
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def test_imdsv2_required_passes() -> None:
    options = {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}}
    assert messages(IMDS, resource_args(TEMPLATE, options, {"maxHopLimit": 2})) == []
    pool = {"nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}}}
    assert messages(IMDS, resource_args("gcp:container/nodePool:NodePool", pool, region="europe-west4")) == []


def test_imdsv1_allowed_fails() -> None:
    options = {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "optional", "httpPutResponseHopLimit": 3}}
    assert messages(IMDS, resource_args(TEMPLATE, options, {"maxHopLimit": 2})) == [
        "metadataOptions.httpTokens is not `required`, so IMDSv1 answers; set it to required",
        "metadataOptions.httpPutResponseHopLimit 3 lets containers reach IMDS; use at most 2",
    ]


def test_node_group_without_launch_template_and_gke_pool_without_metadata_server_fail() -> None:
    assert messages(IMDS, resource_args("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["g5.xlarge"]})) == [
        "has no launch template, so IMDSv2 cannot be required; give it one with http_tokens required"
    ]
    pool = {"nodeConfig": {"workloadMetadataConfig": {"mode": "GCE_METADATA"}}}
    assert messages(IMDS, resource_args("gcp:container/nodePool:NodePool", pool, region="europe-west4")) == [
        "nodeConfig.workloadMetadataConfig.mode is 'GCE_METADATA'; set it to GKE_METADATA"
    ]


ENDPOINT = require_private_cluster_endpoint.POLICY


def test_private_clusters_pass() -> None:
    eks = {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}}
    assert messages(ENDPOINT, resource_args("aws:eks/cluster:Cluster", eks)) == []
    restricted = {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}}
    assert messages(ENDPOINT, resource_args("aws:eks/cluster:Cluster", restricted)) == []
    gke = {"privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True}}
    assert messages(ENDPOINT, resource_args("gcp:container/cluster:Cluster", gke, region="europe-west4")) == []


def test_public_cluster_endpoints_fail() -> None:
    eks = {"vpcConfig": {"endpointPrivateAccess": True}}
    assert messages(ENDPOINT, resource_args("aws:eks/cluster:Cluster", eks)) == [
        "vpcConfig makes the API endpoint public to the internet; set endpointPublicAccess false or list "
        "publicAccessCidrs without 0.0.0.0/0"
    ]
    gke = {"privateClusterConfig": {"enablePrivateNodes": False},
           "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]}}
    assert messages(ENDPOINT, resource_args("gcp:container/cluster:Cluster", gke, region="europe-west4")) == [
        "privateClusterConfig.enablePrivateNodes is not true; nodes get public IPs",
        "the API endpoint is public to the internet; set privateClusterConfig.enablePrivateEndpoint or list "
        "masterAuthorizedNetworksConfig.cidrBlocks without 0.0.0.0/0",
    ]


SECRETS = deny_inline_secrets.POLICY
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def deployment(*env: dict) -> object:
    containers = [{"name": "litellm", "image": "ghcr.io/berriai/litellm:v1.106.2", "env": list(env)}]
    return resource_args(DEPLOYMENT, {"spec": {"template": {"spec": {"containers": containers}}}})


def test_secrets_by_reference_pass() -> None:
    args = deployment(
        {"name": "LITELLM_MASTER_KEY", "valueFrom": {"secretKeyRef": {"name": "gateway", "key": "master"}}},
        {"name": "LITELLM_LOG", "value": "INFO"},
    )
    assert messages(SECRETS, args) == []
    config = "general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\nrouter_settings:\n  num_retries: 2\n"
    assert messages(SECRETS, resource_args("kubernetes:core/v1:ConfigMap", {"data": {"config.yaml": config}})) == []


def test_inline_secret_env_values_fail() -> None:
    args = deployment(
        {"name": "OPENAI_API_KEY", "value": "not-a-real-key"},
        {"name": "UPSTREAM", "value": "sk-proj-abcdefghijklmnopqrstuvwx"},
        {"name": "DB", "value": "[secret]"},
    )
    assert messages(SECRETS, args) == [
        "containers 'litellm' env OPENAI_API_KEY names a secret but sets its value inline; use valueFrom.secretKeyRef",
        "containers 'litellm' env UPSTREAM holds what looks like a credential; use valueFrom.secretKeyRef",
        "containers 'litellm' env DB takes a secret value inline; use valueFrom.secretKeyRef",
    ]


def test_secrets_in_a_config_map_fail() -> None:
    config = "general_settings:\n  master_key: sk-1234\nmodel_list: []\n"
    args = resource_args("kubernetes:core/v1:ConfigMap", {"data": {"config.yaml": config}})
    assert messages(SECRETS, args) == [
        "data['config.yaml'] sets master_key inline; reference it (os.environ/NAME) instead"
    ]
    leaked = resource_args("kubernetes:core/v1:ConfigMap", {"data": {"env": "AWS_KEY=AKIAABCDEFGHIJKLMNOP"}})
    assert messages(SECRETS, leaked) == [
        "data['env'] holds what looks like a credential; reference it (os.environ/NAME) instead"
    ]


PROTECTION = require_protection.POLICY


def test_protected_stateful_resources_pass() -> None:
    assert messages(PROTECTION, resource_args("aws:s3/bucket:Bucket", {"bucket": "data"}, protect=True)) == []
    key = {"enableKeyRotation": True, "deletionWindowInDays": 30}
    assert messages(PROTECTION, resource_args("aws:kms/key:Key", key, {"minKeyDeletionWindowDays": 30})) == []


def test_unprotected_or_force_destroyed_bucket_fails() -> None:
    assert messages(PROTECTION, resource_args("gcp:storage/bucket:Bucket", {"forceDestroy": True}, region="europe-west4")) == [
        "is not protected; create it with protect=True so no deploy can delete it",
        "has forceDestroy set, which deletes all its data with it; remove force_destroy",
    ]


def test_key_with_a_short_deletion_window_fails() -> None:
    args = resource_args("aws:kms/key:Key", {"deletionWindowInDays": 7}, {"minKeyDeletionWindowDays": 30})
    assert messages(PROTECTION, args) == [
        "is not protected and its deletion window is 7 days; set protect=True or deletion_window_in_days to at least 30"
    ]
