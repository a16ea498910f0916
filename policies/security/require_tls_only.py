"""SKW-SEC-003: buckets refuse requests that do not use TLS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, is_map, items
from policies.rule import StackFinding, per_resource, stack_policy
from policies.security.buckets import BUCKET_POLICY, Buckets, is_everyone, statements

META = PolicyMeta(
    id="SKW-SEC-003",
    name="security-tls-only",
    title="Every S3 bucket denies requests made without TLS.",
    severity="high",
    rationale=(
        "S3 still answers plain HTTP; only a bucket policy that denies `aws:SecureTransport = false` keeps "
        "data and credentials off unencrypted connections (Cloud Storage accepts only HTTPS already)."
    ),
    remediation=(
        "Add a bucket policy statement: Effect Deny, Principal *, Action s3:*, Resource the bucket and its "
        "objects, Condition Bool aws:SecureTransport false (skyweave's storage component adds it)."
    ),
)


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    buckets = Buckets(args.resources)
    yield from per_resource(buckets.buckets, lambda bucket: _judge(bucket, buckets), META)


def _judge(bucket: PolicyResource, buckets: Buckets) -> Iterator[str]:
    policies = buckets.configs(bucket, BUCKET_POLICY)
    if not any(_denies_plain_http(s) for p in policies for s in statements(p.props.get("policy"))):
        where = "its bucket policy has" if policies else "it has no bucket policy, so it has"
        yield f"{where} no statement denying aws:SecureTransport false; add one for the bucket and its objects"


def _denies_plain_http(statement: Any) -> bool:
    if dig(statement, "Effect") != "Deny" or not is_everyone(dig(statement, "Principal")):
        return False
    condition = dig(statement, "Condition", "Bool")
    value = dig(condition, "aws:SecureTransport") if is_map(condition) else None
    return any(str(v).lower() == "false" for v in (items(value) if not isinstance(value, str) else [value]))


POLICY = stack_policy(META, check)
