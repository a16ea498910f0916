"""S3 side of compliant storage: region keys, hardened buckets, access and audit logs, replication.

Buckets live in the account-regional namespace (`<prefix>-<account>-<region>-an`), so names are
predictable, no other account can take them, and the region is part of every name. Every bucket gets
the same hardening; data buckets add their retention, lifecycle and replication on top.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from components.aws_account import account_id
from components.compliant_storage import (
    AUDIT_RETENTION_DAYS,
    CompliantBucketArgs,
    StorageKeyArgs,
    StorageLogsArgs,
    log_bucket_logical_name,
    physical_name,
    protected,
)

Grants = Callable[[str, str], list[dict]]
"""(bucket ARN, account) → extra bucket-policy statements for the services that write into it."""


def s3_bucket_name(prefix: str, account: str, region: str) -> str:
    """Physical name of a bucket in the account-regional namespace (at most 63 characters)."""
    suffix = f"-{account}-{region}-an"
    return physical_name(prefix, limit=63 - len(suffix)) + suffix


def service_role(name: str, service: str, description: str, child: pulumi.ResourceOptions) -> aws.iam.Role:
    """A role that only the given AWS service, acting for this account, may assume."""
    return aws.iam.Role(
        name,
        description=description,
        assume_role_policy=account_id(child).apply(lambda acct: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"aws:SourceAccount": acct}}}],
        })),
        opts=child,
    )


def storage_key(name: str, args: StorageKeyArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    account = account_id(child)
    key = aws.kms.Key(
        name,
        description=f"Encrypts the {args.stack_name} buckets in {args.location}",
        enable_key_rotation=True,
        multi_region=False,  # a multi-Region key copies key material out of the region
        deletion_window_in_days=30,
        policy=account.apply(lambda acct: json.dumps(_key_policy(acct))),
        opts=protected(child),
    )
    aws.kms.Alias(f"{name}-alias", name=f"alias/skyweave/{args.stack_name}/storage", target_key_id=key.key_id,
                  opts=child)
    return key.arn


def _key_policy(account: str) -> dict:
    own_account = {"StringEquals": {"aws:SourceAccount": account}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "ServerAccessLogDelivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "kms:GenerateDataKey", "Resource": "*", "Condition": own_account},
            {"Sid": "CloudTrailEncryptsAuditLogs", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
             "Condition": {**own_account, "StringLike": {
                 "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"}}},
        ],
    }


def storage_logs(
    name: str, args: StorageLogsArgs, child: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str] | None]:
    account, stack, region = account_id(child), args.stack_name, args.region
    logs, _ = _hardened(
        log_bucket_logical_name(stack, "access-logs", region), (stack, "access-logs"), region, args.key_id, child,
        classification=args.classification,
        grants=lambda arn, acct: [
            _service_put("ServerAccessLogDelivery", "logging.s3.amazonaws.com", f"{arn}/*", acct)
        ],
        cold_after_days=90,
    )
    if not args.audited_buckets:
        return logs.bucket, None
    trail_name = f"{stack}-storage-audit"
    audit, policy = _hardened(
        log_bucket_logical_name(stack, "audit-logs", region), (stack, "audit-logs"), region, args.key_id, child,
        classification=args.classification,
        log_bucket=logs.bucket,
        lock=("compliance", AUDIT_RETENTION_DAYS),
        grants=lambda arn, acct: _cloudtrail_grants(
            arn, acct, f"arn:aws:cloudtrail:{region}:{acct}:trail/{trail_name}"
        ),
        cold_after_days=90,
    )
    audited = account.apply(lambda acct: [
        f"arn:aws:s3:::{s3_bucket_name(physical_name(args.stack_name, purpose), acct, args.region)}/"
        for purpose in args.audited_buckets
    ])
    aws.cloudtrail.Trail(
        f"{name}-trail",
        name=trail_name,
        s3_bucket_name=audit.bucket,
        s3_key_prefix="cloudtrail",
        kms_key_id=args.key_id,
        enable_log_file_validation=True,
        is_multi_region_trail=False,  # a regional trail keeps the region's audit records in the region
        include_global_service_events=False,
        advanced_event_selectors=[{
            "name": "Reads and writes of the region's data buckets",
            "field_selectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "starts_withs": audited},
            ],
        }],
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[policy])),
    )
    return logs.bucket, audit.bucket


def _service_put(sid: str, service: str, resource: str, account: str, **condition: dict) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": service}, "Action": "s3:PutObject",
            "Resource": resource, "Condition": {"StringEquals": {"aws:SourceAccount": account}, **condition}}


def _cloudtrail_grants(arn: str, account: str, trail_arn: str) -> list[dict]:
    from_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
    logs = f"{arn}/cloudtrail/AWSLogs/{account}/*"
    write = _service_put("CloudTrailWrites", "cloudtrail.amazonaws.com", logs, account)
    write["Condition"] = {"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}}
    return [
        {"Sid": "CloudTrailChecksAcl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": from_trail},
        write,
    ]


def _hardened(
    name: str,
    prefix: tuple[str, ...],
    region: str,
    key_arn: pulumi.Input[str],
    child: pulumi.ResourceOptions,
    *,
    classification: str | None = None,
    log_bucket: pulumi.Input[str] | None = None,
    versioning: bool = True,
    lock: tuple[str, int] | None = None,
    cold_after_days: int | None = None,
    grants: Grants = lambda arn, account: [],
) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
    """A bucket with every control skyweave requires; returns it and its policy."""
    account = account_id(child)
    bucket = aws.s3.Bucket(
        name,
        bucket=account.apply(lambda acct: s3_bucket_name(physical_name(*prefix), acct, region)),
        bucket_namespace="account-regional",
        object_lock_enabled=True if lock else None,
        tags={"data-classification": classification} if classification else None,
        opts=protected(child),
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=child,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
            "bucket_key_enabled": True,  # one data key per bucket instead of per object: far fewer KMS calls
            "blocked_encryption_types": ["SSE-C"],
        }],
        opts=child,
    )
    policy = aws.s3.BucketPolicy(
        f"{name}-policy",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, key_arn, account).apply(
            lambda v: json.dumps(
                {"Version": "2012-10-17", "Statement": _baseline_statements(v[0], v[1]) + grants(v[0], v[2])}
            )
        ),
        opts=child,
    )
    after_versions = child
    if versioning:
        versions = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
        )
        after_versions = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[versions]))
    if log_bucket is not None:
        aws.s3.BucketLogging(
            f"{name}-logging", bucket=bucket.id, target_bucket=log_bucket, target_prefix=f"{physical_name(*prefix)}/",
            target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}}, opts=child,
        )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle", bucket=bucket.id, rules=_lifecycle(cold_after_days, versioning), opts=after_versions
    )
    if lock:
        mode, days = lock
        aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock", bucket=bucket.id,
            rule={"default_retention": {"mode": mode.upper(), "days": days}}, opts=after_versions,
        )
    return bucket, policy


def _baseline_statements(arn: str, key_arn: str) -> list[dict]:
    everyone = {"AWS": "*"}
    return [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": everyone, "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": everyone, "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        # Uploads without encryption headers get the bucket's default key; any other encryption is refused.
        {"Sid": "DenyOtherEncryption", "Effect": "Deny", "Principal": everyone, "Action": "s3:PutObject",
         "Resource": f"{arn}/*",
         "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
        {"Sid": "DenyOtherKeys", "Effect": "Deny", "Principal": everyone, "Action": "s3:PutObject",
         "Resource": f"{arn}/*",
         "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}},
    ]


def _lifecycle(cold_after_days: int | None, versioning: bool) -> list[dict]:
    everything = {"prefix": ""}
    rules = [{"id": "abort-incomplete-uploads", "status": "Enabled", "filter": everything,
              "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}]
    if cold_after_days:
        colder = {"id": "colder-storage", "status": "Enabled", "filter": everything,
                  "transitions": [{"days": cold_after_days, "storage_class": "GLACIER_IR"}]}
        if versioning:
            colder["noncurrent_version_transitions"] = [
                {"noncurrent_days": cold_after_days, "storage_class": "GLACIER_IR"}
            ]
        rules.append(colder)
    return rules


def data_bucket(
    name: str, args: CompliantBucketArgs, child: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    bucket, _ = _hardened(
        name, (args.stack_name, args.purpose), args.region, args.key_id, child,
        classification=args.classification,
        log_bucket=args.log_bucket,
        versioning=args.versioning,
        lock=(args.object_lock, args.retention_days) if args.retention_days else None,
        cold_after_days=args.cold_after_days,
    )
    if args.replica is not None:
        _replicate(name, args, bucket, child)
    return bucket.bucket, bucket.arn


def _replicate(name: str, args: CompliantBucketArgs, bucket: aws.s3.Bucket, child: pulumi.ResourceOptions) -> None:
    replica = args.replica
    role = service_role(f"{name}-replication", "s3.amazonaws.com",
                        f"S3 replicates {args.purpose} of {args.stack_name} to {replica.region}", child)
    aws.iam.RolePolicy(
        f"{name}-replication",
        role=role.id,
        policy=pulumi.Output.all(bucket.arn, replica.bucket_arn, args.key_id, replica.key_id).apply(
            lambda v: json.dumps(_replication_policy(*v, args.region, replica.region))
        ),
        opts=child,
    )
    aws.s3.BucketReplicationConfig(
        f"{name}-replication",
        bucket=bucket.id,
        role=role.arn,
        rules=[{
            "id": f"copy-to-{replica.region}",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "delete_marker_replication": {"status": "Enabled"},
            "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
            "destination": {"bucket": replica.bucket_arn,
                            "encryption_configuration": {"replica_kms_key_id": replica.key_id}},
        }],
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[role])),
    )


def _replication_policy(
    source: str, target: str, source_key: str, target_key: str, source_region: str, target_region: str
) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source},
            {"Effect": "Allow", "Resource": f"{source}/*", "Action": [
                "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention", "s3:GetObjectLegalHold"]},
            {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
             "Resource": f"{target}/*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": source_key,
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}}},
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": target_key,
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{target_region}.amazonaws.com"}}},
        ],
    }
