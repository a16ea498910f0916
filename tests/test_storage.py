"""Region-locked storage as a platform team sees it in the plan: buckets with every control checkov looks
for, keys, access and audit logs, replicas inside the residency, costs, and the refusals (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skyweave import mock_outputs
from skyweave.cli import app
from skyweave.pipeline import plan_stack
from tests.conftest import BASE_STACK, Planned, write_stack

BUCKET = "aws:s3/bucket:Bucket"
GCS = "gcp:storage/bucket:Bucket"
ACCOUNT = mock_outputs.PLAN_ACCOUNT
TWO_EU_REGIONS = {"jurisdictions": ["eu"], "regions": ["eu-west-1", "eu-central-1"]}
GCP = {
    "clouds": ["gcp"],
    "gcp_project": "ml-test-418201",
    "residency": {"jurisdictions": ["eu"], "regions": ["europe-west4", "europe-west1"]},
    "budget": {"monthly_cap_usd": 5000, "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"},
}


def key_arn(name: str, region: str) -> str:
    """The ARN the plan gives the KMS key of that Pulumi name."""
    return mock_outputs.COMPUTED["aws:kms/key:Key"](name, {}, region)["arn"]


def s3_name(prefix: str, region: str) -> str:
    return f"{prefix}-{ACCOUNT}-{region}-an"


def settings(plan: Planned, type_suffix: str, physical: str) -> list[dict]:
    """Inputs of the S3 sub-resources of that type (`bucketPolicy:BucketPolicy`, ...) for one bucket name."""
    return [r.inputs for r in plan.resources if r.type.endswith(type_suffix) and r.inputs.get("bucket") == physical]


def on(plan: Planned, type_suffix: str, bucket: str) -> dict:
    """Inputs of the one sub-resource of that type for the bucket of that Pulumi name."""
    [found] = settings(plan, type_suffix, plan.one(BUCKET, bucket).inputs["bucket"])
    return found


def refused(tmp_path: Path, overrides: dict) -> list[str]:
    """`field: message` of each error `skyweave plan` prints, after checking that it exits with code 2."""
    path = write_stack(tmp_path, {**BASE_STACK, **overrides})
    result = CliRunner().invoke(app, ["plan", str(path)])
    assert result.exit_code == 2, result.output
    return [line.split(": ", 2)[2] for line in result.output.splitlines() if line.startswith(f"error: {path}:")]


@pytest.fixture(scope="module")
def aws_plan(tmp_path_factory) -> Planned:
    """A confidential model bucket replicated to Frankfurt, next to an internal one with Object Lock."""
    stack = {
        **BASE_STACK,
        "residency": TWO_EU_REGIONS,
        "home_regions": {"aws": "eu-west-1"},
        "storage": [
            {"name": "models", "classification": "confidential", "size_gb": 500, "replication_regions": ["eu-central-1"],
             "cold_after_days": 90},
            {"name": "training-data", "retention_days": 30, "object_lock": "compliance"},
        ],
    }
    return Planned(plan_stack(write_stack(tmp_path_factory.mktemp("aws"), stack)))


def test_s3_bucket_is_region_locked_named_in_the_account_regional_namespace_and_protected(aws_plan):
    bucket = aws_plan.one(BUCKET, "test-eu-models")
    assert (bucket.cloud, bucket.region, bucket.provider.rsplit("::", 1)[-1]) == ("aws", "eu-west-1", "aws-eu-west-1")
    assert bucket.inputs["bucket"] == s3_name("test-eu-models", "eu-west-1")
    assert bucket.inputs["bucketNamespace"] == "account-regional"
    assert (bucket.protect, bucket.retain_on_delete) == (True, True)
    assert "forceDestroy" not in bucket.inputs
    assert bucket.inputs["tags"]["data-classification"] == "confidential"


def test_s3_bucket_blocks_public_access_enforces_ownership_and_versions(aws_plan):
    assert on(aws_plan, "bucketPublicAccessBlock:BucketPublicAccessBlock", "test-eu-models") == {
        "bucket": s3_name("test-eu-models", "eu-west-1"),
        "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True,
    }
    ownership = on(aws_plan, "bucketOwnershipControls:BucketOwnershipControls", "test-eu-models")
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    versioning = on(aws_plan, "bucketVersioning:BucketVersioning", "test-eu-models")
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}


def test_s3_bucket_is_encrypted_with_the_regions_own_rotated_key_and_a_bucket_key(aws_plan):
    key = aws_plan.one("aws:kms/key:Key", "test-eu-aws-eu-west-1-storage-key")
    assert key.region == "eu-west-1"
    assert (key.inputs["enableKeyRotation"], key.inputs["multiRegion"]) == (True, False)
    assert key.inputs["deletionWindowInDays"] == 30
    assert (key.protect, key.retain_on_delete) == (True, True)
    encryption = on(aws_plan, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "test-eu-models")
    assert encryption["rules"] == [{
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                               "kmsMasterKeyId": key_arn(key.name, "eu-west-1")},
        "bucketKeyEnabled": True,
        "blockedEncryptionTypes": ["SSE-C"],
    }]


def test_s3_bucket_policy_refuses_plain_http_old_tls_and_other_encryption(aws_plan):
    policy = json.loads(on(aws_plan, "bucketPolicy:BucketPolicy", "test-eu-models")["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"DenyInsecureTransport", "DenyOldTls", "DenyOtherEncryption", "DenyOtherKeys"}
    assert all(s["Effect"] == "Deny" for s in statements.values())
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["DenyOldTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    assert statements["DenyOtherEncryption"]["Condition"] == {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}
    }
    assert statements["DenyOtherKeys"]["Condition"]["StringNotEqualsIfExists"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn("test-eu-aws-eu-west-1-storage-key", "eu-west-1")
    }


def test_s3_access_logs_go_to_a_log_bucket_in_the_same_region(aws_plan):
    logging = on(aws_plan, "bucketLogging:BucketLogging", "test-eu-models")
    assert logging["targetBucket"] == s3_name("test-eu-access-logs", "eu-west-1")
    assert logging["targetPrefix"] == "test-eu-models/"
    log_bucket = aws_plan.one(BUCKET, "test-eu-access-logs-eu-west-1")
    assert log_bucket.region == "eu-west-1" and log_bucket.protect
    # S3 delivers access logs as the logging service; the log bucket's policy lets only it write, for this account.
    log_policy = json.loads(on(aws_plan, "bucketPolicy:BucketPolicy", "test-eu-access-logs-eu-west-1")["policy"])
    delivery = next(s for s in log_policy["Statement"] if s["Sid"] == "ServerAccessLogDelivery")
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_s3_lifecycle_moves_objects_and_old_versions_to_glacier_instant_retrieval(aws_plan):
    rules = {r["id"]: r for r in on(aws_plan, "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                                   "test-eu-models")["rules"]}
    assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert rules["colder-storage"]["transitions"] == [{"days": 90, "storageClass": "GLACIER_IR"}]
    assert rules["colder-storage"]["noncurrentVersionTransitions"] == [{"noncurrentDays": 90, "storageClass": "GLACIER_IR"}]


def test_object_lock_keeps_every_version_for_the_retention_days(aws_plan):
    bucket = aws_plan.one(BUCKET, "test-eu-training-data")
    assert bucket.inputs["objectLockEnabled"] is True
    lock = on(aws_plan, "bucketObjectLockConfiguration:BucketObjectLockConfiguration", "test-eu-training-data")
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}
    assert "objectLockEnabled" not in aws_plan.one(BUCKET, "test-eu-models").inputs


def test_a_bucket_without_its_own_classification_carries_the_stacks(aws_plan):
    assert aws_plan.one(BUCKET, "test-eu-training-data").inputs["tags"]["data-classification"] == "internal"


def test_replica_lives_in_an_allowed_region_under_that_regions_key(aws_plan):
    replica = aws_plan.one(BUCKET, "test-eu-models-replica-eu-central-1")
    assert (replica.region, replica.inputs["bucket"]) == ("eu-central-1", s3_name("test-eu-models", "eu-central-1"))
    assert (replica.protect, replica.retain_on_delete) == (True, True)
    frankfurt_key = key_arn("test-eu-aws-eu-central-1-storage-key", "eu-central-1")
    replication = on(aws_plan, "bucketReplicationConfig:BucketReplicationConfig", "test-eu-models")
    [rule] = replication["rules"]
    assert rule["destination"] == {
        "bucket": f"arn:aws:s3:::{s3_name('test-eu-models', 'eu-central-1')}",
        "encryptionConfiguration": {"replicaKmsKeyId": frankfurt_key},
    }
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    role_policy = json.loads(aws_plan.one("aws:iam/rolePolicy:RolePolicy", "test-eu-models-replication").inputs["policy"])
    encrypt = next(s for s in role_policy["Statement"] if "kms:Encrypt" in s["Action"])
    assert encrypt["Resource"] == frankfurt_key
    assert encrypt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}}


def test_confidential_data_gets_an_immutable_audit_log_bucket_and_a_regional_trail(aws_plan):
    audit = aws_plan.one(BUCKET, "test-eu-audit-logs-eu-west-1")
    assert audit.inputs["objectLockEnabled"] is True
    assert audit.inputs["tags"]["data-classification"] == "confidential"
    lock = on(aws_plan, "bucketObjectLockConfiguration:BucketObjectLockConfiguration", "test-eu-audit-logs-eu-west-1")
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}
    trails = {t.region: t.inputs for t in aws_plan.of_type("aws:cloudtrail/trail:Trail")}
    assert set(trails) == {"eu-west-1", "eu-central-1"}
    trail = trails["eu-west-1"]
    assert (trail["isMultiRegionTrail"], trail["enableLogFileValidation"]) == (False, True)
    assert trail["s3BucketName"] == s3_name("test-eu-audit-logs", "eu-west-1")
    assert trail["kmsKeyId"] == key_arn("test-eu-aws-eu-west-1-storage-key", "eu-west-1")
    # Only the confidential bucket is audited; the internal one is not, and neither is the audit bucket itself.
    assert trail["advancedEventSelectors"][0]["fieldSelectors"][2] == {
        "field": "resources.ARN", "startsWiths": [f"arn:aws:s3:::{s3_name('test-eu-models', 'eu-west-1')}/"],
    }


def test_every_s3_bucket_in_the_plan_has_the_whole_baseline(aws_plan):
    required = ["PublicAccessBlock", "OwnershipControls", "ServerSideEncryptionConfiguration", "Policy",
                "LifecycleConfiguration", "Versioning"]
    buckets = aws_plan.of_type(BUCKET)
    assert len(buckets) == 7  # models, replica, training-data; access and audit logs in both regions
    for bucket in buckets:
        physical = bucket.inputs["bucket"]
        assert [kind for kind in required if len(settings(aws_plan, f":Bucket{kind}", physical)) != 1] == [], bucket.name
        logged = settings(aws_plan, ":BucketLogging", physical)
        assert len(logged) == (0 if "access-logs" in bucket.name else 1), bucket.name  # a log bucket does not log itself


def test_storage_costs_gb_months_at_the_regions_price_plus_keys_and_log_buckets(aws_plan):
    assert aws_plan.one(BUCKET, "test-eu-models").monthly_usd == pytest.approx(500 * 0.023)
    assert aws_plan.one(BUCKET, "test-eu-models-replica-eu-central-1").monthly_usd == pytest.approx(500 * 0.0245)
    assert aws_plan.one(BUCKET, "test-eu-training-data").monthly_usd == pytest.approx(100 * 0.023)
    assert aws_plan.one(BUCKET, "test-eu-access-logs-eu-west-1").monthly_usd == pytest.approx(5 * 0.023)
    assert aws_plan.one("aws:kms/key:Key", "test-eu-aws-eu-central-1-storage-key").monthly_usd == 1.0


@pytest.fixture(scope="module")
def gcp_plan(tmp_path_factory) -> Planned:
    stack = {
        **BASE_STACK, **GCP,
        "storage": [
            {"name": "weights", "region": "europe-west4", "size_gb": 200},
            {"name": "prompts", "region": "europe-west4", "classification": "restricted",
             "replication_regions": ["europe-west1"], "retention_days": 365, "object_lock": "compliance",
             "soft_delete_days": 30},
        ],
    }
    return Planned(plan_stack(write_stack(tmp_path_factory.mktemp("gcp"), stack)))


def test_gcs_bucket_has_uniform_access_no_public_access_versions_cmek_and_logs(gcp_plan):
    bucket = gcp_plan.one(GCS, "test-eu-weights")
    ring = "projects/ml-test-418201/locations/europe-west4/keyRings/test-eu-storage"
    assert bucket.inputs["name"] == "ml-test-418201-test-eu-weights"
    assert bucket.inputs["location"] == "EUROPE-WEST4"
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    assert bucket.inputs["encryption"] == {"defaultKmsKeyName": f"{ring}/cryptoKeys/storage"}
    assert bucket.inputs["softDeletePolicy"] == {"retentionDurationSeconds": 7 * 86400}
    assert bucket.inputs["logging"] == {"logBucket": "ml-test-418201-test-eu-access-logs-europe-west4",
                                        "logObjectPrefix": "ml-test-418201-test-eu-weights"}
    assert "forceDestroy" not in bucket.inputs and (bucket.protect, bucket.retain_on_delete) == (True, True)
    assert bucket.inputs["labels"]["data-classification"] == "internal"


def test_gcs_key_sits_in_the_buckets_location_rotates_and_the_storage_agent_may_use_it(gcp_plan):
    ring = gcp_plan.one("gcp:kms/keyRing:KeyRing", "test-eu-gcp-europe-west4-storage-key")
    key = gcp_plan.one("gcp:kms/cryptoKey:CryptoKey", "test-eu-gcp-europe-west4-storage-key-key")
    assert ring.inputs["location"] == "europe-west4" and ring.protect and key.protect
    assert key.inputs["rotationPeriod"] == "7776000s"
    grant = gcp_plan.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "test-eu-gcp-europe-west4-storage-key-storage-agent")
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.inputs["member"] == f"serviceAccount:service-{mock_outputs.PLAN_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com"


def test_gcs_dual_region_stays_in_the_eu_with_its_key_in_the_eu_multi_region(gcp_plan):
    bucket = gcp_plan.one(GCS, "test-eu-prompts")
    assert bucket.inputs["location"] == "EU"
    assert bucket.inputs["customPlacementConfig"] == {"dataLocations": ["EUROPE-WEST4", "EUROPE-WEST1"]}
    assert gcp_plan.one("gcp:kms/keyRing:KeyRing", "test-eu-gcp-europe-storage-key").inputs["location"] == "europe"
    assert bucket.inputs["encryption"]["defaultKmsKeyName"].startswith("projects/ml-test-418201/locations/europe/")


def test_gcs_retention_is_a_locked_policy_instead_of_versions(gcp_plan):
    bucket = gcp_plan.one(GCS, "test-eu-prompts")
    assert bucket.inputs["retentionPolicy"] == {"retentionPeriod": str(365 * 86400), "isLocked": True}
    assert bucket.inputs["versioning"] == {"enabled": False}
    assert bucket.inputs["softDeletePolicy"] == {"retentionDurationSeconds": 30 * 86400}


def test_gcs_restricted_data_is_audited_into_a_locked_bucket_through_a_log_sink(gcp_plan):
    audit = gcp_plan.one(GCS, "test-eu-audit-logs-europe-west4")
    assert audit.inputs["retentionPolicy"] == {"retentionPeriod": str(365 * 86400), "isLocked": True}
    assert audit.inputs["logging"]["logBucket"] == "ml-test-418201-test-eu-access-logs-europe-west4"
    sink = gcp_plan.one("gcp:logging/projectSink:ProjectSink")
    assert sink.inputs["destination"] == "storage.googleapis.com/ml-test-418201-test-eu-audit-logs-europe-west4"
    assert sink.inputs["filter"] == (
        'logName="projects/ml-test-418201/logs/cloudaudit.googleapis.com%2Fdata_access" '
        'AND resource.type="gcs_bucket" AND (resource.labels.bucket_name="ml-test-418201-test-eu-prompts")'
    )
    writer = [m for m in gcp_plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
              if m.inputs["bucket"] == audit.inputs["name"]]
    assert [(m.inputs["role"], m.inputs["member"]) for m in writer] == [
        ("roles/storage.objectCreator", f"serviceAccount:service-{mock_outputs.PLAN_PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com")
    ]
    audit_config = gcp_plan.one("gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert audit_config.inputs["service"] == "storage.googleapis.com"
    assert audit_config.inputs["auditLogConfigs"] == [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]


def test_gcs_usage_logs_are_written_by_googles_analytics_group_only(gcp_plan):
    writers = [m.inputs for m in gcp_plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
               if m.inputs["bucket"] == "ml-test-418201-test-eu-access-logs-europe-west4"]
    assert writers == [{"bucket": "ml-test-418201-test-eu-access-logs-europe-west4",
                        "role": "roles/storage.objectCreator", "member": "group:cloud-storage-analytics@google.com"}]


def test_gcs_costs_by_class_and_location_a_dual_region_as_two_copies(gcp_plan):
    assert gcp_plan.one(GCS, "test-eu-weights").monthly_usd == pytest.approx(200 * 0.02)
    assert gcp_plan.one(GCS, "test-eu-prompts").monthly_usd == pytest.approx(100 * (0.02 + 0.02))


def test_replication_out_of_the_residency_is_refused_before_anything_is_planned(tmp_path):
    storage = [{"name": "models", "replication_regions": ["us-east-1"]}]
    assert refused(tmp_path, {"storage": storage}) == [
        "storage[0].replication_regions[0]: no copy may leave the residency: region 'us-east-1' is outside the "
        "stack's residency; allowed aws regions: eu-west-1"
    ]


def test_a_bucket_region_outside_the_residency_is_refused(tmp_path):
    assert refused(tmp_path, {"storage": [{"name": "models", "region": "eu-west-2"}]}) == [
        "storage[0].region: region 'eu-west-2' is outside the stack's residency (did you mean 'eu-west-1'?); "
        "allowed aws regions: eu-west-1"
    ]


def test_a_dual_region_across_jurisdictions_is_refused(tmp_path):
    stack = {**GCP, "residency": {"jurisdictions": ["eu", "uk"], "regions": ["europe-west4", "europe-west2"]},
             "storage": [{"name": "prompts", "region": "europe-west4", "replication_regions": ["europe-west2"]}]}
    assert refused(tmp_path, stack) == [
        "storage[0].replication_regions[0]: a dual-region of europe-west4 and europe-west2 needs both in the EU or "
        "both in the US (its encryption key lives in that multi-region)"
    ]


@pytest.mark.parametrize(("bucket", "message"), [
    ({"object_lock": "compliance"}, "storage[0]: object_lock compliance needs retention_days"),
    ({"retention_days": 30, "versioning": False},
     "storage[0].versioning: S3 Object Lock and replication work on object versions: leave versioning on"),
    ({"region": "eu-west-1", "replication_regions": ["eu-west-1"]},
     "storage[0]: replication_regions repeats the bucket's own region eu-west-1"),
    ({"soft_delete_days": 3}, "storage[0].soft_delete_days: Input should be greater than or equal to 7; given 3"),
])
def test_inconsistent_bucket_settings_are_refused(tmp_path, bucket, message):
    assert refused(tmp_path, {"storage": [{"name": "models", **bucket}]}) == [message]


def test_each_aws_provider_asks_for_its_account_once(plan_of, monkeypatch) -> None:
    """Keys, buckets, roles and the budget all name their account; a deploy asks STS once per region for it."""
    token = "aws:index/getCallerIdentity:getCallerIdentity"
    answer, asked = mock_outputs.INVOKES[token], []
    monkeypatch.setitem(mock_outputs.INVOKES, token, lambda args: asked.append(args) or answer(args))
    plan = plan_of({
        "residency": TWO_EU_REGIONS,
        "storage": [{"name": f"data-{i}", "region": region}
                    for i, region in enumerate(["eu-west-1", "eu-central-1", "eu-west-1", "eu-central-1"])],
    })
    assert {r.region for r in plan.resources if r.type == BUCKET} == {"eu-west-1", "eu-central-1"}
    assert len(asked) == 2
    assert {r.inputs["bucket"] for r in plan.resources if r.type == BUCKET} >= {
        s3_name(f"test-eu-data-{i}", region) for i, region in enumerate(["eu-west-1", "eu-central-1"] * 2)}
