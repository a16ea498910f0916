"""SKW-SEC-002: no bucket can be read or written by the public."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource

from policies.meta import PolicyMeta
from policies.props import dig, items, truthy
from policies.rule import stack_policy
from policies.security.buckets import (
    ACL,
    BUCKET,
    BUCKET_POLICY,
    PUBLIC_ACCESS_BLOCK,
    PUBLIC_ACCESS_FLAGS,
    Buckets,
    is_everyone,
    statements,
    with_buckets,
)

META = PolicyMeta(
    id="SKW-SEC-002",
    name="security-no-public-buckets",
    title="No bucket is readable or writable by the public.",
    severity="critical",
    rationale=(
        "Public buckets are the most common cloud data leak; a training set or prompt log made public "
        "once is public for good, whatever the later fix."
    ),
    remediation=(
        "Keep the S3 public access block with all four settings on (skyweave's storage component adds it), "
        "`public_access_prevention: enforced` and uniform bucket-level access on GCS, and grant access to "
        "named principals only."
    ),
)

_PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_GCS_IAM = ("gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketIAMBinding:BucketIAMBinding")


def _judge(resource: PolicyResource, buckets: Buckets) -> Iterator[str]:
    props, kind = resource.props, resource.resource_type
    if kind == BUCKET:
        blocks = buckets.configs(resource, PUBLIC_ACCESS_BLOCK)
        if not blocks:
            yield "has no public access block; add one with all four settings true"
        for block in blocks:
            off = [flag for flag in PUBLIC_ACCESS_FLAGS if not truthy(block.props.get(flag))]
            if off:
                yield f"public access block {block.name!r} leaves {', '.join(off)} off; set all four to true"
    elif kind == ACL:
        acl = props.get("acl")
        if acl in _PUBLIC_ACLS:
            yield f"acl {acl!r} makes the bucket public; remove the ACL (ownership BucketOwnerEnforced disables ACLs)"
        for grant in items(dig(props, "accessControlPolicy", "grants")):
            uri = str(dig(grant, "grantee", "uri") or "")
            if uri.endswith(("/AllUsers", "/AuthenticatedUsers")):
                yield f"grants {dig(grant, 'permission')} to {uri}; grant to named principals only"
    elif kind == BUCKET_POLICY:
        for index, statement in enumerate(statements(props.get("policy"))):
            if dig(statement, "Effect") == "Allow" and is_everyone(dig(statement, "Principal")) \
                    and not dig(statement, "Condition"):
                yield f"policy statement {dig(statement, 'Sid') or index!r} allows everyone; name the principals"
    elif kind == "gcp:storage/bucket:Bucket":
        if props.get("publicAccessPrevention") != "enforced":
            yield "publicAccessPrevention is not `enforced`; set it to enforced"
        if not truthy(props.get("uniformBucketLevelAccess")):
            yield "uniformBucketLevelAccess is off, so object ACLs can make objects public; turn it on"
    elif kind in _GCS_IAM:
        members = [props.get("member"), *items(props.get("members"))]
        public = [m for m in members if m in _PUBLIC_MEMBERS]
        if public:
            yield f"grants {props.get('role')} to {', '.join(public)}; grant to named principals only"


POLICY = stack_policy(META, with_buckets(META, _judge))
