"""Region-locked, compliant-by-default storage: encryption keys, log buckets and data buckets.

Three components, created in this order for each place a stack keeps data:

* `StorageKey`: the customer-managed key of one location (AWS region, GCP region or multi-region),
  rotated, never multi-region, protected from deletion.
* `StorageLogs`: the access-log bucket of one region and, for confidential or restricted data, an
  immutable audit-log bucket that receives every read and write of the region's data buckets.
* `CompliantBucket`: a data bucket with the controls checkov and cdk-nag look for, plus residency:
  it and its replicas stay in regions the stack allows.

Buckets and keys are protected (`protect`, `retain_on_delete`) and never force-destroyed, so no deploy
deletes data; docs/storage.md says how to delete them on purpose. The cloud specifics live in
`components.s3_storage` and `components.gcs_storage`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pulumi
from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from skyweave.program import Build
    from skyweave.spec import Bucket

AUDIT_RETENTION_DAYS = 365
"""Days every audit-log object is kept in compliance mode (nobody can delete it sooner)."""


def physical_name(*parts: str, limit: int = 63) -> str:
    """`a-b-c`, shortened to `limit` characters with a hash of the whole so that names stay unique."""
    name = "-".join(p.strip("-") for p in parts if p)
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


def protected(opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """Options of a stateful resource: a deploy can neither delete nor replace-and-drop it."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    cloud: Literal["aws", "gcp"]
    """Cloud of the resources."""
    stack_name: str
    """Environment the resources belong to; part of every physical name."""
    gcp_project: str | None = None
    """GCP only: project ID that holds the resources."""

    @model_validator(mode="after")
    def _project(self) -> _Args:
        if self.cloud == "gcp" and not self.gcp_project:
            raise ValueError("GCP storage needs gcp_project")
        return self


class StorageKeyArgs(_Args):
    """Inputs of a `StorageKey`."""

    location: str
    """AWS region, GCP region, or the GCP multi-region (`europe`, `us`) of a dual-region bucket."""


