"""Stack-file sections the gateway tests plan: a representative hybrid gateway and a loopback test gateway."""

from __future__ import annotations

import copy
from typing import Any

TEST_SECRETS = {
    "gatewayMasterKey": "sk-skyweave-test-master-5d8f1e",
    "kubeconfig": "apiVersion: v1\nkind: Config\nusers: [{name: ci, user: {token: kube-token-a91c7b22}}]\n",
    "bedrockApiKey": "bedrock-test-key-3c0b9d",
}
"""Pulumi config the tests set; the values must never appear in any plan output."""
SECRET_MARKERS = ("sk-skyweave-test-master-5d8f1e", "kube-token-a91c7b22", "bedrock-test-key-3c0b9d")
"""A part of each secret above that is unique to it (the kubeconfig's token)."""

SELF_HOSTED_WORKLOAD = {
    "name": "llama-small",
    "kind": "inference",
    "model": {"name": "llama-3.1-8b"},
    "hardware": {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g5.12xlarge"},
}
WEIGHTS_BUCKET = {"name": "model-weights", "region": "eu-west-1", "classification": "confidential"}

HYBRID: dict[str, Any] = {
    "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1", "eu-central-1", "europe-west4"]},
    "clouds": ["aws", "gcp"],
    "gcp_project": "ml-test-418201",
    "budget": {"monthly_cap_usd": 50000, "alert_thresholds_pct": [80, 100], "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"},
    "workloads": [SELF_HOSTED_WORKLOAD],
    "storage": [WEIGHTS_BUCKET],
    "gateway": {
        "routes": [
            {"name": "chat-fast", "model": "llama-small", "rpm": 600, "tpm": 400000,
             "weights": {"bucket": "model-weights", "path": "models/llama-3.1-8b-instruct"}},
            {"name": "chat-premium", "model": "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
             "region": "eu-central-1", "rpm": 120, "api_key": {"config": "bedrockApiKey"}},
            {"name": "chat-long", "model": "vertex_ai/gemini-2.5-pro", "region": "europe-west4"},
        ],
        "fallbacks": {"chat-fast": ["chat-premium", "chat-long"], "chat-premium": ["chat-long"]},
        "context_window_fallbacks": {"chat-fast": ["chat-long"]},
        "routing_strategy": "least-busy",
        "num_retries": 1,
        "allowed_fails": 2,
        "cooldown_seconds": 60,
        "request_timeout_seconds": 300,
        "provider_budgets": {"bedrock": 2000, "vertex_ai": 1500},
        "teams": [{"name": "search", "monthly_budget_usd": 800}, {"name": "support-bot", "monthly_budget_usd": 250}],
        "database_url": {"secret": "litellm-database", "key": "url"},
        "redis": {"host": "gateway-cache.abc123.euw1.cache.amazonaws.com", "password": {"secret": "gateway-redis", "key": "auth"}},
        "cache_ttl_seconds": 600,
        "service_account_annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/test-eu-gateway"},
    },
}
"""Tiers, fallbacks across providers and regions, enforced limits, provider and team budgets, shared Redis."""

PROVIDERS_ONLY: dict[str, Any] = {
    "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1", "eu-central-1"]},
    "home_regions": {"aws": "eu-west-1"},
    "gateway": {"routes": [copy.deepcopy(HYBRID["gateway"]["routes"][1])], "replicas": {"min": 1, "max": 1}},
}
"""A gateway with a cloud route only: no GPU pool, so no cluster of the stack's own in its region."""

GKE: dict[str, Any] = {
    "clouds": ["gcp"],
    "gcp_project": "ml-test-418201",
    "residency": {"jurisdictions": ["eu"], "regions": ["europe-west4"]},
    "budget": {"monthly_cap_usd": 50000, "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"},
    "workloads": [{"name": "llama-mini", "kind": "inference", "model": {"name": "llama-3.2-3b", "concurrency": 8},
                   "hardware": {"cloud": "gcp", "regions": ["europe-west4"], "instance_type": "g2-standard-8"}}],
    "storage": [{"name": "model-weights", "region": "europe-west4"}],
    "gateway": {
        "routes": [
            {"name": "chat", "model": "llama-mini", "weights": {"bucket": "model-weights", "path": "models/llama-3.2-3b"}},
            {"name": "chat-long", "model": "vertex_ai/gemini-2.5-pro", "region": "europe-west4"},
        ],
        "fallbacks": {"chat": ["chat-long"]},
    },
}
"""A gateway on GKE: a self-hosted model with weights in Cloud Storage, Vertex AI as the fallback."""

LOOPBACK: dict[str, Any] = {
    "workloads": [
        {**SELF_HOSTED_WORKLOAD, "name": "llama-primary"},
        {**SELF_HOSTED_WORKLOAD, "name": "llama-backup"},
    ],
    "storage": [WEIGHTS_BUCKET],
    "gateway": {
        "routes": [
            {"name": "chat", "model": "llama-primary", "weights": {"bucket": "model-weights", "path": "models/a"}},
            {"name": "chat-backup", "model": "llama-backup", "weights": {"bucket": "model-weights", "path": "models/b"}},
            {"name": "chat-limited", "model": "llama-backup", "rpm": 2,
             "weights": {"bucket": "model-weights", "path": "models/b"}},
        ],
        "fallbacks": {"chat": ["chat-backup"]},
        "replicas": {"min": 1, "max": 1},
        "request_timeout_seconds": 20,
    },
}
"""Two self-hosted models the integration test stands in for on loopback, one route rate limited."""


def with_gateway(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a stack section set whose gateway has some fields changed."""
    stack = copy.deepcopy(base)
    stack["gateway"].update(changes)
    return stack
