"""The LLM gateway of one cluster: LiteLLM proxy in front of cloud models and self-hosted vLLM servers.

One Namespace holds it all. The proxy's config is a ConfigMap rendered from the stack file (routes,
fallbacks, retries, cooldowns, enforced rate limits, provider budgets); a checksum of it on the pod
template rolls the pods when it changes. Secrets reach the pods only through `secretKeyRef`: existing
Kubernetes Secrets, or one Secret skyweave fills from Pulumi secrets (masked in every plan). Pods run
non-root on a read-only filesystem, spread over zones, behind a NetworkPolicy, with an HPA and a PDB.
"""

from __future__ import annotations

import hashlib

import pulumi

from components import pod_hardening as hardening
from components.gateway_config import (
    DATABASE_ENV,
    PROXY_PORT,
    SECRET_NAME,
    GatewayArgs,
    render_litellm_config,
    secret_env,
)
from components.gateway_identity import grant_gke_access
from components.gateway_teams import sync_teams
from components.vllm_server import PORT as VLLM_PORT
from components.vllm_server import VllmServer

PORT = PROXY_PORT
APP = "litellm"
CONFIG_PATH = "/etc/litellm/config.yaml"
PROXY_SKIPS = {
    "CKV_K8S_35": "LiteLLM reads secrets only from environment variables (os.environ/ references); "
                  "values come from secretKeyRef, never from the manifest",
    "CKV_K8S_43": "pinned to an immutable, cosign-signed LiteLLM release tag; digest pinning is left to the "
                  "registry admission policy",
}


class Gateway(pulumi.ComponentResource):
    """LiteLLM proxy, its self-hosted models and its team budgets in one cluster."""

    url: pulumi.Output[str]
    """In-cluster base URL of the gateway, e.g. `http://litellm.skyweave-gateway.svc.cluster.local:4000`."""
    config_sha256: pulumi.Output[str]
    """SHA-256 of the rendered LiteLLM config (also on the pod template, so a change rolls the pods)."""

    def __init__(self, name: str, args: GatewayArgs, provider: pulumi.ProviderResource,
                 opts: pulumi.ResourceOptions | None = None):
        config = render_litellm_config(args)  # before anything registers: a bad config creates nothing
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[provider]))
        super().__init__("skyweave:gateway:Gateway", name, args.model_dump(), opts)
        import pulumi_kubernetes as k8s

        digest = hashlib.sha256(config.encode()).hexdigest()
        child = pulumi.ResourceOptions(parent=self)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": args.namespace, "labels": {
                "app.kubernetes.io/managed-by": "skyweave",
                # Every pod here meets the Restricted Pod Security Standard; the API server enforces it.
                "pod-security.kubernetes.io/enforce": "restricted",
            }},
            opts=child,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        labels = pod_labels(args.stack_name)
        meta = {"name": APP, "namespace": args.namespace, "labels": labels}
        servers = [
            VllmServer(f"{name}-{server.workload}", server, args.namespace, in_namespace) for server in args.self_hosted
        ]
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata={**meta, "annotations": args.service_account_annotations},
            automount_service_account_token=False, opts=in_namespace,
        )
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-config", metadata={**meta, "name": f"{APP}-config"}, data={"config.yaml": config}, opts=in_namespace,
        )
        owned = _pulumi_secret(name, args, meta, in_namespace)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={**meta, "annotations": hardening.checkov_skips(PROXY_SKIPS)},
            spec={
                "replicas": args.min_replicas,
                "selector": {"match_labels": labels},
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_surge": 1, "max_unavailable": 0}},
                "template": {
                    "metadata": {"labels": labels, "annotations": {"checksum/config": digest}},
                    "spec": _pod(args, labels),
                },
            },
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[account, config_map, *owned, *servers],
                # Once created, the autoscaler owns the replica count; a deploy must not reset it.
                ignore_changes=["spec.replicas"] if args.max_replicas > args.min_replicas else None,
            ),
        )
        service = k8s.core.v1.Service(
            f"{name}-service", metadata=meta,
            spec={"selector": labels, "ports": [{"name": "http", "port": PORT, "target_port": "http"}]},
            opts=in_namespace,
        )
        if args.max_replicas > args.min_replicas:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-hpa", metadata=meta,
                spec={
                    "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": APP},
                    "min_replicas": args.min_replicas,
                    "max_replicas": args.max_replicas,
                    "metrics": [{"type": "Resource", "resource": {
                        "name": "cpu", "target": {"type": "Utilization", "average_utilization": 70}}}],
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
            )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb", metadata=meta,
            spec={"max_unavailable": 1, "selector": {"match_labels": labels}},
            opts=in_namespace,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy", metadata=meta, spec=_network_policy(args, labels), opts=in_namespace,
        )
        if args.cloud == "gcp" and args.gcp_project:
            grant_gke_access(name, args, APP, child)
        self.url = pulumi.Output.from_input(gateway_url(args.namespace))
        if args.teams:
            sync_teams(name, args, self.url, labels, pulumi.ResourceOptions(parent=self, depends_on=[deployment, service]))
        self.config_sha256 = pulumi.Output.from_input(digest)
        self.register_outputs({"url": self.url, "config_sha256": self.config_sha256})


