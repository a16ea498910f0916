"""Checks of a schema-valid stack file against the catalog and against itself.

The schema says a field is a string; these checks say the string names a real region, a real instance
type, a route that exists. Each problem is `(field location, message)`; the loader adds file and line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from skyweave.catalog import Catalog, apply_price_book, load_catalog
from skyweave.errors import allowed_list, did_you_mean
from skyweave.spec import StackSpec

Finding = tuple[tuple[str | int, ...], str]


def allowed_regions(spec: StackSpec, catalog: Catalog | None = None) -> dict[str, tuple[str, ...]]:
    """Cloud → regions inside the stack's residency, in catalog order."""
    catalog = catalog or load_catalog()
    allowed: dict[str, tuple[str, ...]] = {}
    for cloud in spec.clouds:
        names = [r.name for r in catalog.regions(cloud)]
        if spec.residency.jurisdictions:
            inside = {r.name for j in spec.residency.jurisdictions for r in catalog.regions_in(j, cloud)}
            names = [n for n in names if n in inside]
        if spec.residency.regions:
            names = [n for n in names if n in spec.residency.regions]
        allowed[cloud] = tuple(names)
    return allowed


def check_consistency(spec: StackSpec, catalog: Catalog | None = None) -> list[Finding]:
    catalog = catalog or load_catalog()
    findings = list(_residency(spec, catalog))
    allowed = allowed_regions(spec, catalog)
    findings += _home_regions(spec, allowed)
    findings += _unique_names(spec)
    findings += _workloads(spec, catalog, allowed)
    findings += _storage(spec, allowed)
    findings += _gateway(spec)
    findings += _price_book(spec, catalog)
    return findings


def _price_book(spec: StackSpec, catalog: Catalog) -> Iterator[Finding]:
    for key, price in spec.price_book.overrides.items():
        try:
            apply_price_book(catalog, None, {key: price})
        except ValueError as exc:
            yield ("price_book", "overrides", key), str(exc)


def _residency(spec: StackSpec, catalog: Catalog) -> Iterator[Finding]:
    known = sorted({r.jurisdiction for r in catalog.regions()} | {"eea"})
    for i, name in enumerate(spec.residency.jurisdictions):
        if name not in known:
            yield ("residency", "jurisdictions", i), (
                f"unknown jurisdiction {name!r}{did_you_mean(name, known)}; allowed: {allowed_list(known, 40)}"
            )
    region_names = [r.name for cloud in spec.clouds for r in catalog.regions(cloud)]
    for i, name in enumerate(spec.residency.regions):
        if name not in region_names:
            yield ("residency", "regions", i), (
                f"unknown region {name!r} for clouds {', '.join(spec.clouds)}{did_you_mean(name, region_names)}"
            )
    if "gcp" in spec.clouds and not spec.gcp_project:
        yield ("gcp_project",), "required when clouds include gcp: the GCP project ID, e.g. ml-prod-123456"
    allowed = allowed_regions(spec, catalog)
    for i, cloud in enumerate(spec.clouds):
        if not allowed[cloud]:
            yield ("clouds", i), (
                f"{cloud} has no region inside the residency; remove {cloud} from clouds or widen residency"
            )


def _home_regions(spec: StackSpec, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    for cloud, region in spec.home_regions.items():
        if cloud not in spec.clouds:
            yield ("home_regions", cloud), f"cloud {cloud!r} is not in the stack's clouds ({', '.join(spec.clouds)})"
        elif problem := _in_residency(cloud, region, allowed):
            yield ("home_regions", cloud), problem


def _unique_names(spec: StackSpec) -> Iterator[Finding]:
    sections = {
        "workloads": [w.name for w in spec.workloads],
        "storage": [b.name for b in spec.storage],
    }
    if spec.gateway:
        sections["gateway.routes"] = [r.name for r in spec.gateway.routes]
    for section, names in sections.items():
        for name, count in Counter(names).items():
            if count > 1:
                index = names.index(name, names.index(name) + 1)
                yield (*section.split("."), index, "name"), f"name {name!r} is used {count} times; names must be unique"


def _in_residency(cloud: str, region: str, allowed: dict[str, tuple[str, ...]]) -> str | None:
    """None when allowed, else the message saying why not."""
    if region in allowed.get(cloud, ()):
        return None
    options = allowed.get(cloud, ())
    return f"region {region!r} is outside the stack's residency{did_you_mean(region, options)}; allowed {cloud} regions: {allowed_list(options)}"


def _workloads(spec: StackSpec, catalog: Catalog, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    for w_index, workload in enumerate(spec.workloads):
        pin = workload.hardware
        if pin == "auto":
            continue
        at = ("workloads", w_index, "hardware")
        if pin.cloud not in spec.clouds:
            yield (*at, "cloud"), f"cloud {pin.cloud!r} is not in the stack's clouds ({', '.join(spec.clouds)})"
            continue
        types = catalog.instance_types(pin.cloud)
        if pin.instance_type not in types:
            yield (*at, "instance_type"), (
                f"unknown {pin.cloud} instance type {pin.instance_type!r}{did_you_mean(pin.instance_type, types)}"
            )
        for r_index, region in enumerate(pin.regions):
            problem = _in_residency(pin.cloud, region, allowed)
            if problem:
                yield (*at, "regions", r_index), problem
            elif pin.instance_type in types and catalog.offering(pin.cloud, region, pin.instance_type) is None:
                yield (*at, "regions", r_index), f"{pin.instance_type} is not offered in {region} in the catalog"
        if len(pin.regions) < workload.redundancy_regions:
            yield (*at, "regions"), (
                f"{len(pin.regions)} region(s) pinned but redundancy_regions is {workload.redundancy_regions}"
            )
        if pin.capacity_type == "spot" and not workload.spot:
            yield (*at, "capacity_type"), "spot capacity is pinned but the workload has spot: false"


def _storage(spec: StackSpec, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    for index, bucket in enumerate(spec.storage):
        cloud = bucket.cloud or spec.clouds[0]
        if cloud not in spec.clouds:
            yield ("storage", index, "cloud"), f"cloud {cloud!r} is not in the stack's clouds ({', '.join(spec.clouds)})"
        elif bucket.region:
            problem = _in_residency(cloud, bucket.region, allowed)
            if problem:
                yield ("storage", index, "region"), problem


def _gateway(spec: StackSpec) -> Iterator[Finding]:
    if not spec.gateway:
        return
    routes = [r.name for r in spec.gateway.routes]
    for source, targets in spec.gateway.fallbacks.items():
        if source not in routes:
            yield ("gateway", "fallbacks", source), f"no route named {source!r}{did_you_mean(source, routes)}"
        for target in targets:
            if target not in routes:
                yield ("gateway", "fallbacks", source), (
                    f"fallback {target!r} is not a route{did_you_mean(target, routes)}; routes: {allowed_list(routes)}"
                )
