"""Checks of a schema-valid stack file against the catalog and against itself.

The schema says a field is a string; these checks say the string names a real region, a real instance
type, a route that exists. Each problem is `(field location, message)`; the loader adds file and line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from skyweave.catalog import Catalog, apply_price_book, load_catalog
from skyweave.errors import allowed_list, did_you_mean
from skyweave.sizing import SizingError, estimate_memory
from skyweave.spec import CLOUD_RUN_GPU_REGIONS, GCS_DUAL_REGIONS, Bucket, Serverless, StackSpec

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
    findings += _clusters(spec, allowed)
    findings += _pools(spec, catalog)
    findings += _storage(spec, catalog, allowed)
    findings += _serverless(spec, catalog, allowed)
    findings += _gateway(spec, catalog)
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


def _clusters(spec: StackSpec, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for index, cluster in enumerate(spec.clusters):
        at = ("clusters", index)
        if cluster.cloud not in spec.clouds:
            yield (*at, "cloud"), f"cloud {cluster.cloud!r} is not in the stack's clouds ({', '.join(spec.clouds)})"
            continue
        if problem := _in_residency(cluster.cloud, cluster.region, allowed):
            yield (*at, "region"), problem
        if (cluster.cloud, cluster.region) in seen:
            yield at, f"a second entry for {cluster.cloud} {cluster.region}; one cluster per cloud region"
        seen.add((cluster.cloud, cluster.region))
        for zone in cluster.subnets:
            if cluster.cloud != "aws" or not zone.startswith(cluster.region):
                yield (*at, "subnets", zone), f"subnets map zones of {cluster.region} to EKS subnet IDs; {zone} is not one"
        if cluster.admins and cluster.cloud != "aws":
            yield (*at, "admins"), "admins are EKS access entries; on GKE grant roles/container.admin in IAM"


def _pools(spec: StackSpec, catalog: Catalog) -> Iterator[Finding]:
    """Pool options against the workload and, when hardware is pinned, against that hardware."""
    from components.gpu_hardware import EFA_INTERFACES, is_neuron, mig_problem

    for index, workload in enumerate(spec.workloads):
        at, pool = ("workloads", index, "pool"), workload.pool
        if workload.kind == "serverless":
            if "pool" in workload.model_fields_set:
                yield at, "pool options are for inference, training and batch workloads, not serverless ones"
            continue
        if pool.on_demand_base and not workload.spot:
            yield (*at, "on_demand_base"), "on_demand_base bursts the rest on spot, but the workload has spot: false"
        if pool.on_demand_base >= workload.capacity.max_nodes:
            yield (*at, "on_demand_base"), f"leaves no spot burst under capacity.max_nodes {workload.capacity.max_nodes}"
        if pool.zone and workload.redundancy_regions > 1:
            yield (*at, "zone"), f"one zone is one region, but redundancy_regions is {workload.redundancy_regions}"
        pin = workload.hardware
        offerings = [] if pin == "auto" else [
            found for region in pin.regions if (found := catalog.offering(pin.cloud, region, pin.instance_type))
        ]
        if not offerings:  # auto placement, or a pin the workload checks already reported
            continue
        offering = offerings[0]
        if pool.zone:
            here = next((o for o in offerings if pool.zone.startswith(o.region)), None)
            if here is None:
                yield (*at, "zone"), f"zone {pool.zone} is not in the pinned regions ({', '.join(pin.regions)})"
            elif here.zones and pool.zone not in here.zones:
                yield (*at, "zone"), (
                    f"{pin.instance_type} is not offered in {pool.zone}; zones offering it: {', '.join(here.zones)}"
                )
        if pool.gpu_sharing != "none" and pin.cloud == "aws":
            yield (*at, "gpu_sharing"), "GPU sharing is available on GKE pools; EKS pools use whole GPUs"
        elif pool.mig_partition and (problem := mig_problem(offering.accelerator, pool.mig_partition)):
            yield (*at, "mig_partition"), problem
        if pool.capacity_block and pin.cloud != "aws":
            yield (*at, "capacity_block"), "capacity blocks are EC2 Capacity Blocks for ML; on GCP name the reservation only"
        if pool.efa and pin.cloud == "aws" and pin.instance_type not in EFA_INTERFACES:
            yield (*at, "efa"), f"{pin.instance_type} has no EFA; EFA types: {', '.join(sorted(EFA_INTERFACES))}"
        if pool.ami_family == "bottlerocket" and is_neuron(offering.accelerator):
            yield (*at, "ami_family"), f"{offering.accelerator} nodes run the AL2023 Neuron AMI; use al2023"


def bucket_region(spec: StackSpec, bucket: Bucket, allowed: dict[str, tuple[str, ...]]) -> str | None:
    """Where a stack bucket lives: its own region, else the stack's home region of its cloud."""
    cloud = bucket.cloud or spec.clouds[0]
    return bucket.region or spec.home_regions.get(cloud) or next(iter(allowed.get(cloud, ())), None)


