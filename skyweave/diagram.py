"""A Mermaid diagram of a plan: clouds → regions → clusters → GPU pools, endpoints, buckets, gateway routes,
and the budget alarms.

Built from the components the plan recorded (their props are the arguments `pulumi up` would get), so
the picture shows what would be deployed, not what the stack file hoped for. Gateway routes point at
the pools that serve them or at the provider region that does; fallbacks are dotted edges in order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from skyweave.pipeline import StackPlan
from skyweave.plan import PlannedResource

BUDGET = "skyweave:cost:BudgetAlarm"
CLUSTER = "skyweave:compute:Cluster"
POOL = "skyweave:compute:GpuNodePool"
BUCKET = "skyweave:storage:CompliantBucket"
ENDPOINT = "skyweave:serving:ServerlessEndpoint"
GATEWAY = "skyweave:gateway:Gateway"
PROVIDER_CLOUDS = {"bedrock": "aws", "vertex_ai": "gcp"}
CLOUD_TITLES = {"aws": "AWS", "gcp": "Google Cloud"}


@dataclass
class _Region:
    """What one cloud region holds: cluster members (by cluster), and nodes outside any cluster."""

    clusters: dict[str, str] = field(default_factory=dict)
    in_cluster: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    loose: list[str] = field(default_factory=list)


def node_id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _label(*lines: str) -> str:
    text = "<br/>".join(line for line in lines if line)
    return '"' + text.replace('"', "#quot;") + '"'


class _Diagram:
    def __init__(self) -> None:
        self.regions: dict[tuple[str, str], _Region] = defaultdict(_Region)
        self.edges: list[str] = []
        self.routes: list[str] = []

    def region(self, cloud: str, region: str) -> _Region:
        return self.regions[(cloud, region)]

    def put(self, cloud: str, region: str, node: str) -> None:
        """Place a node in its region's cluster when the region has one, else loose in the region."""
        place = self.region(cloud, region)
        if place.clusters:
            place.in_cluster[next(iter(place.clusters))].append(node)
        else:
            place.loose.append(node)

    def lines(self) -> list[str]:
        out = ["flowchart LR"]
        if self.routes:
            out += ['  subgraph routes["gateway routes"]', *(f"    {r}" for r in self.routes), "  end"]
        for cloud in sorted({c for c, _ in self.regions}):
            out.append(f'  subgraph {node_id("cloud", cloud)}[{_label(CLOUD_TITLES.get(cloud, cloud))}]')
            for (_, name), place in sorted((k, v) for k, v in self.regions.items() if k[0] == cloud):
                out.append(f"    subgraph {node_id(cloud, name)}[{_label(name)}]")
                for cluster_id, cluster_label in place.clusters.items():
                    out.append(f"      subgraph {cluster_id}[{cluster_label}]")
                    out += [f"        {n}" for n in place.in_cluster[cluster_id]]
                    out.append("      end")
                out += [f"      {n}" for n in place.loose]
                out.append("    end")
            out.append("  end")
        return out + [f"  {e}" for e in self.edges]


def mermaid(plan: StackPlan) -> str:
    """The plan as a Mermaid flowchart (the text inside a ```mermaid block)."""
    diagram = _Diagram()
    by_type: dict[str, list[PlannedResource]] = defaultdict(list)
    for r in plan.resources:
        by_type[r.type].append(r)
    for r in by_type[CLUSTER]:  # clusters first, so what runs in them lands inside
        cloud, region = _where(r)
        name = r.inputs.get("cluster_name") or r.name
        kind = "existing cluster" if r.inputs.get("existing") else ("EKS" if cloud == "aws" else "GKE") + " cluster"
        diagram.region(cloud, region).clusters[node_id("cluster", cloud, region)] = _label(f"{kind} {name}")
    pools: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (workload, cloud, region) → nodes
    for r in by_type[POOL]:
        cloud, region = _where(r)
        node = node_id("pool", r.name)
        pools[(r.inputs.get("workload", ""), cloud, region)].append(node)
        diagram.put(cloud, region, f"{node}[{_label(*_pool_lines(r.inputs))}]")
    for r in by_type[ENDPOINT]:
        cloud, region = _where(r)
        label = _label(f"endpoint {r.inputs.get('workload', r.name)}", str(r.inputs.get("kind", "")))
        diagram.region(cloud, region).loose.append(f"{node_id('endpoint', r.name)}([{label}])")
    _buckets(diagram, by_type[BUCKET], plan)
    for r in by_type[BUDGET]:
        cloud, region = _where(r)
        thresholds = "/".join(str(int(t)) for t in r.inputs.get("thresholds_pct", []))
        label = _label("budget alarm", f"{thresholds} % of {r.inputs.get('monthly_limit_usd', 0):,.0f} USD")
        diagram.region(cloud, region).loose.append(f"{node_id('budget', r.name)}[/{label}/]")
    _gateways(diagram, by_type[GATEWAY], pools)
    return "\n".join(diagram.lines()) + "\n"


