"""Prices of compliant storage: GB-months by storage class and region, keys, log buckets.

A data bucket (and each replica) is priced at the stack file's `size_gb`, a log or audit-log bucket at
`usage.log_gb_per_region`, all in the class objects are written to: the estimate does not follow
lifecycle moves to colder classes, so it is an upper bound for buckets with `cold_after_days`.
"""

from __future__ import annotations

from components.compliant_storage import bucket_logical_name, log_bucket_logical_name
from skyweave.cost.core import CostContext, register, register_free
from skyweave.plan import PlannedResource

GCS_CLASS_KEYS = {
    "STANDARD": "gcs_standard_gb_month",
    "NEARLINE": "gcs_nearline_gb_month",
    "COLDLINE": "gcs_coldline_gb_month",
    "ARCHIVE": "gcs_archive_gb_month",
}

register_free(
    # Bucket settings and permissions carry no charge of their own.
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:kms/alias:Alias",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:logging/projectSink:ProjectSink",
    "gcp:projects/iAMAuditConfig:IAMAuditConfig",
    # Cloud KMS bills each active key version (software keys: cents a month); the catalog has no
    # source-backed price for it yet, so keys count as free until a `kms_key_version_month` row exists.
    "gcp:kms/cryptoKey:CryptoKey",
    # A trail has no charge of its own; its S3 data events are billed per event, a volume the stack
    # file does not state (the audit-log bucket that stores them is priced above).
    "aws:cloudtrail/trail:Trail",
)


def stored_gb(resource: PlannedResource, ctx: CostContext) -> float | None:
    """GB a planned bucket holds under the stack's assumptions; None for buckets skyweave did not plan."""
    spec, region = ctx.spec, resource.region or ""
    for bucket in spec.storage:
        copies = [bucket_logical_name(spec.name, bucket.name)]
        copies += [bucket_logical_name(spec.name, bucket.name, r) for r in bucket.replication_regions]
        if resource.name in copies:
            return bucket.size_gb
    logs = [log_bucket_logical_name(spec.name, kind, region) for kind in ("access-logs", "audit-logs")]
    return spec.usage.log_gb_per_region if resource.name in logs else None


@register("aws:s3/bucket:Bucket")
def _s3_bucket(resource: PlannedResource, ctx: CostContext) -> float:
    gb = stored_gb(resource, ctx)
    price = ctx.catalog.unit_price("aws", "s3_standard_gb_month", resource.region or "us-east-1")
    return gb * price.value if gb and price else 0.0


@register("gcp:storage/bucket:Bucket")
def _gcs_bucket(resource: PlannedResource, ctx: CostContext) -> float:
    gb = stored_gb(resource, ctx)
    if not gb:
        return 0.0
    key = GCS_CLASS_KEYS[resource.inputs.get("storageClass", "STANDARD")]
    # A dual-region keeps a copy in each region: priced as two regional copies, an upper bound.
    places = (resource.inputs.get("customPlacementConfig") or {}).get("dataLocations") or [resource.inputs["location"]]
    prices = [ctx.catalog.unit_price("gcp", key, place.lower()) for place in places]
    return sum(gb * p.value for p in prices if p)
