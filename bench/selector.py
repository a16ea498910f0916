"""Benchmark of the skyweave selector on random workloads over the shipped catalog.

Prints three figures:

* exactness: the selector's monthly cost divided by the minimum an exhaustive
  search finds (every instance type x capacity type x subset of N allowed
  regions); it must print 1.000, and both must agree on which workloads are
  infeasible;
* time per workload of ``select`` (mean and p95, milliseconds);
* savings against a naive choice: on-demand A100 80 GB nodes in the first
  allowed region(s), the smallest such node that holds one replica, with as many
  nodes as the throughput target needs (memory decides the hardware; latency,
  max_nodes and the cap are ignored, which only flatters the baseline).

The brute force shares only the node sizing (``size_node``, tested on its own)
with the selector; enumeration, constraints and pricing are written here.

Run: ``.venv/bin/python bench/selector.py [--workloads 400] [--seed 7]``
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
import time

from skyweave.catalog import Catalog, Offering, load_catalog
from skyweave.models import KNOWN_MODELS
from skyweave.selector import SelectionError, SelectionRequest, select
from skyweave.sizing import NodeMisfit, NodeSizing, estimate_memory, size_node

PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")
CONTEXTS = (2048, 4096, 8192, 16384, 32768)
NAIVE_ACCELERATOR = "NVIDIA A100 80GB"


def random_request(rng: random.Random, catalog: Catalog, index: int) -> SelectionRequest:
    clouds = rng.choice((("aws",), ("gcp",), ("aws", "gcp")))
    jurisdictions = sorted({r.jurisdiction for r in catalog.regions()})
    residency = rng.choice(("eu", "us", "any")) if rng.random() < 0.8 else rng.choice(jurisdictions)
    regions = {cloud: catalog.regions(cloud) if residency == "any" else catalog.regions_in(residency, cloud)
               for cloud in clouds}
    allowed = {cloud: tuple(r.name for r in inside) for cloud, inside in regions.items()}
    if rng.random() < 0.5:
        memory = estimate_memory(
            rng.choice(sorted(KNOWN_MODELS)), precision=rng.choice(PRECISIONS),
            context_tokens=rng.choice(CONTEXTS), concurrency=rng.randint(1, 64),
        )
    else:
        memory = estimate_memory(
            parameters_b=round(math.exp(rng.uniform(math.log(0.5), math.log(400))), 1),
            precision=rng.choice(PRECISIONS), context_tokens=rng.choice(CONTEXTS), concurrency=rng.randint(1, 64),
        )
    min_nodes = rng.choice((0, 0, 1, 2))
    return SelectionRequest(
        workload=f"w{index}",
        memory=memory,
        allowed_regions=allowed,
        throughput_tokens_per_s=None if rng.random() < 0.3 else math.exp(rng.uniform(math.log(50), math.log(30000))),
        latency_ms_per_token=None if rng.random() < 0.6 else rng.randint(10, 150),
        redundancy_regions=rng.choice((1, 1, 1, 2, 2, 3)),
        min_nodes=min_nodes,
        max_nodes=rng.randint(max(1, min_nodes), 16),
        spot_ok=rng.random() < 0.5,
        monthly_cap_usd=None if rng.random() < 0.7 else math.exp(rng.uniform(math.log(500), math.log(500000))),
        residency=residency,
    )


def _sizing(request: SelectionRequest, offering: Offering) -> NodeSizing | None:
    try:
        return size_node(
            request.memory, offering.accelerator, offering.accelerator_count, offering.accelerator_memory_gb,
            offering.accelerator_memory_bandwidth_gbps, request.throughput_tokens_per_s,
            request.latency_ms_per_token, request.min_nodes,
        )
    except NodeMisfit:
        return None


def brute_force(request: SelectionRequest, catalog: Catalog) -> tuple[float | None, int]:
    """Minimum monthly cost over every type x capacity type x N-region subset, and the subsets tried."""
    by_type: dict[tuple[str, str], list[Offering]] = {}
    for offering in catalog.offerings:
        if offering.region in request.allowed_regions.get(offering.cloud, ()):
            by_type.setdefault((offering.cloud, offering.instance_type), []).append(offering)
    best, tried = None, 0
    for offers in by_type.values():
        if not offers[0].accelerator.startswith("NVIDIA"):
            continue
        sizing = _sizing(request, offers[0])
        if sizing is None or sizing.nodes > request.max_nodes:
            continue
        for capacity_type in ("on_demand", "spot") if request.spot_ok else ("on_demand",):
            prices = [
                o.spot_usd_hr if capacity_type == "spot" else o.ondemand_usd_hr for o in offers
            ]
            prices = [p for p in prices if p is not None]
            for subset in itertools.combinations(prices, request.redundancy_regions):
                tried += 1
                cost = sum(sizing.nodes * price * request.hours_per_month for price in subset)
                if request.monthly_cap_usd is not None and cost > request.monthly_cap_usd:
                    continue
                if best is None or cost < best:
                    best = cost
    return best, tried


def naive_cost(request: SelectionRequest, catalog: Catalog) -> float | None:
    """First allowed region with an A100 80 GB node that holds a replica; its smallest such node."""
    memory_only = request._replace(latency_ms_per_token=None)
    for cloud, regions in request.allowed_regions.items():
        a100 = [
            o for o in catalog.offerings_for(cloud=cloud)
            if o.accelerator == NAIVE_ACCELERATOR and o.region in regions and o.ondemand_usd_hr is not None
        ]
        for region in regions:
            for node in sorted((o for o in a100 if o.region == region), key=lambda o: o.accelerator_count):
                sizing = _sizing(memory_only, node)
                if sizing is None:
                    continue
                same_type = sorted((o for o in a100 if o.instance_type == node.instance_type),
                                   key=lambda o: regions.index(o.region))[: request.redundancy_regions]
                if len(same_type) < request.redundancy_regions:
                    return None
                return sum(sizing.nodes * o.ondemand_usd_hr * request.hours_per_month for o in same_type)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    catalog = load_catalog()
    rng = random.Random(args.seed)
    requests = [random_request(rng, catalog, i) for i in range(args.workloads)]

    timings, ratios, disagreements, subsets = [], [], [], 0
    picked, naive = [], []
    for request in requests:
        started = time.perf_counter()
        try:
            cost = select(request, catalog).pick.monthly_usd
        except SelectionError:
            cost = None
        timings.append((time.perf_counter() - started) * 1000)
        exhaustive, tried = brute_force(request, catalog)
        subsets += tried
        if (cost is None) != (exhaustive is None):
            disagreements.append(request.workload)
        elif cost is not None:
            ratios.append(cost / exhaustive)
            baseline = naive_cost(request, catalog)
            if baseline is not None:
                picked.append(cost)
                naive.append(baseline)

    feasible = len(ratios)
    print(f"skyweave selector benchmark: {len(requests)} random workloads (seed {args.seed}), "
          f"{len(catalog.offerings)} offerings, catalog as of {catalog.as_of}")
    print(f"exactness: cost ratio selector / brute force = {min(ratios):.3f} .. {max(ratios):.3f} over {feasible} "
          f"feasible workloads; {len(requests) - feasible - len(disagreements)} infeasible for both; "
          f"{len(disagreements)} disagreements; brute force tried {subsets:,} region subsets")
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"time per workload: mean {statistics.mean(timings):.2f} ms, p95 {p95:.2f} ms")
    savings = [1 - c / n for c, n in zip(picked, naive)]
    print(f"savings vs naive on-demand A100 80 GB in the first allowed region(s): "
          f"{1 - sum(picked) / sum(naive):.1%} of total cost (${sum(naive):,.0f} -> ${sum(picked):,.0f}/month), "
          f"median {statistics.median(savings):.1%} per workload, over {len(picked)} workloads both can serve "
          f"(the naive choice finds no A100 80 GB node in enough allowed regions "
          f"for the other {feasible - len(picked)})")
    if disagreements or max(abs(r - 1) for r in ratios) > 1e-9:
        raise SystemExit(f"selector is not exact: {disagreements or 'cost ratio differs from 1'}")


if __name__ == "__main__":
    main()
