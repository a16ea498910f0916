"""SKW-RES-004: S3 replication only copies data to buckets inside the stack's residency.

A replication rule names its destination by ARN, and S3 ARNs carry no region, so the destination is
looked up among the stack's buckets (by ARN or name; at preview, through the rule's dependencies).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies.meta import ALLOWED_REGIONS, PolicyMeta
from policies.props import dig, items, provider_region
from policies.residency.locations import outside
from policies.rule import StackFinding, per_resource, required, stack_policy
from skyweave.errors import allowed_list

REPLICATION_TYPE = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
BUCKET_TYPE = "aws:s3/bucket:Bucket"

META = PolicyMeta(
    id="SKW-RES-004",
    name="residency-replication-inside-residency",
    title="Bucket replication only copies data to buckets inside the stack's residency.",
    severity="critical",
    rationale=(
        "A replica is a full copy of the data; replicating to a bucket in another jurisdiction is a transfer "
        "even when the source bucket is compliant. A bucket outside the stack cannot be checked at all."
    ),
    remediation=(
        "Replicate to a bucket of this stack in an allowed region (`replication_regions:` of the bucket in the "
        "stack file), or waive the finding with the destination's region and legal basis as the reason."
    ),
    config=ALLOWED_REGIONS,
    required_config=("allowedRegions",),
)


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    config = args.get_config()
    allowed = required(config, "allowedRegions")
    buckets = [r for r in args.resources if r.resource_type == BUCKET_TYPE]
    rules = [r for r in args.resources if r.resource_type == REPLICATION_TYPE]
    yield from per_resource(rules, lambda rule: _judge(rule, buckets, allowed), META)


def _judge(rule: PolicyResource, buckets: list[PolicyResource], allowed: list[str]) -> Iterator[str]:
    for index, destination in enumerate(_destinations(rule, buckets)):
        where = f"rules[{index}] destination"
        if isinstance(destination, str):
            yield (
                f"{where} {destination!r} is not a bucket of this stack, so its region cannot be verified; "
                f"replicate to a bucket of this stack in one of: {allowed_list(allowed)}"
            )
            continue
        region = _bucket_region(destination)
        if region is None:
            yield f"{where} bucket {destination.name!r} has no region on it or its provider; give it an explicit provider"
        elif outside(region, allowed, []):
            yield (
                f"{where} bucket {destination.name!r} is in {region!r}, outside the stack's residency; "
                f"replicate to one of: {allowed_list(allowed)}"
            )


def _destinations(rule: PolicyResource, buckets: list[PolicyResource]) -> Iterator[PolicyResource | str]:
    """Each rule's destination bucket resource, or its ARN when it is not in the stack."""
    try:
        arns = [dig(r, "destination", "bucket") for r in items(rule.props.get("rules"))]
    except UnknownValueError:
        dependencies = [d for d in rule.property_dependencies.get("rules", []) if d.resource_type == BUCKET_TYPE]
        if not dependencies:
            raise
        yield from dependencies  # at preview the ARN is unknown; the rule depends on the destination bucket
        return
    for arn in arns:
        if not isinstance(arn, str):
            continue
        name = arn.rsplit(":", 1)[-1]
        found = next((b for b in buckets if _names(b) & {arn, name}), None)
        yield found if found is not None else arn


def _names(bucket: PolicyResource) -> set[str]:
    names = set()
    for key in ("bucket", "arn", "id"):
        try:
            value = bucket.props.get(key)
        except UnknownValueError:
            continue
        if isinstance(value, str):
            names.add(value)
    return names


def _bucket_region(bucket: PolicyResource) -> Any:
    try:
        own = bucket.props.get("region")
    except UnknownValueError:  # at preview a bucket without its own region input gets the provider's
        own = None
    return own if isinstance(own, str) and own else provider_region(bucket)


POLICY = stack_policy(META, check)
