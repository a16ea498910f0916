"""Stack file → gateways: one `Gateway` per cluster region, with its routes, secrets and vLLM servers.

Where a gateway runs: the regions the stack names, else every region where all of its self-hosted routes'
workloads run (the selector's placement, the one the GPU pools get), else the home region of the stack's
first cloud. A gateway reaches its self-hosted models inside its own cluster, so each of those workloads
must run in each gateway region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components.gateway import Gateway, pod_labels
from components.gateway_config import (
    DATABASE_ENV,
    MASTER_KEY_ENV,
    REDIS_PASSWORD_ENV,
    GatewayArgs,
    GatewayRouteArgs,
    RedisArgs,
    SecretEnv,
    TeamArgs,
)
from components.vllm_server import POOL_LABEL, VllmServerArgs
from skyweave.spec import GatewayRoute, SecretRef

if TYPE_CHECKING:
    from skyweave.program import Build
    from skyweave.selector import Placement

HOST_SHARE = 0.8
"""Share of a GPU node's CPU and memory given to vLLM pods; the rest is for the kubelet and daemons."""


class GatewayWiringError(ValueError):
    """The gateway cannot be placed as the stack asks; the message says what to change."""


def declare_gateways(ctx: Build) -> list[Gateway]:
    gateway = ctx.spec.gateway
    if gateway is None:
        return []
    placements = _self_hosted_placements(ctx)
    regions = _regions(ctx, placements)
    return [
        Gateway(
            f"{ctx.spec.name}-gateway-{region}",
            _gateway_args(ctx, cloud, region, placements),
            kubernetes_provider(ctx, cloud, region, several=len(regions) > 1),
            ctx.opts(cloud, region),  # cloud resources of the gateway (GKE identity grants) stay in its region
        )
        for cloud, region in regions
    ]


def _self_hosted_placements(ctx: Build) -> dict[str, Placement]:
    """Where the GPU fleet placed each workload a route names (routes serve inference workloads only)."""
    names = {r.model for r in ctx.spec.gateway.routes if "/" not in r.model}
    return {name: ctx.placements[name] for name in sorted(names) if name in ctx.placements}


def _regions(ctx: Build, placements: dict[str, Placement]) -> list[tuple[str, str]]:
    spec = ctx.spec
    clouds = {r.name: r.cloud for cloud in spec.clouds for r in ctx.catalog.regions(cloud)}
    if spec.gateway.regions:
        regions = [(clouds[region], region) for region in spec.gateway.regions]
    elif placements:
        sets = [{(p.cloud, r) for r in p.regions} for p in placements.values()]
        regions = sorted(set.intersection(*sets))
        if not regions:
            where = "; ".join(f"{w} in {', '.join(p.regions)}" for w, p in sorted(placements.items()))
            raise GatewayWiringError(
                f"gateway: no region runs every self-hosted workload ({where}); pin the workloads to a common "
                "region or give gateway.regions"
            )
    else:
        regions = [(spec.clouds[0], ctx.home_region(spec.clouds[0]))]
    for cloud, region in regions:
        for workload, pick in placements.items():
            if (cloud, region) not in {(pick.cloud, r) for r in pick.regions}:
                raise GatewayWiringError(
                    f"gateway in {region}: self-hosted workload {workload} runs in {', '.join(pick.regions)}; "
                    "a gateway reaches its self-hosted models only inside its own cluster"
                )
    return regions


