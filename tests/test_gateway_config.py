"""The LiteLLM config the gateway renders: the golden file of a representative stack, and the checks that
stop an unusable config before it reaches a cluster.

Regenerate the golden file after an intended change with `SKYWEAVE_UPDATE_GOLDEN=1 pytest tests/test_gateway_config.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import BASE_STACK, write_stack
from gateway_stacks import HYBRID, TEST_SECRETS

from components.gateway_config import GatewayConfigError, check_litellm_config
from skyweave.pipeline import plan_stack

GOLDEN = Path(__file__).parent / "golden" / "litellm_config.yaml"
VALID = """
model_list:
  - model_name: chat
    litellm_params: {model: hosted_vllm/llama, api_base: "http://vllm-llama:8000/v1", rpm: 10}
  - model_name: backup
    litellm_params: {model: bedrock/anthropic.claude-3-haiku-20240307-v1:0, aws_region_name: eu-west-1}
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 2
  fallbacks: [{chat: [backup]}]
  optional_pre_call_checks: [enforce_model_rate_limits]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""


def rendered_config(tmp_path: Path) -> str:
    plan = plan_stack(write_stack(tmp_path, {**BASE_STACK, **HYBRID}), TEST_SECRETS)
    (config_map,) = [r for r in plan.resources if r.name == "test-eu-gateway-eu-west-1-config"]
    return config_map.inputs["data"]["config.yaml"]


def test_rendered_config_matches_the_golden_file(tmp_path):
    text = rendered_config(tmp_path)
    if os.environ.get("SKYWEAVE_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_the_golden_config_passes_the_checks_and_lists_every_route():
    config = check_litellm_config(GOLDEN.read_text(encoding="utf-8"))
    assert [m["model_name"] for m in config["model_list"]] == ["chat-fast", "chat-premium", "chat-long"]
    assert config["router_settings"]["optional_pre_call_checks"] == ["enforce_model_rate_limits"]


def test_a_valid_config_passes():
    assert check_litellm_config(VALID)["router_settings"]["fallbacks"] == [{"chat": ["backup"]}]


@pytest.mark.parametrize(("change", "problem"), [
    (("fallbacks: [{chat: [backup]}]", "fallbacks: [{chat: [gpt-5]}]"), "fallbacks: 'gpt-5' is not a model_name"),
    (("num_retries: 2", 'num_retries: "three"'), "router_settings.num_retries must be a non-negative integer"),
    (("rpm: 10", 'rpm: "10"'), "model_list[0].litellm_params.rpm must be a positive integer"),
    (("routing_strategy: simple-shuffle", "routing_strategy: round-robin"), "routing_strategy 'round-robin' is not one of"),
    (("optional_pre_call_checks: [enforce_model_rate_limits]", "optional_pre_call_checks: []"),
     "rpm/tpm limits are set but not enforced (enforce_model_rate_limits is missing)"),
    (("aws_region_name: eu-west-1}", "aws_region_name: eu-west-1, api_key: sk-live-123}"),
     "model_list[1].litellm_params.api_key holds a literal secret; use an os.environ/ reference"),
    (("master_key: os.environ/LITELLM_MASTER_KEY", "master_key: sk-1234"),
     "general_settings.master_key must be an os.environ/ reference"),
    (("model_list:", "models:"), "unknown section 'models'"),
    (("  num_retries: 2", "  num_retries: 2\n  provider_budget_config: {bedrock: {budget_limit: -5, time_period: 1mo}}"),
     "provider_budget_config.bedrock needs a positive budget_limit and a time_period"),
])
def test_unusable_configs_are_refused_with_the_reason(change, problem):
    with pytest.raises(GatewayConfigError, match="rendered LiteLLM config is unusable") as raised:
        check_litellm_config(VALID.replace(*change))
    assert problem in str(raised.value)


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(GatewayConfigError, match="is not YAML"):
        check_litellm_config("model_list: [unclosed")
