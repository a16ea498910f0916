"""Gateway sections the loader refuses, with the file, line, field and what to change; exit code 2."""

from __future__ import annotations

import copy

import pytest
from conftest import BASE_STACK, write_stack
from gateway_stacks import HYBRID
from typer.testing import CliRunner

from skyweave.cli import app

BEDROCK = {"name": "chat", "model": "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "region": "eu-west-1"}


def refused(tmp_path, stack: dict) -> list[str]:
    """The error lines `skyweave plan` prints for a stack file, after checking it exits with code 2."""
    path = write_stack(tmp_path, stack)
    result = CliRunner().invoke(app, ["plan", str(path)])
    assert result.exit_code == 2, result.output
    prefix = f"error: {path}:"
    return [line.removeprefix(prefix) for line in result.output.splitlines() if line.startswith("error:")]


def gateway_stack(**gateway) -> dict:
    return {**BASE_STACK, "gateway": {"routes": [BEDROCK], **gateway}}


def hybrid(**changes) -> dict:
    stack = {**BASE_STACK, **copy.deepcopy(HYBRID)}
    stack["gateway"].update(changes)
    return stack


def test_a_route_to_a_model_outside_the_residency_is_refused(tmp_path):
    stack = gateway_stack(routes=[{**BEDROCK, "region": "us-east-1"}])
    assert refused(tmp_path, stack) == [
        "24: gateway.routes[0].region: bedrock model 'bedrock/anthropic.claude-3-haiku-20240307-v1:0': "
        "region 'us-east-1' is outside the stack's residency; allowed aws regions: eu-west-1"
    ]


def test_a_vertex_route_is_held_to_the_residency_even_without_gcp_in_the_clouds(tmp_path):
    stack = gateway_stack(routes=[BEDROCK, {"name": "long", "model": "vertex_ai/gemini-2.5-pro", "region": "us-central1"}])
    (line,) = refused(tmp_path, stack)
    assert line == (
        "27: gateway.routes[1].region: vertex_ai model 'vertex_ai/gemini-2.5-pro': no gcp region is inside the "
        "stack's residency"
    )


@pytest.mark.parametrize(("route", "field", "message"), [
    ({"name": "chat", "model": "bedrock/x"}, "region",
     "required for bedrock routes: the aws region that serves the model, e.g. eu-central-1"),
    ({"name": "chat", "model": "openai/gpt-4o", "region": "eu-west-1"}, "model",
     "unknown provider 'openai'; a route's model is bedrock/<model ID>, vertex_ai/<model> or the name of an "
     "inference workload of this stack"),
    ({**BEDROCK, "region": "eu-wset-1"}, "region", "unknown aws region 'eu-wset-1' (did you mean 'eu-west-1'?)"),
    ({"name": "chat", "model": "llama"}, "model",
     "no workload named 'llama'; a route's model is bedrock/<model ID>, vertex_ai/<model> or an inference "
     "workload (none defined)"),
])
def test_route_problems_name_the_field(tmp_path, route, field, message):
    (line,) = refused(tmp_path, gateway_stack(routes=[route]))
    assert line.split(": ", 1)[1] == f"gateway.routes[0].{field}: {message}"


def test_self_hosted_routes_need_weights_in_one_of_the_stacks_buckets(tmp_path):
    stack = hybrid()
    stack["gateway"]["routes"][0].pop("weights")
    assert [line.split(": ", 1)[1] for line in refused(tmp_path, stack)] == [
        "gateway.routes[0].weights: required for self-hosted routes: {bucket, path} of the model weights in one "
        "of the stack's buckets"
    ]
    stack["gateway"]["routes"][0]["weights"] = {"bucket": "weights", "path": "m"}
    assert [line.split(": ", 1)[1] for line in refused(tmp_path, stack)] == [
        "gateway.routes[0].weights.bucket: no bucket named 'weights' under storage (did you mean 'model-weights'?); "
        "buckets: model-weights"
    ]


def test_team_budgets_without_a_database_are_refused(tmp_path):
    stack = hybrid()
    del stack["gateway"]["database_url"]
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == (
        "gateway.teams: team budgets are enforced against spend stored in PostgreSQL: give gateway.database_url "
        "(a secret reference to the database URL) or remove teams"
    )


def test_limits_counted_per_pod_need_redis_when_pods_scale(tmp_path):
    stack = gateway_stack(routes=[{**BEDROCK, "rpm": 100}])
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == (
        "gateway.replicas.max: rate limits are counted per pod without Redis: with up to 6 pods a limit lets 6x "
        "through; give gateway.redis to share the counters, or run one pod (replicas: {min: 1, max: 1})"
    )


def test_the_response_cache_needs_redis_and_budgets_need_a_route_of_their_provider(tmp_path):
    stack = gateway_stack(cache_ttl_seconds=300, provider_budgets={"vertex_ai": 100}, replicas={"min": 1, "max": 1})
    assert [line.split(": ", 1)[1] for line in refused(tmp_path, stack)] == [
        "gateway.cache_ttl_seconds: the response cache lives in Redis: give gateway.redis",
        "gateway.provider_budgets.vertex_ai: no route uses vertex_ai",
    ]


def test_fallbacks_must_name_routes(tmp_path):
    stack = gateway_stack(context_window_fallbacks={"chat": ["chat-long"]})
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == (
        "gateway.context_window_fallbacks.chat: fallback 'chat-long' is not a route (did you mean 'chat'?); routes: chat"
    )


def test_a_secret_reference_needs_one_complete_source(tmp_path):
    stack = gateway_stack(master_key={"secret": "litellm"})
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == "gateway.master_key: an existing Kubernetes Secret needs both secret and key"


def test_a_gateway_region_must_run_its_pinned_self_hosted_workloads(tmp_path):
    stack = hybrid(regions=["eu-central-1"])
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == (
        "gateway.regions[0]: route 'chat-fast' is served by workload 'llama-small', which runs in eu-west-1, not in "
        "eu-central-1; a gateway reaches its self-hosted models in its own cluster"
    )


def test_a_cross_region_inference_profile_is_refused_when_the_residency_names_regions(tmp_path):
    stack = gateway_stack(routes=[{**BEDROCK, "model": "bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0"}])
    (line,) = refused(tmp_path, stack)
    assert line.split(": ", 1)[1] == (
        "gateway.routes[0].model: 'bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0' is a cross-region "
        "inference profile that may run in any eu region, not only in eu-west-1; use the in-region model ID "
        "(bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0) with a region inside the residency"
    )


def test_a_cross_region_inference_profile_inside_a_whole_jurisdiction_is_accepted(tmp_path):
    from skyweave.stackfile import load_stack

    profile = "bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0"
    stack = {**gateway_stack(routes=[{**BEDROCK, "model": profile}]), "residency": {"jurisdictions": ["eu"]}}
    assert load_stack(write_stack(tmp_path, stack)).gateway.routes[0].model == profile
