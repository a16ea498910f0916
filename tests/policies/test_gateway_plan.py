"""The gateway rules on a planned gateway: route regions read from the component's props and its ConfigMap."""

from __future__ import annotations

from skyweave.policy_config import policy_config
from skyweave.policy_eval import judge
from tests.gateway_stacks import HYBRID, TEST_SECRETS

ROUTES = "SKW-RES-003"


def test_a_compliant_hybrid_gateway_has_no_findings(plan_of) -> None:
    plan = plan_of(HYBRID, TEST_SECRETS).plan
    assert [v for v in plan.violations if v.enforcement != "waived"] == []


def test_a_route_region_outside_the_settings_fails_in_props_and_config_map(plan_of) -> None:
    plan = plan_of(HYBRID, TEST_SECRETS).plan
    config = policy_config(plan.spec)
    config["residency-gateway-routes-inside-residency"]["allowedRegions"] = ["eu-west-1", "europe-west4"]
    found = [(v.urn.rsplit("::", 1)[-1], v.message) for v in judge(plan, config) if v.id == ROUTES]
    model = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
    gateway = next(r for r in plan.resources if r.type == "skyweave:gateway:Gateway")
    config_map = next(r for r in plan.resources if r.type == "kubernetes:core/v1:ConfigMap" and r.parent == gateway.urn)
    assert found == [
        (gateway.name, f"route 'chat-premium' ({model}) is served from 'eu-central-1', outside the stack's "
                       f"residency; use one of: eu-west-1, europe-west4"),
        (config_map.name, f"data['config.yaml']: model_list entry 'chat-premium' ({model}) is served from "
                          f"'eu-central-1', outside the stack's residency; use one of: eu-west-1, europe-west4"),
    ]
