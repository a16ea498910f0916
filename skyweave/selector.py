"""Exact choice of cloud, regions, instance type and capacity type for a workload.

For every instance type of the allowed clouds the selector checks, in order:
the accelerator is an NVIDIA GPU (Inferentia/Trainium need Neuron-compiled
models, so they are used only when pinned), it is offered inside the residency,
one replica fits one node, the node meets the latency target, the node count
for the throughput target stays within ``capacity.max_nodes``, enough regions
price it for ``redundancy_regions``, and the cost stays under the workload's
monthly cap. Every (instance type, capacity type) that passes is a candidate;
the cheapest wins. When none passes, the furthest check any instance type got
to is the binding constraint, and the error names its cheapest relaxation
(`skyweave.selector_relax`).

Zones: the catalog lists zones only where a source gives them and leaves the
list empty when unknown, so no offering is known to have no zone and zones do
not rule anything out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import NamedTuple

from skyweave.catalog import Catalog, Offering, apply_price_book, load_catalog
from skyweave.sizing import (
    BandwidthUnknown,
    DoesNotFitMemory,
    MemoryEstimate,
    NodeSizing,
    SizingError,
    TooSlow,
    estimate_memory,
    size_node,
)

ON_DEMAND, SPOT = "on_demand", "spot"
CAPACITY_WORDS = {ON_DEMAND: "on-demand", SPOT: "spot"}
SERVED_ACCELERATOR_VENDOR = "NVIDIA"
ALTERNATIVES = 5

# The checks in the order above; a failure records how far its instance type got.
STAGE_ACCELERATOR, STAGE_OFFERED, STAGE_MEMORY, STAGE_SPEED, STAGE_NODES, STAGE_REGIONS, STAGE_CAP = range(7)


class SelectionError(ValueError):
    """No placement satisfies the workload; the message names the binding constraint."""


class Pin(NamedTuple):
    cloud: str
    regions: tuple[str, ...]
    instance_type: str
    capacity_type: str = ON_DEMAND
    nodes: int | None = None


class SelectionRequest(NamedTuple):
    """What the selector needs to know about one workload and its stack."""

    workload: str
    memory: MemoryEstimate
    allowed_regions: Mapping[str, tuple[str, ...]]
    throughput_tokens_per_s: float | None = None
    latency_ms_per_token: float | None = None
    redundancy_regions: int = 1
    min_nodes: int = 0
    max_nodes: int = 4
    spot_ok: bool = False
    hours_per_month: float = 730.0
    monthly_cap_usd: float | None = None
    pin: Pin | None = None
    residency: str = "allowed"
    """How messages name the allowed regions, e.g. "eu"."""
    carbon_usd_per_g_kwh: float = 0.0
    """Objective weight: USD a month per node per gCO2e/kWh of grid intensity; 0 ranks by cost alone."""


class Placement(NamedTuple):
    cloud: str
    regions: tuple[str, ...]
    instance_type: str
    accelerator: str
    capacity_type: str
    sizing: NodeSizing
    nodes: int
    """Nodes in each region."""
    node_hourly_usd: tuple[float, ...]
    """Price of one node in each region, in the order of ``regions``."""
    hours_per_month: float
    objective: float
    reasons: tuple[str, ...] = ()

    @property
    def accelerators_per_replica(self) -> int:
        return self.sizing.accelerators_per_replica

    @property
    def hourly_usd(self) -> float:
        return self.nodes * sum(self.node_hourly_usd)

    @property
    def monthly_usd(self) -> float:
        return self.hourly_usd * self.hours_per_month

    def rank(self) -> tuple:
        return (round(self.objective, 6), self.cloud, self.regions, self.instance_type, self.capacity_type)


class Rejection(NamedTuple):
    subject: str
    """An instance type, or a whole class such as "spot"."""
    reason: str


class Selection(NamedTuple):
    workload: str
    memory: MemoryEstimate
    pick: Placement
    alternatives: tuple[Placement, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    pinned: bool = False

    def explain(self) -> list[str]:
        return self.memory.explain() + self.pick.sizing.explain()


class Failure(NamedTuple):
    """How far an instance type got through the checks, and why it stopped there."""

    stage: int
    offers: list[Offering]
    reason: str
    error: Exception | None = None
    sizing: NodeSizing | None = None
    priced_regions: int = 0

    @property
    def instance_type(self) -> str:
        return self.offers[0].instance_type


def select(request: SelectionRequest, catalog: Catalog) -> Selection:
    if request.pin is not None:
        return _select_pinned(request, catalog)
    carbon = _carbon_penalty(request, catalog)
    candidates: list[Placement] = []
    failures: list[Failure] = []
    for offers in _offerings_by_type(catalog, request.allowed_regions):
        outcome = evaluate_type(request, offers, carbon)
        if isinstance(outcome, Failure):
            failures.append(outcome)
        else:
            candidates.extend(outcome)
    if not candidates:
        from skyweave.selector_relax import binding_constraint

        raise SelectionError(f"workload {request.workload}: {binding_constraint(request, failures, carbon)}")
    ranked = sorted(candidates, key=Placement.rank)
    # Closest calls first: the further a type got through the checks, the earlier it is listed.
    by_closeness = sorted(failures, key=lambda f: (-f.stage, f.instance_type))
    rejected = [Rejection(f.instance_type, f.reason) for f in by_closeness]
    if not request.spot_ok:
        rejected.insert(0, Rejection(SPOT, "workload does not tolerate interruption (spot: false)"))
    alternatives = tuple(ranked[1 : 1 + ALTERNATIVES])
    pick = ranked[0]._replace(reasons=_pick_reasons(request, ranked, alternatives))
    return Selection(request.workload, request.memory, pick, alternatives, tuple(rejected))


def _offerings_by_type(catalog: Catalog, allowed: Mapping[str, tuple[str, ...]]) -> list[list[Offering]]:
    """Offerings of the allowed clouds grouped by instance type (all regions), in name order."""
    groups: dict[tuple[str, str], list[Offering]] = defaultdict(list)
    for offering in catalog.offerings:
        if offering.cloud in allowed:
            groups[(offering.cloud, offering.instance_type)].append(offering)
    return [groups[key] for key in sorted(groups)]


def _price(offering: Offering, capacity_type: str) -> float | None:
    return offering.spot_usd_hr if capacity_type == SPOT else offering.ondemand_usd_hr


def _carbon_penalty(request: SelectionRequest, catalog: Catalog) -> Callable[[str, str], float]:
    """USD a month one node adds to the objective for its region's grid intensity.

    A region without a published intensity counts as the dirtiest known one, so
    missing data never wins on carbon.
    """
    weight = request.carbon_usd_per_g_kwh
    if not weight:
        return lambda cloud, region: 0.0
    worst = max((r.carbon_g_per_kwh for r in catalog.regions() if r.carbon_g_per_kwh is not None), default=0.0)

    def penalty(cloud: str, region: str) -> float:
        known = catalog.region(cloud, region)
        intensity = known.carbon_g_per_kwh if known and known.carbon_g_per_kwh is not None else worst
        return weight * intensity

    return penalty


def evaluate_type(
    request: SelectionRequest, offers: list[Offering], carbon: Callable[[str, str], float]
) -> list[Placement] | Failure:
    first = offers[0]
    if not first.accelerator.startswith(SERVED_ACCELERATOR_VENDOR):
        return Failure(STAGE_ACCELERATOR, offers, f"{first.accelerator} needs Neuron-compiled models; pin it to use it")
    inside = [o for o in offers if o.region in request.allowed_regions[first.cloud]]
    if not inside:
        return Failure(STAGE_OFFERED, offers, f"not offered in any {request.residency} region in the catalog")
    try:
        sizing = size_node(
            request.memory,
            first.accelerator,
            first.accelerator_count,
            first.accelerator_memory_gb,
            first.accelerator_memory_bandwidth_gbps,
            request.throughput_tokens_per_s,
            request.latency_ms_per_token,
            request.min_nodes,
        )
    except DoesNotFitMemory as misfit:
        return Failure(STAGE_MEMORY, offers, str(misfit), misfit)
    except (TooSlow, BandwidthUnknown) as misfit:
        return Failure(STAGE_SPEED, offers, str(misfit), misfit)
    capacity_types = (ON_DEMAND, SPOT) if request.spot_ok else (ON_DEMAND,)
    if sizing.nodes > request.max_nodes:
        reason = f"needs {sizing.nodes} nodes per region > capacity.max_nodes {request.max_nodes}"
        return Failure(STAGE_NODES, offers, reason, sizing=sizing)
    options = [p for cap in capacity_types if (p := _cheapest_regions(request, inside, cap, sizing, carbon))]
    if not options:
        priced = max(sum(_price(o, cap) is not None for o in inside) for cap in capacity_types)
        reason = _regions_reason(request, inside, capacity_types, priced)
        return Failure(STAGE_REGIONS, offers, reason, priced_regions=priced)
    within_cap = [p for p in options if request.monthly_cap_usd is None or p.monthly_usd <= request.monthly_cap_usd]
    if not within_cap:
        cheapest = min(options, key=Placement.rank)
        reason = (
            f"cheapest placement ${cheapest.monthly_usd:,.2f}/month > monthly_cap_usd ${request.monthly_cap_usd:,.2f}"
        )
        return Failure(STAGE_CAP, offers, reason)
    return within_cap


def _cheapest_regions(
    request: SelectionRequest,
    inside: list[Offering],
    capacity_type: str,
    sizing: NodeSizing,
    carbon: Callable[[str, str], float],
) -> Placement | None:
    """The N cheapest regions for one instance type and capacity type.

    Exact without searching region subsets: with the type fixed, every region
    needs the same node count, so the objective is a sum of independent
    per-region terms and the N smallest terms give the minimum (ties by name).
    With a carbon weight and a monthly cap together, the cap is checked on
    these regions only, and a set worse on carbon but under the cap is missed.
    """
    nodes, hours = sizing.nodes, request.hours_per_month
    terms = sorted(
        (nodes * (price * hours + carbon(o.cloud, o.region)), o.region, price)
        for o in inside
        if (price := _price(o, capacity_type)) is not None
    )
    if len(terms) < request.redundancy_regions:
        return None
    chosen = terms[: request.redundancy_regions]
    first = inside[0]
    return Placement(
        cloud=first.cloud,
        regions=tuple(region for _, region, _ in chosen),
        instance_type=first.instance_type,
        accelerator=first.accelerator,
        capacity_type=capacity_type,
        sizing=sizing,
        nodes=nodes,
        node_hourly_usd=tuple(price for _, _, price in chosen),
        hours_per_month=hours,
        objective=sum(term for term, _, _ in chosen),
    )


def _regions_reason(request: SelectionRequest, inside: list[Offering], capacity_types: tuple, priced: int) -> str:
    wanted = request.redundancy_regions
    names = ", ".join(sorted(o.region for o in inside))
    if len(inside) < wanted:
        return f"offered in only {len(inside)} {request.residency} region(s) ({names}); redundancy_regions is {wanted}"
    words = " or ".join(CAPACITY_WORDS[c] for c in capacity_types)
    if priced == 0:
        return f"no {words} price in the catalog for its {request.residency} region(s) ({names})"
    return (
        f"{words} price known in only {priced} of {len(inside)} {request.residency} region(s) ({names}); "
        f"redundancy_regions is {wanted}"
    )


def _pick_reasons(request: SelectionRequest, ranked: list[Placement], alternatives: tuple[Placement, ...]) -> tuple:
    pick = ranked[0]
    sizing = pick.sizing
    prices = ", ".join(f"{r} ${p:.3f}/node-hour" for r, p in zip(pick.regions, pick.node_hourly_usd))
    reasons = [
        f"cheapest of {len(ranked)} feasible (instance type, capacity type) options in {request.residency} regions",
        f"{len(pick.regions)} cheapest region(s) for it: {prices}",
        "spot: the workload tolerates interruption" if pick.capacity_type == SPOT else "on-demand capacity",
    ]
    if request.latency_ms_per_token is not None:
        reasons.append(f"time per token {sizing.step_ms:.1f} ms <= {request.latency_ms_per_token:g} ms target")
    if request.throughput_tokens_per_s is not None:
        served = pick.nodes * sizing.replicas_per_node * sizing.tokens_per_s_per_replica
        reasons.append(
            f"{pick.nodes} node(s) x {sizing.replicas_per_node} replica(s) x {sizing.tokens_per_s_per_replica:.0f} "
            f"tokens/s = {served:.0f} >= {request.throughput_tokens_per_s:g} tokens/s per region"
        )
    if alternatives:
        runner_up = alternatives[0]
        extra = runner_up.monthly_usd - pick.monthly_usd
        reasons.append(
            f"next cheapest: {runner_up.instance_type} {CAPACITY_WORDS[runner_up.capacity_type]} at "
            f"${runner_up.monthly_usd:,.2f}/month (+${extra:,.2f})"
        )
    return tuple(reasons)


def _select_pinned(request: SelectionRequest, catalog: Catalog) -> Selection:
    pin = request.pin

    def refuse(problem: str) -> SelectionError:
        return SelectionError(f"workload {request.workload}: pinned {pin.instance_type}: {problem}")

    if pin.cloud not in request.allowed_regions:
        raise refuse(f"cloud {pin.cloud} is not in the stack's clouds")
    if pin.capacity_type == SPOT and not request.spot_ok:
        raise refuse("spot capacity but the workload does not tolerate interruption (spot: false)")
    if len(pin.regions) < request.redundancy_regions:
        raise refuse(f"{len(pin.regions)} region(s) but redundancy_regions is {request.redundancy_regions}")
    prices = []
    for region in pin.regions:
        if region not in request.allowed_regions[pin.cloud]:
            raise refuse(f"region {region} is outside the {request.residency} residency")
        offering = catalog.offering(pin.cloud, region, pin.instance_type)
        if offering is None:
            raise refuse(f"not offered in {region} in the catalog")
        price = _price(offering, pin.capacity_type)
        if price is None:
            raise refuse(f"no {CAPACITY_WORDS[pin.capacity_type]} price for {region} in the catalog")
        prices.append(price)
    hardware = (
        request.memory,
        offering.accelerator,
        offering.accelerator_count,
        offering.accelerator_memory_gb,
        offering.accelerator_memory_bandwidth_gbps,
    )
    reasons = ["pinned in the stack file"]
    throughput, latency = request.throughput_tokens_per_s, request.latency_ms_per_token
    try:
        sizing = size_node(*hardware, throughput, latency, request.min_nodes)
    except DoesNotFitMemory as misfit:
        raise refuse(str(misfit)) from None
    except TooSlow as misfit:
        reasons.append(f"warning: {misfit}")
        sizing = size_node(*hardware, throughput, None, request.min_nodes)
    except BandwidthUnknown as misfit:
        reasons.append(f"warning: {misfit}")
        sizing = size_node(*hardware, None, None, request.min_nodes)
    nodes = pin.nodes or sizing.nodes
    if nodes < sizing.nodes:
        reasons.append(f"warning: {nodes} node(s) per region pinned; the throughput target needs {sizing.nodes}")
    if nodes > request.max_nodes:
        reasons.append(f"warning: {nodes} nodes per region > capacity.max_nodes {request.max_nodes}")
    placement = Placement(
        cloud=pin.cloud,
        regions=tuple(pin.regions),
        instance_type=pin.instance_type,
        accelerator=offering.accelerator,
        capacity_type=pin.capacity_type,
        sizing=sizing,
        nodes=nodes,
        node_hourly_usd=tuple(prices),
        hours_per_month=request.hours_per_month,
        objective=nodes * sum(prices) * request.hours_per_month,
    )
    cap = request.monthly_cap_usd
    if cap is not None and placement.monthly_usd > cap:
        reasons.append(f"warning: ${placement.monthly_usd:,.2f}/month > monthly_cap_usd ${cap:,.2f}")
    placement = placement._replace(reasons=tuple(reasons))
    return Selection(request.workload, request.memory, placement, pinned=True)


def request_from_spec(workload, stack, catalog: Catalog) -> SelectionRequest:
    """The selector's view of a stack-file workload (``skyweave.spec.Workload``)."""
    model = workload.model
    try:
        memory = estimate_memory(
            model.name,
            model.parameters_b,
            model.precision,
            model.context_tokens,
            model.concurrency,
            model.gpu_memory_gb,
        )
    except SizingError as problem:
        raise SelectionError(f"workload {workload.name}: {problem}") from None
    hardware = workload.hardware
    pin = None
    if hardware != "auto":
        pin = Pin(
            hardware.cloud, tuple(hardware.regions), hardware.instance_type, hardware.capacity_type, hardware.nodes
        )
    residency = stack.residency
    return SelectionRequest(
        workload=workload.name,
        memory=memory,
        allowed_regions=stack.allowed_regions(catalog),
        throughput_tokens_per_s=workload.throughput_tokens_per_s,
        latency_ms_per_token=workload.latency_p95_ms,
        redundancy_regions=workload.redundancy_regions,
        min_nodes=workload.capacity.min_nodes,
        max_nodes=workload.capacity.max_nodes,
        spot_ok=workload.spot,
        hours_per_month=stack.usage.hours_per_month,
        monthly_cap_usd=workload.monthly_cap_usd,
        pin=pin,
        residency="/".join(residency.jurisdictions) if residency.jurisdictions and not residency.regions else "allowed",
    )


def select_stack(stack, catalog: Catalog | None = None) -> list[Selection]:
    """Selections for every workload of a stack, at the stack's price-book prices."""
    book = stack.price_book
    priced = apply_price_book(catalog or load_catalog(), book.discount_pct, book.overrides)
    return [select(request_from_spec(workload, stack, priced), priced) for workload in stack.workloads]
