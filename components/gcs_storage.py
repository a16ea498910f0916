"""Cloud Storage side of compliant storage: CMEK key rings, hardened buckets, usage and audit logs.

GCS bucket names are global; the project ID in every name keeps them unique and readable. A bucket's
key lives in the bucket's own location (a region, or the multi-region holding a dual-region pair).
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.compliant_storage import (
    AUDIT_RETENTION_DAYS,
    CompliantBucketArgs,
    StorageKeyArgs,
    StorageLogsArgs,
    log_bucket_logical_name,
    physical_name,
    protected,
)
from components.gcp_kms import granted_key

DAY_SECONDS = 86_400
USAGE_LOG_WRITER = "group:cloud-storage-analytics@google.com"  # Google's usage-log delivery identity


def gcs_bucket_name(project: str, stack_name: str, purpose: str) -> str:
    """Physical name of a stack bucket; the project ID makes it globally unique."""
    return physical_name(project, stack_name, purpose)


def storage_key(name: str, args: StorageKeyArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    agent = gcp.storage.get_project_service_account_output(
        project=args.gcp_project, opts=pulumi.InvokeOptions(parent=child.parent)
    )
    return granted_key(
        ring=(name, f"{args.stack_name}-storage"),
        key=(f"{name}-key", "storage"),
        grant=f"{name}-storage-agent",
        location=args.location,
        project=args.gcp_project,
        agent=agent.email_address.apply(lambda email: f"serviceAccount:{email}"),
        key_opts=protected(child),
        grant_opts=child,
    )


def storage_logs(
    name: str, args: StorageLogsArgs, child: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str] | None]:
    project, stack, region = args.gcp_project, args.stack_name, args.region
    logs = _hardened(
        log_bucket_logical_name(stack, "access-logs", region), gcs_bucket_name(project, stack, f"access-logs-{region}"),
        region.upper(), args.key_id, child, classification=args.classification, cold_after_days=90,
    )
    gcp.storage.BucketIAMMember(f"{name}-access-writer", bucket=logs.name, role="roles/storage.objectCreator",
                                member=USAGE_LOG_WRITER, opts=child)
    if not args.audited_buckets:
        return logs.name, None
    audit = _hardened(
        log_bucket_logical_name(stack, "audit-logs", region), gcs_bucket_name(project, stack, f"audit-logs-{region}"),
        region.upper(), args.key_id, child, classification=args.classification, log_bucket=logs.name,
        retention=(AUDIT_RETENTION_DAYS, True), cold_after_days=90,
    )
    audited = " OR ".join(
        f'resource.labels.bucket_name="{gcs_bucket_name(project, stack, p)}"' for p in args.audited_buckets
    )
    sink = gcp.logging.ProjectSink(
        f"{name}-audit-sink",
        name=f"{args.stack_name}-{args.region}-storage-audit",
        project=project,
        destination=audit.name.apply(lambda bucket: f"storage.googleapis.com/{bucket}"),
        # Only the data buckets: the sink's own writes to the audit bucket must not feed back into it.
        filter=(f'logName="projects/{project}/logs/cloudaudit.googleapis.com%2Fdata_access" '
                f'AND resource.type="gcs_bucket" AND ({audited})'),
        unique_writer_identity=True,
        opts=child,
    )
    gcp.storage.BucketIAMMember(f"{name}-audit-writer", bucket=audit.name, role="roles/storage.objectCreator",
                                member=sink.writer_identity, opts=child)
    if args.enable_data_access_logs:
        gcp.projects.IAMAuditConfig(
            f"{name}-data-access", project=project, service="storage.googleapis.com",
            audit_log_configs=[{"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}], opts=child,
        )
    return logs.name, audit.name


def data_bucket(
    name: str, args: CompliantBucketArgs, child: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    location, data_locations = args.region.upper(), None
    if args.dual_region:
        second, location = args.dual_region
        data_locations = [args.region.upper(), second.upper()]
    bucket = _hardened(
        name, gcs_bucket_name(args.gcp_project, args.stack_name, args.purpose), location, args.key_id, child,
        classification=args.classification, log_bucket=args.log_bucket, data_locations=data_locations,
        # GCS keeps a retention policy or object versions, never both; retention is the stronger guarantee.
        versioning=args.versioning and not args.retention_days,
        retention=(args.retention_days, args.object_lock == "compliance") if args.retention_days else None,
        cold_after_days=args.cold_after_days, soft_delete_days=args.soft_delete_days,
    )
    return bucket.name, bucket.url


def _hardened(
    name: str,
    physical: str,
    location: str,
    key_id: pulumi.Input[str],
    child: pulumi.ResourceOptions,
    *,
    classification: str | None = None,
    log_bucket: pulumi.Input[str] | None = None,
    data_locations: list[str] | None = None,
    versioning: bool = True,
    retention: tuple[int, bool] | None = None,
    cold_after_days: int | None = None,
    soft_delete_days: int = 7,
) -> gcp.storage.Bucket:
    """A bucket with every control skyweave requires."""
    rules = [{"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 7}}]
    if cold_after_days:
        rules.append({"action": {"type": "SetStorageClass", "storage_class": "NEARLINE"},
                      "condition": {"age": cold_after_days, "matches_storage_classes": ["STANDARD"]}})
    return gcp.storage.Bucket(
        name,
        name=physical,
        location=location,
        custom_placement_config={"data_locations": data_locations} if data_locations else None,
        storage_class="STANDARD",
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        encryption={"default_kms_key_name": key_id},
        versioning={"enabled": versioning},
        retention_policy=(
            {"retention_period": str(retention[0] * DAY_SECONDS), "is_locked": retention[1]} if retention else None
        ),
        soft_delete_policy={"retention_duration_seconds": soft_delete_days * DAY_SECONDS},
        logging={"log_bucket": log_bucket, "log_object_prefix": physical} if log_bucket is not None else None,
        lifecycle_rules=rules,
        labels={"data-classification": classification} if classification else None,
        opts=protected(child),
    )
