"""Shared fixtures: write a stack file, plan it offline, and look resources up by type and name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from skyweave.pipeline import StackPlan, plan_stack
from skyweave.plan import PlannedResource

ROOT = Path(__file__).resolve().parent.parent

BASE_STACK: dict[str, Any] = {
    "name": "test-eu",
    "environment": "test",
    "owner": {"team": "ml-platform", "cost_center": "CC-1042"},
    "clouds": ["aws"],
    "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1"]},
    "budget": {"monthly_cap_usd": 5000, "alert_thresholds_pct": [80, 100], "notify_emails": ["alerts@example.com"]},
}


def write_stack(directory: Path, data: dict[str, Any], name: str = "stack.yaml") -> Path:
    path = directory / name
    with path.open("w") as handle:
        YAML().dump(data, handle)
    return path


class Planned:
    """A plan with look-ups by what a test asserts on."""

    def __init__(self, plan: StackPlan):
        self.plan = plan
        self.resources = plan.resources

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {type_token} {name or ''}, found {[r.name for r in found]}"
        return found[0]


@pytest.fixture
def plan_of(tmp_path: Path):
    """`plan_of({...overrides})`: plan BASE_STACK updated with the given top-level keys."""

    def run(overrides: dict[str, Any] | None = None, config: dict[str, str] | None = None) -> Planned:
        data = {**BASE_STACK, **(overrides or {})}
        return Planned(plan_stack(write_stack(tmp_path, data), config))

    return run
