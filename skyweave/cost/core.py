"""The cost estimator: price each planned resource, then roll up by top-level component and region."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

from skyweave.catalog import Catalog
from skyweave.plan import PlannedResource
from skyweave.spec import StackSpec


class CostContext(NamedTuple):
    """What a pricing function may read: the stack (usage assumptions) and the priced catalog."""

    spec: StackSpec
    catalog: Catalog

    @property
    def hours_per_month(self) -> float:
        return self.spec.usage.hours_per_month


Pricer = Callable[[PlannedResource, CostContext], float]
_PRICERS: dict[str, Pricer] = {}
_FREE: set[str] = set()


def register(type_token: str) -> Callable[[Pricer], Pricer]:
    """Decorator: `fn(resource, ctx) -> monthly USD` prices resources of this type."""

    def add(fn: Pricer) -> Pricer:
        _PRICERS[type_token] = fn
        return fn

    return add


def register_free(*type_tokens: str) -> None:
    """Types with no charge of their own (IAM, policies, providers, Kubernetes objects, ...)."""
    _FREE.update(type_tokens)


def is_priced(type_token: str) -> bool:
    return type_token in _PRICERS or type_token in _FREE or type_token.startswith("pulumi:providers:")


class CostSummary(NamedTuple):
    monthly_usd: float
    by_component: dict[str, float]
    by_region: dict[str, float]
    unpriced_types: list[str]

    def to_json(self) -> dict:
        return {
            "monthly_usd": round(self.monthly_usd, 2),
            "by_component": {k: round(v, 2) for k, v in sorted(self.by_component.items())},
            "by_region": {k: round(v, 2) for k, v in sorted(self.by_region.items())},
        }


def estimate(resources: list[PlannedResource], ctx: CostContext) -> CostSummary:
    """Set `monthly_usd` on every custom resource and return the roll-ups.

    Sums use `math.fsum`, so totals do not depend on the order resources were registered in."""
    by_urn = {r.urn: r for r in resources}
    by_component: dict[str, list[float]] = defaultdict(list)
    by_region: dict[str, list[float]] = defaultdict(list)
    unpriced: set[str] = set()
    for r in resources:
        if not r.custom:
            continue
        pricer = _PRICERS.get(r.type)
        if pricer is None and not is_priced(r.type):
            unpriced.add(r.type)
        r.monthly_usd = round(pricer(r, ctx), 4) if pricer else 0.0
        if r.monthly_usd:
            by_component[top_component(r, by_urn)].append(r.monthly_usd)
            by_region[r.region or "global"].append(r.monthly_usd)
    return CostSummary(
        monthly_usd=math.fsum(v for values in by_region.values() for v in values),
        by_component={k: math.fsum(v) for k, v in by_component.items()},
        by_region={k: math.fsum(v) for k, v in by_region.items()},
        unpriced_types=sorted(unpriced),
    )


def top_component(resource: PlannedResource, by_urn: dict[str, PlannedResource]) -> str:
    """Name of the outermost component that holds a resource (its own name when top-level)."""
    current = resource
    while current.parent in by_urn:
        current = by_urn[current.parent]
    return current.name
