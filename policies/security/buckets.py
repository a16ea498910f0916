"""S3 buckets and the separate resources that configure them (pulumi-aws 7 splits a bucket into many).

A configuration resource names its bucket by ID in its `bucket` input; the ID is matched against the
bucket's name, ID and ARN, or, when it is unknown at preview, found through the `bucket` property's
dependencies (the engine sends them with every stack resource).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies.meta import PolicyMeta
from policies.props import is_map, items, json_document
from policies.rule import StackCheck, StackFinding, per_resource

BUCKET = "aws:s3/bucket:Bucket"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ACL = "aws:s3/bucketAcl:BucketAcl"
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


class Buckets:
    """The stack's S3 buckets and, per bucket, its configuration resources by type."""

    def __init__(self, resources: Iterable[PolicyResource]):
        resources = list(resources)
        self.buckets = [r for r in resources if r.resource_type == BUCKET]
        self._by_name: dict[str, PolicyResource] = {}
        for bucket in self.buckets:
            for key in ("bucket", "id", "arn"):
                value = _known(bucket.props, key)
                if isinstance(value, str):
                    self._by_name[value] = bucket
        self._config: dict[tuple[str, str], list[PolicyResource]] = {}
        for r in resources:
            if r.resource_type.startswith("aws:s3/bucket") and r.resource_type != BUCKET:
                owner = self.owner(r)
                if owner is not None:
                    self._config.setdefault((owner.urn, r.resource_type), []).append(r)

    def owner(self, config: PolicyResource) -> PolicyResource | None:
        """The bucket a configuration resource applies to, if it is in the stack."""
        try:
            name = config.props.get("bucket")
        except UnknownValueError:
            found = [d for d in config.property_dependencies.get("bucket", []) if d.resource_type == BUCKET]
            return found[0] if found else None
        return self._by_name.get(name) if isinstance(name, str) else None

    def configs(self, bucket: PolicyResource, type_token: str) -> list[PolicyResource]:
        return self._config.get((bucket.urn, type_token), [])


def with_buckets(meta: PolicyMeta, judge: Callable[[PolicyResource, Buckets], Iterable[str]]) -> StackCheck:
    """A stack check that judges every resource with the stack's buckets and their settings at hand."""

    def check(args: StackValidationArgs) -> Iterator[StackFinding]:
        buckets = Buckets(args.resources)
        yield from per_resource(args.resources, lambda resource: judge(resource, buckets), meta)

    return check


def _known(props: Any, key: str) -> Any:
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def statements(policy_document: Any) -> list[Any]:
    """The statements of an IAM/bucket policy given as JSON text or a map."""
    document = json_document(policy_document)
    return items(document.get("Statement")) if is_map(document) else []


def is_everyone(principal: Any) -> bool:
    """`"*"` or `{"AWS": "*"}` (or a list containing `"*"`): anyone on the internet."""
    if principal == "*":
        return True
    if is_map(principal):
        return any(value == "*" or (not isinstance(value, str) and "*" in items(value)) for value in principal.values())
    return False
