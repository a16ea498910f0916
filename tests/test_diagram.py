"""The Mermaid diagram in the Markdown plan: where everything runs and how the gateway routes requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.diagram import mermaid
from tests.conftest import BASE_STACK, write_stack

CONFIG = {"gatewayMasterKey": "sk-skyweave-diagram-test-4b1d"}

HYBRID: dict[str, Any] = {
    "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1", "europe-west4"]},
    "clouds": ["aws", "gcp"],
    "gcp_project": "ml-test-418201",
    "budget": {"monthly_cap_usd": 60000, "alert_thresholds_pct": [80, 100],
               "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"},
    "workloads": [
        {"name": "chat", "kind": "inference", "model": {"name": "llama-3.1-8b"},
         "hardware": {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g5.12xlarge"},
         "capacity": {"min_nodes": 1, "max_nodes": 3}},
        {"name": "reranker", "kind": "serverless",
         "model": {"parameters_b": 1.5, "context_tokens": 4096, "concurrency": 8},
         "serverless": {"endpoint": "gcp-cloud-run-gpu", "bucket": "prompts",
                        "image": "europe-west4-docker.pkg.dev/ml-test-418201/serving/vllm-openai:v0.10.1"}},
    ],
    "storage": [
        {"name": "weights", "region": "eu-west-1"},
        {"name": "prompts", "cloud": "gcp", "region": "europe-west4", "classification": "restricted",
         "retention_days": 365, "object_lock": "compliance"},
    ],
    "gateway": {
        "routes": [
            {"name": "chat", "model": "chat", "weights": {"bucket": "weights", "path": "models/llama-3.1-8b"}},
            {"name": "premium", "model": "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "region": "eu-west-1"},
            {"name": "long", "model": "vertex_ai/gemini-2.5-flash", "region": "europe-west4"},
        ],
        "fallbacks": {"chat": ["premium", "long"]},
        "context_window_fallbacks": {"chat": ["long"]},
    },
}

EXPECTED = '''\
flowchart LR
  subgraph routes["gateway routes"]
    route_chat>"chat"]
    route_premium>"premium"]
    route_long>"long"]
  end
  subgraph cloud_aws["AWS"]
    subgraph aws_eu_west_1["eu-west-1"]
      subgraph cluster_aws_eu_west_1["EKS cluster test-eu-eu-west-1"]
        pool_test_eu_chat_eu_west_1["pool chat (inference)<br/>g5.12xlarge · NVIDIA A10G<br/>1-3 nodes, on-demand"]
        gateway_test_eu_gateway_eu_west_1{{"LLM gateway"}}
      end
      bucket_test_eu_weights[("bucket weights<br/>internal")]
      budget_test_eu_aws_budget[/"budget alarm<br/>80/100 % of 60,000 USD"/]
      provider_bedrock_eu_west_1["bedrock eu-west-1"]
    end
  end
  subgraph cloud_gcp["Google Cloud"]
    subgraph gcp_europe_west4["europe-west4"]
      endpoint_test_eu_reranker(["endpoint reranker<br/>gcp-cloud-run-gpu"])
      bucket_test_eu_prompts[("bucket prompts<br/>restricted<br/>compliance lock 365 days")]
      budget_test_eu_gcp_budget[/"budget alarm<br/>80/100 % of 60,000 USD"/]
      provider_vertex_ai_europe_west4["vertex_ai europe-west4"]
    end
  end
  gateway_test_eu_gateway_eu_west_1 --> route_chat
  gateway_test_eu_gateway_eu_west_1 --> route_premium
  gateway_test_eu_gateway_eu_west_1 --> route_long
  route_chat --> pool_test_eu_chat_eu_west_1
  route_long --> provider_vertex_ai_europe_west4
  route_premium --> provider_bedrock_eu_west_1
  route_chat -.->|fallback 1| route_premium
  route_chat -.->|fallback 2| route_long
  route_chat -.->|longer context 1| route_long
'''


def test_clouds_regions_clusters_pools_endpoints_buckets_and_routes_with_fallbacks(plan_of) -> None:
    plan = plan_of(HYBRID, CONFIG).plan
    assert mermaid(plan) == EXPECTED


def test_a_stack_with_only_a_budget_still_shows_where_its_alarm_lives(plan_of) -> None:
    assert mermaid(plan_of().plan) == (
        "flowchart LR\n"
        '  subgraph cloud_aws["AWS"]\n'
        '    subgraph aws_eu_west_1["eu-west-1"]\n'
        '      budget_test_eu_aws_budget[/"budget alarm<br/>80/100 % of 5,000 USD"/]\n'
        "    end\n"
        "  end\n"
    )


def test_a_replica_bucket_is_drawn_in_its_region_and_linked_to_its_source(plan_of) -> None:
    diagram = mermaid(plan_of({
        "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1", "eu-central-1"]},
        "home_regions": {"aws": "eu-west-1"},
        "storage": [{"name": "training-data", "region": "eu-west-1", "replication_regions": ["eu-central-1"]}],
    }).plan)
    central = diagram.split('subgraph aws_eu_central_1["eu-central-1"]\n', 1)[1].split("    end\n", 1)[0]
    assert central == (
        '      bucket_test_eu_training_data_replica_eu_central_1[("replica of training-data<br/>internal")]\n'
    )
    replica = "bucket_test_eu_training_data_replica_eu_central_1"
    assert f"  bucket_test_eu_training_data -.->|replicates to| {replica}\n" in diagram


def test_markdown_plan_carries_the_diagram_in_a_mermaid_block(tmp_path: Path) -> None:
    stack = write_stack(tmp_path, {**BASE_STACK, "storage": [{"name": "weights", "region": "eu-west-1"}]})
    result = CliRunner().invoke(app, ["plan", str(stack), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    block = result.stdout.split("#### What gets deployed\n\n```mermaid\n", 1)[1].split("```\n", 1)[0]
    assert block.startswith("flowchart LR\n")
    assert '      bucket_test_eu_weights[("bucket weights<br/>internal")]\n' in block
    assert result.stdout.index("#### What gets deployed") < result.stdout.index("#### Policy findings")