def _gateway_args(ctx: Build, cloud: str, region: str, placements: dict[str, Placement]) -> GatewayArgs:
    spec, gateway = ctx.spec, ctx.spec.gateway
    routes, servers = [], {}
    for route in gateway.routes:
        if "/" in route.model:
            provider = route.model.split("/", 1)[0]
            routes.append(GatewayRouteArgs(
                name=route.name, model=route.model, provider=provider, region=route.region,
                rpm=route.rpm, tpm=route.tpm, api_key_env=_key_env(route) if route.api_key else None,
            ))
            continue
        routes.append(GatewayRouteArgs(name=route.name, model=route.model, provider="self_hosted", region=region,
                                       rpm=route.rpm, tpm=route.tpm))
        if route.model not in servers:
            servers[route.model] = _vllm_args(ctx, route, placements[route.model], region)
    redis = gateway.redis
    return GatewayArgs(
        stack_name=spec.name,
        cloud=cloud,
        region=region,
        routes=routes,
        self_hosted=list(servers.values()),
        fallbacks=gateway.fallbacks,
        context_window_fallbacks=gateway.context_window_fallbacks,
        routing_strategy=gateway.routing_strategy,
        num_retries=gateway.num_retries,
        allowed_fails=gateway.allowed_fails,
        cooldown_seconds=gateway.cooldown_seconds,
        request_timeout_seconds=gateway.request_timeout_seconds,
        provider_budgets=dict(gateway.provider_budgets),
        gcp_project=spec.gcp_project,
        secrets=_secrets(gateway),
        redis=RedisArgs(host=redis.host, port=redis.port, tls=redis.tls) if redis else None,
        cache_ttl_seconds=gateway.cache_ttl_seconds,
        teams=[TeamArgs(name=t.name, monthly_budget_usd=t.monthly_budget_usd) for t in gateway.teams],
        min_replicas=gateway.replicas.min,
        max_replicas=gateway.replicas.max,
        pod_cpu=gateway.pod_cpu,
        pod_memory_gib=gateway.pod_memory_gib,
        service_account_annotations=gateway.service_account_annotations,
    )


def _vllm_args(ctx: Build, route: GatewayRoute, pick: Placement, region: str) -> VllmServerArgs:
    spec = ctx.spec
    workload = next(w for w in spec.workloads if w.name == route.model)
    bucket = ctx.storage[route.weights.bucket]
    if bucket.cloud != pick.cloud:
        raise GatewayWiringError(
            f"route {route.name}: workload {workload.name} runs on {pick.cloud} but its weights bucket "
            f"{route.weights.bucket} is on {bucket.cloud}; keep the weights on the pool's cloud"
        )
    node = ctx.catalog.offering(pick.cloud, region, pick.instance_type)
    share = pick.accelerators_per_replica / node.accelerator_count * HOST_SHARE
    return VllmServerArgs(
        workload=workload.name,
        cloud=pick.cloud,
        weights_store="s3" if bucket.cloud == "aws" else "gs",
        weights_bucket=bucket.bucket_name,
        weights_path=route.weights.path,
        weights_region=bucket.region,
        replicas=pick.nodes * pick.sizing.replicas_per_node,
        gpus_per_replica=pick.accelerators_per_replica,
        cpu=max(1, int(node.vcpu * share)),
        memory_gib=max(4, int(node.ram_gb * share)),
        max_model_len=workload.model.context_tokens,
        max_num_seqs=workload.model.concurrency,
        node_selector={POOL_LABEL: workload.name},
        gateway_pod_labels=pod_labels(spec.name),
        service_account_annotations=spec.gateway.service_account_annotations,
    )


def _key_env(route: GatewayRoute) -> str:
    return f"{route.name.upper().replace('-', '_')}_API_KEY"


def _secrets(gateway) -> list[SecretEnv]:
    refs: list[tuple[str, SecretRef]] = [(MASTER_KEY_ENV, gateway.master_key)]
    if gateway.database_url:
        refs.append((DATABASE_ENV, gateway.database_url))
    if gateway.redis and gateway.redis.password:
        refs.append((REDIS_PASSWORD_ENV, gateway.redis.password))
    refs += [(_key_env(r), r.api_key) for r in gateway.routes if r.api_key]
    return [SecretEnv(env=env, secret=ref.secret, key=ref.key, config=ref.config) for env, ref in refs]


def kubernetes_provider(ctx: Build, cloud: str, region: str, several: bool) -> pulumi.ProviderResource:
    """The explicit Kubernetes provider of the gateway's cluster in a region: the provider of the cluster
    skyweave runs there for GPU pools, else one from a kubeconfig in Pulumi config (`skyweave:kubeconfig`,
    or `skyweave:kubeconfig-<region>` when gateways run in several regions). Never the ambient kubeconfig."""
    import pulumi_kubernetes as k8s

    cluster = ctx.clusters.get((cloud, region))
    if cluster is not None:
        return cluster.kubernetes_provider()
    key = f"kubeconfig-{region}" if several else "kubeconfig"
    # Parented to the region's cloud provider so the plan, and the state, place it in that region.
    return k8s.Provider(
        f"k8s-{cloud}-{region}", kubeconfig=pulumi.Config("skyweave").require_secret(key),
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=ctx.providers.get(cloud, region)),
    )