def gateway_url(namespace: str) -> str:
    return f"http://{APP}.{namespace}.svc.cluster.local:{PORT}"


def pod_labels(stack_name: str) -> dict[str, str]:
    """Labels of a stack's gateway pods (vLLM servers admit traffic from exactly these)."""
    return {
        "app.kubernetes.io/name": APP,
        "app.kubernetes.io/instance": stack_name,
        "app.kubernetes.io/part-of": "skyweave-gateway",
        "app.kubernetes.io/managed-by": "skyweave",
    }


def _pulumi_secret(name: str, args: GatewayArgs, meta: dict, opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """The Secret holding values from Pulumi config; `require_secret` keeps them encrypted and masked."""
    import pulumi_kubernetes as k8s

    from_config = [s for s in args.secrets if s.config]
    if not from_config:
        return []
    config = pulumi.Config("skyweave")
    values = {s.env: config.require_secret(s.config) for s in from_config}
    return [k8s.core.v1.Secret(
        f"{name}-secrets", metadata={**meta, "name": SECRET_NAME}, type="Opaque", string_data=values, opts=opts,
    )]


def _pod(args: GatewayArgs, labels: dict[str, str]) -> dict:
    volumes, mounts = hardening.scratch_volumes({"tmp": "/tmp"})
    volumes.append({"name": "config", "config_map": {"name": f"{APP}-config"}})
    mounts.append({"name": "config", "mount_path": "/etc/litellm", "read_only": True})
    env = {
        # Use the price map shipped in the image; do not fetch one from the internet at start-up.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "INFO",
    }
    if args.env_of(DATABASE_ENV):
        env["LITELLM_MIGRATION_DIR"] = "/tmp/litellm-migrations"  # Prisma migrations on a read-only root
    spread = [
        {"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule",
         "label_selector": {"match_labels": labels}},
        {"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "ScheduleAnyway",
         "label_selector": {"match_labels": labels}},
    ]
    return {
        "service_account_name": APP,
        "automount_service_account_token": False,
        "security_context": hardening.pod_security_context(),
        "termination_grace_period_seconds": 90,
        "topology_spread_constraints": spread,
        "volumes": volumes,
        "containers": [{
            "name": APP,
            "image": args.image,
            "image_pull_policy": "Always",
            "args": ["--config", CONFIG_PATH, "--port", str(PORT)],
            "ports": [{"name": "http", "container_port": PORT, "protocol": "TCP"}],
            "env": [{"name": k, "value": v} for k, v in env.items()] + [secret_env(s) for s in args.secrets],
            "resources": hardening.resources(args.pod_cpu, args.pod_memory_gib),
            "security_context": hardening.container_security_context(),
            "volume_mounts": mounts,
            "startup_probe": _probe("/health/readiness", period=10, failures=30),
            "readiness_probe": _probe("/health/readiness", period=10, failures=3),
            "liveness_probe": _probe("/health/liveliness", period=15, failures=5),
        }],
    }


def _probe(path: str, period: int, failures: int) -> dict:
    return {"http_get": {"path": path, "port": "http"}, "period_seconds": period, "failure_threshold": failures,
            "timeout_seconds": 5}


def _network_policy(args: GatewayArgs, labels: dict[str, str]) -> dict:
    egress = hardening.cloud_egress(args.cloud)
    if args.self_hosted:
        egress.append({"to": [{"pod_selector": {"match_labels": {"app.kubernetes.io/name": "vllm"}}}],
                       "ports": [{"protocol": "TCP", "port": VLLM_PORT}]})
    outside = [{"ip_block": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}]
    if args.redis:
        egress.append({"to": outside, "ports": [{"protocol": "TCP", "port": args.redis.port}]})
    if args.env_of(DATABASE_ENV):
        egress.append({"to": outside, "ports": [{"protocol": "TCP", "port": 5432}]})
    # Callers anywhere in the cluster; the master key or a virtual key authenticates them.
    callers = [{"from": [{"namespace_selector": {}}], "ports": [{"protocol": "TCP", "port": PORT}]}]
    return hardening.network_policy(labels, ingress=callers, egress=egress)