class StorageKey(pulumi.ComponentResource):
    """The customer-managed key of one storage location."""

    key_id: pulumi.Output[str]
    """AWS: the key ARN. GCP: the crypto key ID, resolved once the Cloud Storage service agent may use it."""

    def __init__(self, name: str, args: StorageKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyweave:storage:StorageKey", name, args.model_dump(), opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.cloud == "aws":
            from components.s3_storage import storage_key
        else:
            from components.gcs_storage import storage_key
        self.key_id = storage_key(name, args, child)
        self.register_outputs({"key_id": self.key_id})


class StorageLogsArgs(_Args):
    """Inputs of a `StorageLogs`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    region: str
    """Region whose buckets log here; the log buckets live in it too."""
    key_id: Any
    """Key (`StorageKey.key_id`) of the region, as a value or an Output."""
    classification: Literal["public", "internal", "confidential", "restricted"] | None = None
    """Classification of the logs: the highest of the region's data buckets, since logs name their objects."""
    audited_buckets: list[str] = []
    """Purposes (stack-file names) of the region's data buckets and replicas whose reads and writes are
    recorded in an immutable audit-log bucket; empty: no audit-log bucket."""
    enable_data_access_logs: bool = False
    """GCP only: turn on Cloud Storage data-access audit logs for the project (do it in one region)."""


class StorageLogs(pulumi.ComponentResource):
    """Access-log bucket of a region, and its audit-log bucket when the region holds sensitive data."""

    log_bucket: pulumi.Output[str]
    """Name of the access-log bucket."""
    audit_bucket: pulumi.Output[str] | None
    """Name of the audit-log bucket, when there is one."""

    def __init__(self, name: str, args: StorageLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyweave:storage:StorageLogs", name, args.model_dump(exclude={"key_id"}), opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.cloud == "aws":
            from components.s3_storage import storage_logs
        else:
            from components.gcs_storage import storage_logs
        self.log_bucket, self.audit_bucket = storage_logs(name, args, child)
        self.register_outputs({"log_bucket": self.log_bucket, "audit_bucket": self.audit_bucket})


class Replica(BaseModel):
    """Where an S3 bucket's replica goes: a bucket of the same stack in another allowed region."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    region: str
    """Region of the replica bucket."""
    bucket_arn: Any
    """ARN of the replica bucket (an Output)."""
    key_id: Any
    """ARN of the replica region's key (an Output)."""


class CompliantBucketArgs(_Args):
    """Inputs of a `CompliantBucket`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    purpose: str
    """What the bucket holds (the stack file's bucket name), part of the physical name."""
    region: str
    """Region of the bucket (the first region of a GCS dual-region)."""
    allowed_regions: tuple[str, ...]
    """Regions of this cloud inside the stack's residency; the bucket and every copy must be in them."""
    classification: Literal["public", "internal", "confidential", "restricted"]
    """Data classification; the bucket's own `data-classification` tag/label."""
    key_id: Any
    """Key of the bucket's location (`StorageKey.key_id`)."""
    log_bucket: Any
    """Access-log bucket of the region (`StorageLogs.log_bucket`)."""
    versioning: bool = True
    """Keep object versions (GCS: only without a retention policy)."""
    retention_days: int | None = Field(default=None, ge=1)
    """Minimum days every object (version) is kept."""
    object_lock: Literal["governance", "compliance"] = "governance"
    """How strict the retention is; `compliance` cannot be shortened by anyone (GCS: locked policy)."""
    cold_after_days: int | None = Field(default=None, ge=30)
    """Days after which objects move to colder storage."""
    soft_delete_days: int = Field(default=7, ge=7, le=90)
    """GCS: days a deleted object stays recoverable."""
    replica: Replica | None = None
    """AWS: replicate every object to this bucket."""
    dual_region: tuple[str, str] | None = None
    """GCP: (second region, multi-region location such as `EU`) of a dual-region bucket."""

    @model_validator(mode="after")
    def _inside_residency(self) -> CompliantBucketArgs:
        places = [self.region, *([self.replica.region] if self.replica else []),
                  *([self.dual_region[0]] if self.dual_region else [])]
        outside = [p for p in places if p not in self.allowed_regions]
        if outside:
            raise ValueError(
                f"bucket {self.purpose}: {', '.join(outside)} outside the allowed regions "
                f"({', '.join(self.allowed_regions)})"
            )
        return self


class CompliantBucket(pulumi.ComponentResource):
    """A region-locked data bucket, encrypted with a customer key, logged, versioned, never public."""

    bucket_name: pulumi.Output[str]
    """Physical bucket name."""
    bucket_arn: pulumi.Output[str]
    """AWS: bucket ARN. GCP: `gs://` URL."""
    key_id: pulumi.Output[str]
    """Key that encrypts the bucket."""

    def __init__(self, name: str, args: CompliantBucketArgs, opts: pulumi.ResourceOptions | None = None):
        plain = args.model_dump(exclude={"key_id", "log_bucket", "replica"})
        super().__init__("skyweave:storage:CompliantBucket", name, plain, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.cloud == "aws":
            from components.s3_storage import data_bucket
        else:
            from components.gcs_storage import data_bucket
        self.bucket_name, self.bucket_arn = data_bucket(name, args, child)
        self.key_id = pulumi.Output.from_input(args.key_id)
        self.register_outputs({"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn, "key_id": self.key_id})


def bucket_logical_name(stack_name: str, purpose: str, region: str | None = None) -> str:
    """Pulumi name of a data bucket (`region` set: its replica there); prices and audits find it by it."""
    return f"{stack_name}-{purpose}" + (f"-replica-{region}" if region else "")


def log_bucket_logical_name(stack_name: str, kind: Literal["access-logs", "audit-logs"], region: str) -> str:
    """Pulumi name of a region's access-log or audit-log bucket."""
    return f"{stack_name}-{kind}-{region}"


LEVELS = ("public", "internal", "confidential", "restricted")
AUDITED_LEVELS = ("confidential", "restricted")


class StoredBucket(NamedTuple):
    """What other components need of a stack bucket (the serverless endpoints, the gateway)."""

    cloud: str
    region: str
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    """AWS: ARN; GCP: gs:// URL."""
    key_id: pulumi.Output[str]


def declare_storage(ctx: Build) -> dict[str, StoredBucket]:
    """Keys, log buckets and data buckets (with replicas) of every stack bucket, region by region."""
    from skyweave.consistency import bucket_region, dual_region

    spec = ctx.spec
    placed = [(b, b.cloud or spec.clouds[0], bucket_region(spec, b, ctx.allowed)) for b in spec.storage]
    copies: dict[tuple[str, str], list[Bucket]] = {}
    for bucket, cloud, region in placed:
        for where in [region, *(bucket.replication_regions if cloud == "aws" else [])]:
            copies.setdefault((cloud, where), []).append(bucket)
    key_of = _keys(ctx)
    keys = {place: key_of(*place, place[1]) for place in copies}
    logs, data_access_on = {}, False
    for (cloud, region), held in copies.items():
        audited = [b.name for b in held if _audited(b, spec.data_classification)]
        args = StorageLogsArgs(
            cloud=cloud, stack_name=spec.name, gcp_project=spec.gcp_project, region=region,
            key_id=keys[cloud, region].key_id, audited_buckets=audited,
            classification=max((_level(b, spec.data_classification) for b in held), key=LEVELS.index),
            enable_data_access_logs=cloud == "gcp" and bool(audited) and not data_access_on,
        )
        data_access_on |= args.enable_data_access_logs
        logs[cloud, region] = StorageLogs(f"{spec.name}-{cloud}-{region}-storage-logs", args, ctx.opts(cloud, region))
    stored = {}
    for bucket, cloud, region in placed:
        common = dict(
            cloud=cloud, stack_name=spec.name, gcp_project=spec.gcp_project, purpose=bucket.name,
            allowed_regions=ctx.allowed[cloud], classification=_level(bucket, spec.data_classification),
            versioning=bucket.versioning, retention_days=bucket.retention_days,
            object_lock=bucket.object_lock or "governance", cold_after_days=bucket.cold_after_days,
            soft_delete_days=bucket.soft_delete_days,
        )
        replica, pair, key = None, None, keys[cloud, region].key_id
        for other in bucket.replication_regions:
            if cloud == "aws":  # the replica is a bucket of its own region, under that region's key and logs
                copy = CompliantBucket(
                    bucket_logical_name(spec.name, bucket.name, other),
                    CompliantBucketArgs(**common, region=other, key_id=keys[cloud, other].key_id,
                                        log_bucket=logs[cloud, other].log_bucket),
                    ctx.opts(cloud, other),
                )
                replica = Replica(region=other, bucket_arn=copy.bucket_arn, key_id=copy.key_id)
            else:  # one GCS dual-region bucket, keyed in the multi-region holding both regions
                location, key_location = dual_region(ctx.catalog, region, other)
                pair, key = (other, location), key_of(cloud, region, key_location).key_id
        made = CompliantBucket(
            bucket_logical_name(spec.name, bucket.name),
            CompliantBucketArgs(**common, region=region, key_id=key, log_bucket=logs[cloud, region].log_bucket,
                                replica=replica, dual_region=pair),
            ctx.opts(cloud, region),
        )
        stored[bucket.name] = StoredBucket(cloud, region, made.bucket_name, made.bucket_arn, made.key_id)
    return stored


def _keys(ctx: Build):
    """`key(cloud, region, location)`: the stack's key of a location, made once (a GCS dual-region's
    key sits in a multi-region, next to the region keys)."""
    made: dict[tuple[str, str], StorageKey] = {}

    def key(cloud: str, region: str, location: str) -> StorageKey:
        if (cloud, location) not in made:
            spec = ctx.spec
            args = StorageKeyArgs(cloud=cloud, stack_name=spec.name, gcp_project=spec.gcp_project, location=location)
            name = f"{spec.name}-{cloud}-{location}-storage-key"
            made[cloud, location] = StorageKey(name, args, ctx.opts(cloud, region))
        return made[cloud, location]

    return key


def _level(bucket: Bucket, stack_default: str) -> str:
    return bucket.classification or stack_default


def _audited(bucket: Bucket, stack_default: str) -> bool:
    return bucket.audit if bucket.audit is not None else _level(bucket, stack_default) in AUDITED_LEVELS
