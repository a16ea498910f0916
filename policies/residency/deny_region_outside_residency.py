"""SKW-RES-001: every AWS/GCP resource sits in an allowed region, judged by its provider and its location inputs."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from policies.meta import ALLOWED_REGIONS, PolicyMeta
from policies.props import cloud_of
from policies.residency.locations import outside, placements
from policies.rule import required, resource_policy
from skyweave.errors import allowed_list

META = PolicyMeta(
    id="SKW-RES-001",
    name="residency-region-inside-residency",
    title="Every cloud resource, and every region it references, is inside the stack's residency.",
    severity="critical",
    rationale=(
        "Data protection law (e.g. GDPR transfers) and customer contracts bind data to jurisdictions; a "
        "resource in another region, or a key, topic or replica it points to there, moves data out."
    ),
    remediation=(
        "Create the resource with the explicit provider of an allowed region (its own `region`/`location` "
        "inputs must be allowed too), or widen `residency:` in the stack file if the jurisdiction allows it."
    ),
    config=ALLOWED_REGIONS,
    required_config=("allowedRegions",),
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    if cloud_of(args.resource_type) not in ("aws", "gcp"):
        return
    config = args.get_config()
    allowed = required(config, "allowedRegions")
    multi = config.get("allowedMultiRegions") or []
    for what, where in placements(args.resource_type, args.props, args):
        if outside(where, allowed, multi):
            options = allowed_list([*allowed, *multi]) or "none (widen residency)"
            yield f"{what} {where!r} is outside the stack's residency; use one of: {options}"


POLICY = resource_policy(META, check)