def dual_region(catalog: Catalog, first: str, second: str) -> tuple[str, str] | None:
    """GCS (bucket location, KMS key location) of a dual-region of two GCP regions, if one keeps residency."""
    places = {catalog.region("gcp", name).jurisdiction for name in (first, second) if catalog.region("gcp", name)}
    return GCS_DUAL_REGIONS.get(places.pop()) if len(places) == 1 else None


def _storage(spec: StackSpec, catalog: Catalog, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    for index, bucket in enumerate(spec.storage):
        at, cloud = ("storage", index), bucket.cloud or spec.clouds[0]
        if cloud not in spec.clouds:
            yield (*at, "cloud"), f"cloud {cloud!r} is not in the stack's clouds ({', '.join(spec.clouds)})"
            continue
        if bucket.region and (problem := _in_residency(cloud, bucket.region, allowed)):
            yield (*at, "region"), problem
        region = bucket_region(spec, bucket, allowed)
        for r_index, other in enumerate(bucket.replication_regions):
            if problem := _in_residency(cloud, other, allowed):
                yield (*at, "replication_regions", r_index), f"no copy may leave the residency: {problem}"
            elif other == region:
                yield (*at, "replication_regions", r_index), f"{other} is the bucket's own region"
            elif cloud == "gcp" and dual_region(catalog, region, other) is None:
                yield (*at, "replication_regions", r_index), (
                    f"a dual-region of {region} and {other} needs both in the EU or both in the US "
                    "(its encryption key lives in that multi-region)"
                )
        if cloud == "aws" and not bucket.versioning and (bucket.retention_days or bucket.replication_regions):
            yield (*at, "versioning"), "S3 Object Lock and replication work on object versions: leave versioning on"


SAGEMAKER_FAMILIES = ("g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "inf2", "trn1")
"""EC2 families SageMaker hosts as `ml.<type>` instances that async endpoints may use."""
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


def endpoint_region(spec: StackSpec, options: Serverless, allowed: dict[str, tuple[str, ...]]) -> str | None:
    """Where a serverless endpoint runs: its bucket's region (SageMaker), else Cloud Run's region choice."""
    bucket = next((b for b in spec.storage if b.name == options.bucket), None)
    if options.region or options.endpoint != "gcp-cloud-run-gpu":
        return options.region or (bucket_region(spec, bucket, allowed) if bucket else None)
    if bucket:
        return bucket_region(spec, bucket, allowed)
    return next((r for r in allowed.get("gcp", ()) if r in CLOUD_RUN_GPU_REGIONS), None)


def _serverless(spec: StackSpec, catalog: Catalog, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    buckets = {b.name: b for b in spec.storage}
    for index, workload in enumerate(spec.workloads):
        options = workload.serverless
        if options is None:
            continue
        at = ("workloads", index, "serverless")
        cloud = "gcp" if options.endpoint == "gcp-cloud-run-gpu" else "aws"
        if cloud not in spec.clouds:
            yield (*at, "endpoint"), f"{options.endpoint} runs on {cloud}, which is not in the stack's clouds"
            continue
        bucket = buckets.get(options.bucket)
        if options.bucket and bucket is None:
            yield (*at, "bucket"), f"no bucket named {options.bucket!r} under storage; buckets: {allowed_list(buckets) or 'none'}"
            continue
        if bucket and (bucket.cloud or spec.clouds[0]) != cloud:
            yield (*at, "bucket"), f"bucket {bucket.name!r} is not on {cloud}, where {options.endpoint} runs"
            continue
        region = endpoint_region(spec, options, allowed)
        if cloud == "gcp":
            yield from _cloud_run_region(at, options, region, bucket and bucket_region(spec, bucket, allowed), allowed)
        else:
            image = _ECR_IMAGE.match(options.image)
            if not image or image["region"] != region:
                yield (*at, "image"), f"SageMaker pulls the image from ECR in the endpoint's region {region}: <account>.dkr.ecr.{region}.amazonaws.com/<repo>:<tag>"
            pin = workload.hardware
            if pin != "auto" and (pin.cloud, tuple(pin.regions)) != ("aws", (region,)):
                yield ("workloads", index, "hardware"), f"an async endpoint runs in its bucket's region: pin cloud aws, regions [{region}]"
            elif pin != "auto" and pin.instance_type.split(".")[0] not in SAGEMAKER_FAMILIES:
                yield ("workloads", index, "hardware", "instance_type"), (
                    f"SageMaker does not host {pin.instance_type}; families: {', '.join(SAGEMAKER_FAMILIES)}"
                )
        yield from _fits(("workloads", index, "model"), workload, options, catalog)


def _cloud_run_region(at: tuple, options: Serverless, region: str | None, bucket_at: str | None,
                      allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    offered = f"Cloud Run GPU regions: {', '.join(CLOUD_RUN_GPU_REGIONS)}"
    if region is None:
        yield (*at, "endpoint"), f"no region inside the residency offers Cloud Run GPUs ({offered})"
    elif options.region and (problem := _in_residency("gcp", region, allowed)):
        yield (*at, "region"), problem
    elif region not in CLOUD_RUN_GPU_REGIONS:
        yield (*at, "region" if options.region else "bucket"), f"{region} has no Cloud Run GPUs; {offered}"
    elif bucket_at and bucket_at != region:
        yield (*at, "region"), f"the bucket is in {bucket_at}; run the endpoint next to its model, in {bucket_at}"


def _fits(at: tuple, workload, options: Serverless, catalog: Catalog) -> Iterator[Finding]:
    """The model fits the memory of a serverless instance (async instances are sized by the selector)."""
    if options.endpoint == "aws-sagemaker-async":
        return
    model = workload.model
    try:
        need = estimate_memory(model.name, model.parameters_b, model.precision, model.context_tokens,
                               model.concurrency, model.gpu_memory_gb).total_gb
    except SizingError:
        return  # the selector reports an unsized model
    l4 = next(o.accelerator_memory_gb for o in catalog.offerings if o.accelerator == "NVIDIA L4")
    have, what = ((options.memory / 1024, f"memory_mb {options.memory}") if options.endpoint == "aws-sagemaker-serverless"
                  else (l4, "the NVIDIA L4 of a Cloud Run instance"))
    if need > have:
        yield at, f"the model needs about {need:.1f} GB but {what} holds {have:g} GB"


PROVIDER_CLOUDS = {"bedrock": "aws", "vertex_ai": "gcp"}
"""Route model prefixes skyweave can place, and the cloud whose regions serve them."""
BEDROCK_GEOGRAPHIES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
"""Prefixes of Bedrock cross-region inference profiles (`bedrock/eu.anthropic...`): they run in any region
of that geography (`global`: anywhere), not only in the route's region."""


def bedrock_geography(model: str) -> str | None:
    """The geography a Bedrock cross-region inference profile may run in; None for an in-region model ID."""
    provider, _, model_id = model.partition("/")
    if provider not in ("bedrock", "bedrock_converse"):
        return None
    prefix = model_id.split(".", 1)[0]
    return prefix if "." in model_id and prefix in BEDROCK_GEOGRAPHIES else None


def _gateway(spec: StackSpec, catalog: Catalog) -> Iterator[Finding]:
    gateway = spec.gateway
    if not gateway:
        return
    # Provider routes may use a cloud the stack deploys nothing to; residency still applies.
    allowed = allowed_regions(spec.model_copy(update={"clouds": list(PROVIDER_CLOUDS.values())}), catalog)
    for index, route in enumerate(gateway.routes):
        at = ("gateway", "routes", index)
        if "/" in route.model:
            yield from _provider_route(at, route, spec, catalog, allowed)
        else:
            yield from _self_hosted_route(at, route, spec)
    yield from _gateway_regions(spec, catalog, allowed)
    routes = [r.name for r in gateway.routes]
    for field in ("fallbacks", "context_window_fallbacks"):
        for source, targets in getattr(gateway, field).items():
            if source not in routes:
                yield ("gateway", field, source), f"no route named {source!r}{did_you_mean(source, routes)}"
            for target in targets:
                if target not in routes:
                    yield ("gateway", field, source), (
                        f"fallback {target!r} is not a route{did_you_mean(target, routes)}; routes: {allowed_list(routes)}"
                    )
    yield from _gateway_state(spec)


def _provider_route(
    at: tuple, route, spec: StackSpec, catalog: Catalog, allowed: dict[str, tuple[str, ...]]
) -> Iterator[Finding]:
    provider = route.model.split("/", 1)[0]
    cloud = PROVIDER_CLOUDS.get(provider)
    if cloud is None:
        yield (*at, "model"), (
            f"unknown provider {provider!r}; a route's model is bedrock/<model ID>, vertex_ai/<model> "
            "or the name of an inference workload of this stack"
        )
        return
    if route.weights:
        yield (*at, "weights"), f"weights are for self-hosted routes; {provider} serves its own models"
    geography = bedrock_geography(route.model)
    if geography and (spec.residency.regions or geography not in spec.residency.jurisdictions):
        yield (*at, "model"), (
            f"{route.model!r} is a cross-region inference profile that may run in any {geography} region, not only "
            f"in {route.region or 'the route region'}; use the in-region model ID "
            f"(bedrock/{route.model.split('.', 1)[1]}) with a region inside the residency"
        )
    if route.region is None:
        example = "eu-central-1" if cloud == "aws" else "europe-west4"
        yield (*at, "region"), f"required for {provider} routes: the {cloud} region that serves the model, e.g. {example}"
        return
    known = [r.name for r in catalog.regions(cloud)]
    if route.region not in known:
        yield (*at, "region"), f"unknown {cloud} region {route.region!r}{did_you_mean(route.region, known)}"
    elif not allowed[cloud]:
        yield (*at, "region"), f"{provider} model {route.model!r}: no {cloud} region is inside the stack's residency"
    elif problem := _in_residency(cloud, route.region, allowed):
        yield (*at, "region"), f"{provider} model {route.model!r}: {problem}"


def _self_hosted_route(at: tuple, route, spec: StackSpec) -> Iterator[Finding]:
    workloads = {w.name: w for w in spec.workloads}
    workload = workloads.get(route.model)
    if workload is None:
        names = [w.name for w in spec.workloads if w.kind == "inference"]
        yield (*at, "model"), (
            f"no workload named {route.model!r}{did_you_mean(route.model, names)}; a route's model is "
            f"bedrock/<model ID>, vertex_ai/<model> or an inference workload ({allowed_list(names) or 'none defined'})"
        )
        return
    if workload.kind != "inference":
        yield (*at, "model"), f"workload {workload.name!r} is a {workload.kind} workload; routes serve inference workloads"
    if route.region is not None:
        yield (*at, "region"), f"a self-hosted route runs where workload {workload.name!r} is placed; remove region"
    if route.api_key is not None:
        yield (*at, "api_key"), "a self-hosted route is reached inside the cluster; api_key is for providers"
    if route.weights is None:
        yield (*at, "weights"), "required for self-hosted routes: {bucket, path} of the model weights in one of the stack's buckets"
        return
    buckets = {b.name: b for b in spec.storage}
    bucket = buckets.get(route.weights.bucket)
    if bucket is None:
        yield (*at, "weights", "bucket"), (
            f"no bucket named {route.weights.bucket!r} under storage{did_you_mean(route.weights.bucket, buckets)}; "
            f"buckets: {allowed_list(buckets) or 'none defined'}"
        )
    elif workload.hardware != "auto" and (bucket.cloud or spec.clouds[0]) != workload.hardware.cloud:
        yield (*at, "weights", "bucket"), (
            f"bucket {bucket.name!r} is on {bucket.cloud or spec.clouds[0]} but workload {workload.name!r} runs on "
            f"{workload.hardware.cloud}; keep the weights on the pool's cloud"
        )


def _gateway_regions(spec: StackSpec, catalog: Catalog, allowed: dict[str, tuple[str, ...]]) -> Iterator[Finding]:
    gateway = spec.gateway
    clouds = {r.name: r.cloud for cloud in spec.clouds for r in catalog.regions(cloud)}
    pinned = {w.name: w.hardware for w in spec.workloads if w.hardware != "auto"}
    for index, region in enumerate(gateway.regions):
        cloud = clouds.get(region)
        if cloud is None:
            yield ("gateway", "regions", index), (
                f"unknown region {region!r} for clouds {', '.join(spec.clouds)}{did_you_mean(region, clouds)}"
            )
            continue
        if problem := _in_residency(cloud, region, allowed):
            yield ("gateway", "regions", index), problem
            continue
        for route in gateway.routes:
            pin = pinned.get(route.model)
            if pin and region not in pin.regions:
                yield ("gateway", "regions", index), (
                    f"route {route.name!r} is served by workload {route.model!r}, which runs in "
                    f"{', '.join(pin.regions)}, not in {region}; a gateway reaches its self-hosted models in its own cluster"
                )


def _gateway_state(spec: StackSpec) -> Iterator[Finding]:
    """Features that need shared state: the database for budgets, Redis for counters shared by pods."""
    gateway = spec.gateway
    if gateway.teams and gateway.database_url is None:
        yield ("gateway", "teams"), (
            "team budgets are enforced against spend stored in PostgreSQL: give gateway.database_url "
            "(a secret reference to the database URL) or remove teams"
        )
    if gateway.cache_ttl_seconds and gateway.redis is None:
        yield ("gateway", "cache_ttl_seconds"), "the response cache lives in Redis: give gateway.redis"
    providers = {r.model.split("/", 1)[0] for r in gateway.routes if "/" in r.model}
    for provider in gateway.provider_budgets:
        if provider not in providers:
            yield ("gateway", "provider_budgets", provider), f"no route uses {provider}"
    counted = [r.name for r in gateway.routes if r.rpm or r.tpm]
    if gateway.replicas.max > 1 and gateway.redis is None and (counted or gateway.provider_budgets or gateway.teams):
        what = "rate limits" if counted else "budgets"
        yield ("gateway", "replicas", "max"), (
            f"{what} are counted per pod without Redis: with up to {gateway.replicas.max} pods a limit lets "
            f"{gateway.replicas.max}x through; give gateway.redis to share the counters, or run one pod (replicas: {{min: 1, max: 1}})"
        )
