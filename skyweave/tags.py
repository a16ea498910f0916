"""Cost tags and labels stamped on every taggable resource of a stack.

One stack transformation does it, so no component can forget: AWS resources get `tags`, GCP resources
`labels` (or `resource_labels` on GKE clusters). Tags a component sets itself win (a bucket's own
`data-classification`). Legacy transformations run in-process, so the offline plan sees them exactly as
`pulumi up` does.
"""

from __future__ import annotations

import re
from functools import cache

import pulumi

from skyweave.spec import StackSpec

# Where each cloud keeps cost metadata. GCP `tags` are Resource Manager tags (IAM conditions), not labels.
_TAG_PROPERTIES = {"aws": ("tags",), "gcp": ("labels", "resource_labels")}


def cost_tags(spec: StackSpec) -> dict[str, str]:
    """The tags every resource of the stack carries (AWS spelling)."""
    return {
        "team": spec.owner.team,
        "environment": spec.environment,
        "cost-center": spec.owner.cost_center,
        "data-classification": spec.data_classification,
        "skyweave-stack": spec.name,
        "managed-by": "skyweave",
    }


def gcp_labels(tags: dict[str, str]) -> dict[str, str]:
    """GCP label rules: lowercase letters, digits, '-' and '_', at most 63 characters."""
    return {_label(k): _label(v) for k, v in tags.items()}


def _label(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


@cache
def tag_property(resource_type: type[pulumi.Resource], cloud: str) -> str | None:
    """Name of the map-of-strings tag/label input this resource type takes, if any."""
    for name in _TAG_PROPERTIES.get(cloud, ()):
        prop = getattr(resource_type, name, None)
        if isinstance(prop, property) and "Mapping[str, str]" in str(prop.fget.__annotations__.get("return")):
            return name
    return None


def register_cost_tags(spec: StackSpec) -> None:
    """Stamp the stack's cost tags on every taggable resource registered after this call."""
    aws_tags = cost_tags(spec)
    gcp_tags = gcp_labels(aws_tags)

    def stamp(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        cloud = args.type_.split(":", 1)[0]
        prop = tag_property(type(args.resource), cloud)
        if prop is None:
            return None
        defaults = aws_tags if cloud == "aws" else gcp_tags
        own = args.props.get(prop)
        if isinstance(own, pulumi.Output):
            merged = own.apply(lambda given: {**defaults, **(given or {})})
        else:
            merged = {**defaults, **(own or {})}
        return pulumi.ResourceTransformationResult({**args.props, prop: merged}, args.opts)

    pulumi.runtime.register_stack_transformation(stamp)
