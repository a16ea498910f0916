"""Team budgets of a gateway: a Job that creates or updates each team through LiteLLM's admin API.

LiteLLM keeps teams and their spend in PostgreSQL, not in its config file, so the stack file's teams
are applied after the proxy is up. The Job's name carries a hash of the teams, so a change runs a new
Job and an unchanged stack leaves the finished one alone. Budgets reset every calendar month (`1mo`).
"""

from __future__ import annotations

import hashlib
import json

import pulumi

from components import pod_hardening as hardening
from components.gateway_config import MASTER_KEY_ENV, PROXY_PORT, GatewayArgs, secret_env

CURL_IMAGE = "curlimages/curl:8.11.1"
SYNC_SCRIPT = """#!/bin/sh
# Create or update every team in /teams/*.json once the gateway answers.
set -eu
auth="Authorization: Bearer ${LITELLM_MASTER_KEY}"
curl -fsS --retry 30 --retry-all-errors --retry-delay 10 -o /dev/null "${GATEWAY_URL}/health/readiness"
for body in /teams/*.json; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "${GATEWAY_URL}/team/update" \\
    -H "$auth" -H 'Content-Type: application/json' --data @"$body")
  if [ "$code" != "200" ]; then
    curl -fsS -o /dev/null -X POST "${GATEWAY_URL}/team/new" \\
      -H "$auth" -H 'Content-Type: application/json' --data @"$body"
  fi
  echo "team $(basename "$body" .json): budget applied"
done
"""
JOB_SKIPS = {
    "CKV_K8S_35": "the admin key is passed as an environment variable to curl; it comes from a secretKeyRef",
    "CKV_K8S_43": "pinned to an immutable curl release tag; digest pinning is left to the registry admission policy",
}


def team_payloads(args: GatewayArgs) -> dict[str, dict]:
    """Team → body of LiteLLM's /team/new and /team/update: a monthly budget over every route."""
    models = [route.name for route in args.routes]
    return {
        team.name: {"team_id": team.name, "team_alias": team.name, "max_budget": team.monthly_budget_usd,
                    "budget_duration": "1mo", "models": models}
        for team in args.teams
    }


def sync_teams(name: str, args: GatewayArgs, gateway_url: pulumi.Input[str], gateway_labels: dict[str, str],
               opts: pulumi.ResourceOptions) -> None:
    import pulumi_kubernetes as k8s

    data = {f"{team}.json": json.dumps(body, sort_keys=True) for team, body in team_payloads(args).items()}
    data["sync.sh"] = SYNC_SCRIPT
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    labels = {**gateway_labels, "app.kubernetes.io/name": "litellm-team-sync"}
    meta = {"name": f"litellm-teams-{digest}", "namespace": args.namespace, "labels": labels}
    k8s.core.v1.ConfigMap(f"{name}-teams", metadata=meta, data=data, opts=opts)
    master_key = next(s for s in args.secrets if s.env == MASTER_KEY_ENV)
    volumes, mounts = hardening.scratch_volumes({"tmp": "/tmp"})
    volumes.append({"name": "teams", "config_map": {"name": meta["name"]}})
    mounts.append({"name": "teams", "mount_path": "/teams", "read_only": True})
    k8s.batch.v1.Job(
        f"{name}-team-sync",
        metadata={**meta, "annotations": hardening.checkov_skips(JOB_SKIPS)},
        spec={
            "backoff_limit": 4,
            "active_deadline_seconds": 900,
            "template": {"metadata": {"labels": labels}, "spec": {
                "restart_policy": "Never",
                "automount_service_account_token": False,
                "security_context": hardening.pod_security_context(),
                "volumes": volumes,
                "containers": [{
                    "name": "sync",
                    "image": CURL_IMAGE,
                    "image_pull_policy": "Always",
                    "command": ["/bin/sh", "/teams/sync.sh"],
                    "env": [{"name": "GATEWAY_URL", "value": gateway_url}, secret_env(master_key)],
                    "resources": {"requests": {"cpu": "50m", "memory": "32Mi"},
                                  "limits": {"cpu": "200m", "memory": "64Mi"}},
                    "security_context": hardening.container_security_context(),
                    "volume_mounts": mounts,
                }],
            }},
        },
        opts=opts,
    )
    k8s.networking.v1.NetworkPolicy(
        f"{name}-team-sync-network-policy",
        metadata=meta,
        spec=hardening.network_policy(labels, ingress=[], egress=[
            hardening.dns_egress(),
            {"to": [{"pod_selector": {"match_labels": gateway_labels}}], "ports": [{"protocol": "TCP", "port": PROXY_PORT}]},
        ]),
        opts=opts,
    )
