"""Plan a stack file end to end: validate, place workloads, record resources, price them, judge them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from skyweave.catalog import Catalog, apply_price_book, load_catalog
from skyweave.cost import CostContext, CostSummary, estimate
from skyweave.plan import PlannedResource, record
from skyweave.spec import StackSpec
from skyweave.stack_config import read_stack_config
from skyweave.stackfile import load_stack


class Violation(NamedTuple):
    """One policy finding; `enforcement` is mandatory, advisory or waived (then `waiver` is its reason)."""

    id: str
    policy: str
    severity: str
    enforcement: str
    urn: str
    message: str
    waiver: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return self._asdict()


@dataclass
class StackPlan:
    """The offline plan of one stack: what `pulumi up` would create, what it costs, what the policies say."""

    path: str
    spec: StackSpec
    catalog: Catalog
    resources: list[PlannedResource]
    cost: CostSummary
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == "mandatory"]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.spec.name,
            "catalog": {"as_of": self.catalog.as_of},
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "cloud": r.cloud,
                    "region": r.region,
                    "inputs": r.inputs,
                    "monthly_usd": r.monthly_usd,
                }
                for r in self.resources
            ],
            "cost": self.cost.to_json(),
            "violations": [v.to_json() for v in self.violations],
        }


def priced_catalog(spec: StackSpec) -> Catalog:
    """The catalog with the stack's price book (negotiated discount, overrides) applied."""
    book = spec.price_book
    return apply_price_book(load_catalog(), book.discount_pct, book.overrides)


def plan_stack(path: str | Path, config: dict[str, str] | None = None) -> StackPlan:
    """Plan one stack file; raises StackFileError (bad input) or PlanError (undeployable program)."""
    spec = load_stack(path)
    catalog = priced_catalog(spec)
    file_config, secret_keys = read_stack_config(Path(path), spec.name)
    resources = record(spec, {**file_config, **(config or {})}, secret_keys)
    cost = estimate(resources, CostContext(spec, catalog))
    plan = StackPlan(str(path), spec, catalog, resources, cost)
    from skyweave.policy_eval import judge  # the policies import this module

    plan.violations = judge(plan)
    return plan
