"""Properties over the example stacks: nothing compliant is flagged, and no move out of the residency is missed.

Every AWS and GCP resource type the components create is taken from the offline plans of `stacks/*.yaml`;
moving one (its provider and every placement input) to any catalog region outside its stack's residency
must make SKW-RES-001 name that region.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_helpers import messages, provider, resource_args

from policies.residency import deny_region_outside_residency
from skyweave.catalog import load_catalog
from skyweave.pipeline import StackPlan, plan_stack
from skyweave.policy_config import policy_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "stacks").glob("*.yaml"))


@pytest.fixture(scope="module")
def plans() -> list[StackPlan]:
    return [plan_stack(path) for path in EXAMPLES]


def test_example_stacks_have_no_finding_that_is_not_waived(plans: list[StackPlan]) -> None:
    assert len(plans) >= 2
    for plan in plans:
        assert [v for v in plan.violations if v.enforcement != "waived"] == [], plan.path


def _samples(plans: list[StackPlan]) -> list[tuple[dict[str, Any], Any, list[str]]]:
    """One resource per (stack, type) with the stack's residency config and the regions outside it."""
    catalog = load_catalog()
    samples, seen = [], set()
    for plan in plans:
        config = policy_config(plan.spec)["residency-region-inside-residency"]
        for r in plan.resources:
            if not r.custom or r.is_provider or r.cloud not in ("aws", "gcp") or (plan.spec.name, r.type) in seen:
                continue
            seen.add((plan.spec.name, r.type))
            outside = [x.name for x in catalog.regions(r.cloud) if x.name not in config["allowedRegions"]]
            samples.append((config, r, outside))
    return samples


def _moved(inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """The inputs with every placement the resource names itself moved to `region`."""
    moved = copy.deepcopy(inputs)
    for key in ("region", "location"):
        if isinstance(moved.get(key), str):
            moved[key] = region.upper() if moved[key].isupper() else region
    if isinstance(moved.get("zone"), str):
        moved["zone"] = f"{region}-a"
    if isinstance(moved.get("availabilityZone"), str):
        moved["availabilityZone"] = f"{region}a"
    if moved.get("nodeLocations"):
        moved["nodeLocations"] = [f"{region}-b"]
    if (moved.get("customPlacementConfig") or {}).get("dataLocations"):
        moved["customPlacementConfig"]["dataLocations"] = [region.upper()]
    return moved


@pytest.fixture(scope="module")
def samples(plans: list[StackPlan]) -> list[tuple[dict[str, Any], Any, list[str]]]:
    return _samples(plans)


def test_every_component_resource_type_is_covered(samples: list) -> None:
    types = {r.type for _, r, _ in samples}
    assert {"aws:s3/bucket:Bucket", "aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool",
            "gcp:storage/bucket:Bucket"} <= types


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_region_outside_the_residency_is_caught(samples: list, data: st.DataObject) -> None:
    config, resource, outside = data.draw(st.sampled_from(samples), label="resource")
    region = data.draw(st.sampled_from(outside), label="region")
    args = resource_args(resource.type, _moved(resource.inputs, region), config, name=resource.name,
                         the_provider=provider(resource.cloud, region))
    found = messages(deny_region_outside_residency.POLICY, args)
    assert any(f"'{region}'" in m or f"'{region.upper()}'" in m or f"'{region}-" in m for m in found), (
        resource.type, region, found)
