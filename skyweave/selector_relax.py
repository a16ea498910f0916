"""Why no placement fits a workload: the binding constraint, and the cheapest relaxation that lifts it.

The selector calls `binding_constraint` only when every instance type failed one of its checks; the check
the furthest type reached is the binding one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from skyweave.selector import (
    CAPACITY_WORDS,
    STAGE_CAP,
    STAGE_MEMORY,
    STAGE_NODES,
    STAGE_OFFERED,
    STAGE_REGIONS,
    STAGE_SPEED,
    Failure,
    Placement,
    SelectionRequest,
    evaluate_type,
)
from skyweave.sizing import CUDA_CONTEXT_GB, GPU_MEMORY_UTILIZATION, MemoryEstimate, TooSlow


def binding_constraint(
    request: SelectionRequest, failures: list[Failure], carbon: Callable[[str, str], float]
) -> str:
    """Why nothing fits, and the smallest relaxation that makes something fit.

    Each instance type stopped by the binding constraint is re-evaluated with
    that constraint relaxed just enough for it (and, if it then trips a later
    check, that one too). Fewest relaxed constraints win, then the closest
    latency target or the most regions, then the cheapest placement.
    """
    stage = max((f.stage for f in failures), default=STAGE_OFFERED)
    at = [f for f in failures if f.stage == stage]
    where = request.residency
    if stage <= STAGE_OFFERED:
        clouds = ", ".join(request.allowed_regions)
        return (
            f"no NVIDIA GPU offering of {clouds} in any {where} region in the catalog: "
            "widen the residency or add a cloud"
        )
    if stage == STAGE_MEMORY:
        largest = max(at, key=lambda f: (f.error.node_gb, f.instance_type))
        node_gb = largest.error.node_gb
        return (
            f"no offering in {where} has {request.memory.total_gb:.1f} GB of GPU memory per node; the largest is "
            f"{node_gb:g} GB ({largest.instance_type}): {_memory_relaxation(request.memory, node_gb)}"
        )
    relaxable = [found for f in at if (found := _relax_until_feasible(request, f, carbon))]
    if not relaxable:
        closest = at[0]
        return f"{closest.instance_type} gets furthest through the checks but fails: {closest.reason}"

    def preference(found: tuple[SelectionRequest, Placement, int]) -> tuple:
        relaxed, placement, relaxations = found
        closeness = {STAGE_SPEED: relaxed.latency_ms_per_token, STAGE_REGIONS: -relaxed.redundancy_regions}.get(stage, 0)
        return (relaxations, closeness, placement.rank())

    relaxed, best, _ = min(relaxable, key=preference)
    also = "".join(f", then also {change}" for change in _secondary_relaxations(request, relaxed, best, stage))
    if stage == STAGE_SPEED:
        return (
            f"no offering in {where} reaches {request.latency_ms_per_token:g} ms per token; the fastest feasible is "
            f"{best.instance_type} at {best.sizing.step_ms:.1f} ms (${best.monthly_usd:,.2f}/month): "
            f"raise latency_p95_ms to {relaxed.latency_ms_per_token}{also}"
        )
    if stage == STAGE_REGIONS:
        return (
            f"redundancy_regions {request.redundancy_regions} but only {relaxed.redundancy_regions} {where} "
            f"region(s) offer {best.instance_type} at a known price: lower redundancy_regions to "
            f"{relaxed.redundancy_regions} (${best.monthly_usd:,.2f}/month){also}, or widen the residency"
        )
    if stage == STAGE_NODES:
        sizing = best.sizing
        most = request.max_nodes * sizing.replicas_per_node * sizing.tokens_per_s_per_replica
        return (
            f"cheapest feasible ({best.instance_type}, ${best.monthly_usd:,.2f}/month) needs {best.nodes} nodes per "
            f"region but capacity.max_nodes is {request.max_nodes}: raise max_nodes to {best.nodes}{also}, or lower "
            f"throughput_tokens_per_s to {math.floor(most)}"
        )
    return (
        f"cheapest feasible placement ({best.instance_type} {CAPACITY_WORDS[best.capacity_type]}, {best.nodes} node(s) "
        f"x {len(best.regions)} region(s)) costs ${best.monthly_usd:,.2f}/month > monthly_cap_usd "
        f"${request.monthly_cap_usd:,.2f}: raise monthly_cap_usd to {math.ceil(round(best.monthly_usd, 2))}"
    )


def _relax(request: SelectionRequest, failure: Failure) -> SelectionRequest | None:
    """The request with the check that stopped ``failure`` relaxed just enough for its type."""
    if failure.stage == STAGE_SPEED and isinstance(failure.error, TooSlow):
        return request._replace(latency_ms_per_token=math.ceil(failure.error.best_ms))
    if failure.stage == STAGE_NODES:
        return request._replace(max_nodes=failure.sizing.nodes)
    if failure.stage == STAGE_REGIONS and failure.priced_regions > 0:
        return request._replace(redundancy_regions=failure.priced_regions)
    if failure.stage == STAGE_CAP:
        return request._replace(monthly_cap_usd=None)
    return None


def _relax_until_feasible(
    request: SelectionRequest, failure: Failure, carbon: Callable[[str, str], float]
) -> tuple[SelectionRequest, Placement, int] | None:
    """(relaxed request, its cheapest placement of the type, checks relaxed), or None.

    Each relaxation carries the type past one more check, so this ends.
    """
    relaxed, relaxations = request, 0
    while (relaxed := _relax(relaxed, failure)) is not None:
        relaxations += 1
        outcome = evaluate_type(relaxed, failure.offers, carbon)
        if not isinstance(outcome, Failure):
            return relaxed, min(outcome, key=Placement.rank), relaxations
        failure = outcome
    return None


def _secondary_relaxations(
    request: SelectionRequest, relaxed: SelectionRequest, best: Placement, stage: int
) -> list[str]:
    """Later checks the relaxed type also needs relaxed."""
    changes = []
    if stage < STAGE_NODES and relaxed.max_nodes != request.max_nodes:
        changes.append(f"raise max_nodes to {relaxed.max_nodes}")
    if stage < STAGE_REGIONS and relaxed.redundancy_regions != request.redundancy_regions:
        changes.append(f"lower redundancy_regions to {relaxed.redundancy_regions}")
    if stage < STAGE_CAP and relaxed.monthly_cap_usd != request.monthly_cap_usd:
        changes.append(f"raise monthly_cap_usd to {math.ceil(round(best.monthly_usd, 2))}")
    return changes


def _memory_relaxation(memory: MemoryEstimate, node_gb: float) -> str:
    """The concurrency that would fit the largest node, else a smaller precision."""
    if memory.architecture is None:
        return f"lower gpu_memory_gb to {node_gb:g}"
    kv_per_sequence = memory.kv_cache_gb / memory.concurrency
    room = node_gb * GPU_MEMORY_UTILIZATION - memory.weights_gb - CUDA_CONTEXT_GB
    sequences = math.floor(room / kv_per_sequence) if room > 0 else 0
    if sequences >= 1:
        return f"lower concurrency to {sequences} or context_tokens, or serve a lower precision"
    return "the weights alone do not fit: serve a lower precision or a smaller model"
