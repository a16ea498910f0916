"""Where a cloud resource puts data or compute, read from its provider and its location-like inputs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from policies.props import arn_region, dig, is_list, items, known_strings, provider_region, zone_region

# A resource's own region/location replaces its provider's region; zones add to whichever applies.
_OWN_REGION = ("region", "location")
_OWN_PLACEMENT = (*_OWN_REGION, "zone", "availabilityZone")
_OWN_PLACEMENT_LISTS = ("nodeLocations", "availabilityZones", "locations")
# Nested placement inputs of particular types (wire names).
_NESTED_PLACEMENT: dict[str, tuple[tuple[str, ...], ...]] = {
    "gcp:storage/bucket:Bucket": (("customPlacementConfig", "dataLocations"),),
    "gcp:container/cluster:Cluster": (("nodeConfig", "locations"),),
}
# AWS service hosts name their region: ECR images, regional S3 URLs, endpoints.
_AWS_HOST = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")
# GCP resource names name their location: projects/p/locations/europe-west4/keyRings/...
_GCP_LOCATION_NAME = re.compile(r"(?:^|/)locations/([A-Za-z0-9-]+)(?:/|$)")
_GCP_REFERENCE_KEY = re.compile(r"(?i)(kms|key|destination)")
_MULTI_REGION_CONTAINERS = {"gcp:storage/bucket:Bucket"}


def placements(type_token: str, props: Mapping[str, Any], args: Any) -> list[tuple[str, str]]:
    """`(what, location)` pairs saying where the resource is and where the resources it references are.

    A resource's own `region`/`location` input overrides its provider's region; without one the provider's
    region places it. Zones and node locations count on top of either.
    """
    own = list(_own_placements(type_token, props))
    if type_token in _MULTI_REGION_CONTAINERS and dig(props, "customPlacementConfig", "dataLocations"):
        # A custom dual-region names its multi-region as location; the data locations are what counts.
        own = [(what, where) for what, where in own if what != "location"]
    if not any(what in _OWN_REGION for what, _ in own) and not (
        type_token in _MULTI_REGION_CONTAINERS and dig(props, "customPlacementConfig", "dataLocations")
    ):
        region = provider_region(args)
        if region:
            own.insert(0, (f"provider region (provider {args.provider.name})", region))
    return own + list(_references(type_token, props))


def _own_placements(type_token: str, props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key in _OWN_PLACEMENT:
        value = props.get(key)
        if isinstance(value, str) and value:
            yield key, value
    for key in _OWN_PLACEMENT_LISTS:
        for index, value in enumerate(items(props.get(key))):
            if isinstance(value, str) and value:
                yield f"{key}[{index}]", value
    for path in _NESTED_PLACEMENT.get(type_token, ()):
        found = dig(props, *path)
        for index, value in enumerate(items(found) if is_list(found) else []):
            yield f"{'.'.join(path)}[{index}]", value


def _references(type_token: str, props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Regions named by references to other resources: ARNs, service hosts, GCP key names."""
    cloud = type_token.split(":", 1)[0]
    for path, text in known_strings(props):
        if path in _OWN_PLACEMENT:
            continue
        if cloud == "aws":
            region = arn_region(text)
            host = _AWS_HOST.search(text) if region is None else None
            region = region or (host.group(1) if host else None)
            if region:
                yield path, region
        elif cloud == "gcp" and _GCP_REFERENCE_KEY.search(path.rsplit(".", 1)[-1]):
            match = _GCP_LOCATION_NAME.search(text)
            if match:
                yield path, match.group(1)


def outside(location: str, allowed_regions: Iterable[str], allowed_multi_regions: Iterable[str]) -> bool:
    """True when a region, zone or location code is not inside the allowed set (case-insensitive)."""
    wanted = zone_region(location.lower())
    return wanted not in {r.lower() for r in allowed_regions} and wanted not in {
        m.lower() for m in allowed_multi_regions
    }
