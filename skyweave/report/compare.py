"""Cost difference between this plan and a base plan (`skyweave plan --format json` on the base branch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from skyweave.pipeline import StackPlan


class BasePlanError(ValueError):
    """The base plan file cannot be read as a skyweave plan JSON."""


class CostChange(NamedTuple):
    key: str
    base: float
    head: float

    @property
    def diff(self) -> float:
        return self.head - self.base


class CostDiff(NamedTuple):
    """Monthly USD of the base and this plan, in total, by top-level component and by region."""

    base_total: float
    head_total: float
    by_component: list[CostChange]
    by_region: list[CostChange]

    @property
    def diff(self) -> float:
        return self.head_total - self.base_total


def load_base_plans(path: Path) -> dict[str, dict[str, Any]]:
    """Stack name → plan JSON, from one plan or a list of plans."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BasePlanError(f"{path}: cannot read the base plan: {exc.strerror}") from None
    except ValueError as exc:
        raise BasePlanError(f"{path}: not JSON ({exc}); write it with `skyweave plan --format json`") from None
    plans = data if isinstance(data, list) else [data]
    if not all(isinstance(p, dict) and "stack" in p and isinstance(p.get("cost"), dict) for p in plans):
        raise BasePlanError(f"{path}: not a skyweave plan; write it with `skyweave plan --format json`")
    return {p["stack"]: p for p in plans}


def cost_diff(plan: StackPlan, base: dict[str, Any] | None) -> CostDiff:
    """Changes by component and region; a stack missing from the base counts as new (base 0)."""
    head = plan.cost.to_json()
    before = (base or {}).get("cost", {})
    return CostDiff(
        base_total=float(before.get("monthly_usd", 0.0)),
        head_total=float(head["monthly_usd"]),
        by_component=_changes(before.get("by_component", {}), head["by_component"]),
        by_region=_changes(before.get("by_region", {}), head["by_region"]),
    )


def _changes(base: dict[str, float], head: dict[str, float]) -> list[CostChange]:
    keys = sorted(set(base) | set(head))
    changes = [CostChange(k, float(base.get(k, 0.0)), float(head.get(k, 0.0))) for k in keys]
    return sorted((c for c in changes if round(c.diff, 2)), key=lambda c: (-abs(c.diff), c.key))
