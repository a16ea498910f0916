"""SKW-SEC-004: every taggable AWS/GCP resource carries the ownership and classification tags."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, is_map
from policies.rule import required, resource_policy
from policies.security.taggable import tag_input

META = PolicyMeta(
    id="SKW-SEC-004",
    name="security-required-tags",
    title="Every taggable AWS and GCP resource carries the team, environment, cost-center and data-classification tags.",
    severity="medium",
    rationale=(
        "Tags are how spend is charged back, how budgets filter, and how an incident responder finds the "
        "owner and the sensitivity of the data in a resource."
    ),
    remediation=(
        "Create resources inside skyweave's program, which stamps the tags on every taggable resource; a "
        "tag set by hand must keep the required keys with non-empty values."
    ),
    config={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Tag (AWS) and label (GCP) keys every taggable resource must carry.",
        }
    },
    required_config=("requiredTags",),
)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    field = tag_input(args.resource_type)
    if field is None:
        return
    required_keys = list(required(args.get_config(), "requiredTags"))
    tags = dict(args.props.get(field) or {})
    if args.resource_type.startswith("aws:"):
        defaults = dig(args.provider.props, "defaultTags", "tags") if args.provider is not None else None
        tags = {**(dict(defaults) if is_map(defaults) else {}), **tags}
    missing = [key for key in required_keys if not tags.get(key)]
    if missing:
        yield f"{field} lacks {', '.join(missing)}; set them (skyweave's program stamps them on every resource)"


POLICY = resource_policy(META, check)
