"""SKW-SEC-008: stateful resources cannot be deleted by a deploy."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import truthy
from policies.rule import required, resource_policy

META = PolicyMeta(
    id="SKW-SEC-008",
    name="security-stateful-resources-protected",
    title="Buckets, keys and databases are protected from deletion (KMS keys at least by a long deletion window) and never force-destroyed.",
    severity="high",
    rationale=(
        "A renamed resource or a refactor makes Pulumi replace it; for a bucket, key or database that means "
        "data lost (objects, or everything a deleted key encrypted). `protect` makes such a plan fail instead."
    ),
    remediation=(
        "Create stateful resources with `protect=True` (policies see `protect`; `retain_on_delete` alone is "
        "invisible to them) and without `force_destroy`; unprotect on purpose with `pulumi state unprotect`. "
        "An AWS KMS key may instead keep a deletion window of at least `minKeyDeletionWindowDays`."
    ),
    config={
        "minKeyDeletionWindowDays": {
            "type": "integer",
            "minimum": 7,
            "default": 30,
            "description": "An unprotected AWS KMS key passes when its deletion window is at least this long.",
        }
    },
)

KMS_KEY = "aws:kms/key:Key"
AWS_DEFAULT_KEY_WINDOW_DAYS = 30  # KMS schedules deletion 30 days out when no window is given

STATEFUL = (
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:dynamodb/table:Table",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume",
    "aws:ecr/repository:Repository",
    "gcp:storage/bucket:Bucket",
    "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:sql/databaseInstance:DatabaseInstance",
    "gcp:filestore/instance:Instance",
    "gcp:artifactregistry/repository:Repository",
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type == KMS_KEY and not args.opts.protect:
        # A key a deploy deletes is only scheduled for deletion; until the window ends it can be restored.
        window = args.props.get("deletionWindowInDays") or AWS_DEFAULT_KEY_WINDOW_DAYS
        minimum = int(required(args.get_config(), "minKeyDeletionWindowDays"))
        if float(window) < minimum:
            yield (
                f"is not protected and its deletion window is {int(float(window))} days; set protect=True or "
                f"deletion_window_in_days to at least {minimum}"
            )
    elif not args.opts.protect:
        yield "is not protected; create it with protect=True so no deploy can delete it"
    if truthy(args.props.get("forceDestroy")):
        yield "has forceDestroy set, which deletes all its data with it; remove force_destroy"


POLICY = resource_policy(META, check, types=STATEFUL)