def _where(r: PlannedResource) -> tuple[str, str]:
    return str(r.inputs.get("cloud") or r.cloud or "?"), str(r.inputs.get("region") or r.region or "global")


def _pool_lines(props: dict[str, Any]) -> tuple[str, ...]:
    capacity = str(props.get("capacity_type", "")).replace("_", "-")
    return (
        f"pool {props.get('workload', '')} ({props.get('role', '')})",
        f"{props.get('instance_type', '')} · {props.get('accelerator', '')}",
        f"{int(props.get('min_nodes', 0))}-{int(props.get('max_nodes', 0))} nodes, {capacity}",
    )


def _buckets(diagram: _Diagram, buckets: list[PlannedResource], plan: StackPlan) -> None:
    """Bucket nodes; a replica (a region the stack file lists under replication_regions) is linked to its source."""
    replicas = {(b.name, region) for b in plan.spec.storage for region in b.replication_regions}
    sources: dict[str, str] = {}
    copies: list[tuple[str, str]] = []
    for r in buckets:
        cloud, region = _where(r)
        purpose, node = str(r.inputs.get("purpose", r.name)), node_id("bucket", r.name)
        if (purpose, region) in replicas:
            copies.append((purpose, node))
        else:
            sources[purpose] = node
        title = f"replica of {purpose}" if (purpose, region) in replicas else f"bucket {purpose}"
        diagram.region(cloud, region).loose.append(f"{node}[({_label(title, *_bucket_lines(r.inputs))})]")
    diagram.edges += [
        f"{sources[purpose]} -.->|replicates to| {node}" for purpose, node in copies if purpose in sources
    ]


def _bucket_lines(props: dict[str, Any]) -> tuple[str, ...]:
    retention = props.get("retention_days")
    lock = f"{props.get('object_lock', '')} lock {int(retention)} days" if retention else ""
    return str(props.get("classification", "")), lock


def _gateways(diagram: _Diagram, gateways: list[PlannedResource], pools: dict[tuple[str, str, str], list[str]]) -> None:
    """Gateway nodes in their clusters, one node per route, route → target edges, fallbacks dotted."""
    routes: dict[str, str] = {}
    targets: set[tuple[str, str]] = set()
    fallbacks: dict[tuple[str, str, str], None] = {}
    for gateway in gateways:
        cloud, region = _where(gateway)
        gateway_node = node_id("gateway", gateway.name)
        diagram.put(cloud, region, f"{gateway_node}{{{{{_label('LLM gateway')}}}}}")
        for route in gateway.inputs.get("routes", []):
            route_node = routes.setdefault(route["name"], node_id("route", route["name"]))
            diagram.edges.append(f"{gateway_node} --> {route_node}")
            for target in _route_targets(diagram, route, pools, (cloud, region)):
                targets.add((route_node, target))
        for kind, edge in (("fallbacks", "fallback"), ("context_window_fallbacks", "longer context")):
            for source, chain in (gateway.inputs.get(kind) or {}).items():
                for order, other in enumerate(chain, start=1):
                    fallbacks[(node_id("route", source), node_id("route", other), f"{edge} {order}")] = None
    diagram.routes = [f"{node}>{_label(name)}]" for name, node in routes.items()]
    diagram.edges = list(dict.fromkeys(diagram.edges))
    diagram.edges += [f"{route} --> {target}" for route, target in sorted(targets)]
    diagram.edges += [f"{a} -.->|{label}| {b}" for a, b, label in fallbacks]


def _route_targets(diagram: _Diagram, route: dict[str, Any], pools: dict[tuple[str, str, str], list[str]],
                   gateway_at: tuple[str, str]) -> list[str]:
    """The pools in the gateway's own cluster that serve a self-hosted route, or the provider region."""
    provider = route.get("provider")
    if provider == "self_hosted":
        return pools.get((route.get("model", ""), *gateway_at), [])
    cloud, region = PROVIDER_CLOUDS.get(provider, "?"), route.get("region", "?")
    node = node_id("provider", provider or "", region)
    place = diagram.region(cloud, region)
    declared = f"{node}[{_label(f'{provider} {region}')}]"
    if declared not in place.loose:
        place.loose.append(declared)
    return [node]
