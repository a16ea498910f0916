"""Prices of the gateway's Kubernetes workloads.

Method: a pod costs the share of a cluster node that its requests reserve, whichever of CPU and memory
is the larger share, times the node's hourly price, times the hours a month, times the replicas the
Deployment keeps (its `replicas`, which is the autoscaler's minimum). The node is the cluster's system
node type (`skyweave.cost.compute.SYSTEM_NODE_TYPES`), where pods without GPUs run. Pods that request
GPUs cost nothing here: they fill GPU nodes the node pool's own price already counts. The stack's
negotiated discount applies. Other Kubernetes objects (config, secrets, policies, autoscalers) are free.
"""

from __future__ import annotations

import re

from skyweave.cost.compute import SYSTEM_NODE_TYPES
from skyweave.cost.core import CostContext, register, register_free
from skyweave.plan import PlannedResource

NODE_SHAPES = {"m7g.large": (2, 8.0), "e2-standard-2": (2, 8.0)}
"""vCPUs and GiB of memory of the system node types (AWS and GCP instance type documentation)."""
GPU_RESOURCE = "nvidia.com/gpu"

register_free(
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    # The team-sync Job runs for seconds per deploy.
    "kubernetes:batch/v1:Job",
)


@register("kubernetes:apps/v1:Deployment")
def _deployment(resource: PlannedResource, ctx: CostContext) -> float:
    spec = resource.inputs.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    containers = pod.get("containers") or []
    requests = [(c.get("resources") or {}).get("requests") or {} for c in containers]
    if any(GPU_RESOURCE in r for r in requests):
        return 0.0
    cpu = sum(cpu_cores(r.get("cpu", "0")) for r in requests)
    memory = sum(memory_gib(r.get("memory", "0")) for r in requests)
    node_type, price = _system_node(resource, ctx)
    vcpus, gib = NODE_SHAPES[node_type]
    share = max(cpu / vcpus, memory / gib)
    hourly = share * price.hourly(resource.region) * (1 - ctx.spec.price_book.discount_pct / 100)
    return hourly * ctx.hours_per_month * spec.get("replicas", 1)


def _system_node(resource: PlannedResource, ctx: CostContext):
    """The system node type of the cluster's cloud: known from the region, else the stack's first cloud."""
    cloud = next((c for c in ("aws", "gcp") if any(r.name == resource.region for r in ctx.catalog.regions(c))),
                 ctx.spec.clouds[0])
    return next((node_type, price) for (of, node_type), price in SYSTEM_NODE_TYPES.items() if of == cloud)


def cpu_cores(quantity: str) -> float:
    """Kubernetes CPU quantity (`500m`, `2`) in cores."""
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


_MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def memory_gib(quantity: str) -> float:
    """Kubernetes memory quantity (`512Mi`, `2Gi`, `1G`, bytes) in GiB."""
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(quantity)).groups()
    return float(number) * _MEMORY_UNITS.get(unit, 1) / 2**30
