"""SKW-RES-002: no resource uses a default provider; each names the explicit provider of its region."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.rule import resource_policy

META = PolicyMeta(
    id="SKW-RES-002",
    name="residency-explicit-provider",
    title="Every resource uses an explicit provider, never a default one.",
    severity="high",
    rationale=(
        "A default provider takes its region from ambient stack config (`aws:region`, `gcp:region`), so "
        "the region a resource lands in is not visible in the program and can drift between environments."
    ),
    remediation=(
        "Create the resource with `opts=ctx.opts(cloud, region)` (skyweave's explicit provider of that region); "
        "keep `pulumi:disable-default-providers: [\"*\"]` in Pulumi.yaml."
    ),
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    provider = args.provider
    if provider is None or not provider.name.startswith("default"):
        return
    package = provider.resource_type.rsplit(":", 1)[-1]
    yield (
        f"uses the default {package} provider {provider.name!r}, whose region comes from stack config; "
        f"pass the explicit {package} provider of an allowed region"
    )


POLICY = resource_policy(META, check)
