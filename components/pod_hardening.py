"""The pod and container settings every skyweave workload on Kubernetes runs with.

Restricted Pod Security Standard and then some: non-root with a fixed high UID, no privilege escalation,
all capabilities dropped, RuntimeDefault seccomp, a read-only root filesystem with emptyDir volumes for
the paths a program writes, and no service account token unless a pod asks for one. Plain dicts in the
pulumi-kubernetes input shape, so the component files stay about what runs, not how it is locked down.
"""

from __future__ import annotations

from typing import Any

NOBODY = 65534
"""UID/GID of `nobody`; the LiteLLM non-root image runs as it, and it owns no files in any image."""

SKIP_ANNOTATION = "checkov.io/skip{n}"


def pod_security_context(fs_group: int = NOBODY) -> dict[str, Any]:
    return {
        "run_as_non_root": True,
        "run_as_user": NOBODY,
        "run_as_group": NOBODY,
        "fs_group": fs_group,
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    return {
        "allow_privilege_escalation": False,
        "privileged": False,
        "read_only_root_filesystem": True,
        "run_as_non_root": True,
        "run_as_user": NOBODY,
        "run_as_group": NOBODY,
        "capabilities": {"drop": ["ALL"]},
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def node_agent_pod_security_context() -> dict[str, Any]:
    """Pod settings of a node agent that must run as root (see `node_agent_security_context`)."""
    return {"run_as_non_root": False, "run_as_user": 0, "run_as_group": 0, "seccomp_profile": {"type": "RuntimeDefault"}}


def node_agent_security_context(add: tuple[str, ...] = ()) -> dict[str, Any]:
    """`container_security_context` for a node agent that talks to root-owned kubelet sockets on the host:
    root, but still read-only, no privilege escalation, and every capability dropped except `add`."""
    capabilities: dict[str, list[str]] = {"drop": ["ALL"], **({"add": list(add)} if add else {})}
    return {**container_security_context(), **node_agent_pod_security_context(), "capabilities": capabilities}


def scratch_volumes(paths: dict[str, str], memory: dict[str, str] | None = None) -> tuple[list, list]:
    """(volumes, volume mounts) of emptyDirs: name → mount path; `memory` names → size limit in RAM."""
    memory = memory or {}
    volumes = [
        {"name": name, "empty_dir": {"medium": "Memory", "size_limit": memory[name]} if name in memory else {}}
        for name in paths
    ]
    mounts = [{"name": name, "mount_path": path} for name, path in paths.items()]
    return volumes, mounts


def resources(cpu: float, memory_gib: float, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Requests as given; limits at twice the CPU and memory so bursts do not throttle or evict at once."""
    requests = {"cpu": _cpu(cpu), "memory": _gib(memory_gib), **(extra or {})}
    limits = {"cpu": _cpu(2 * cpu), "memory": _gib(2 * memory_gib), **(extra or {})}
    return {"requests": requests, "limits": limits}


def _cpu(cores: float) -> str:
    return f"{round(cores * 1000)}m"


def _gib(gib: float) -> str:
    return f"{round(gib * 1024)}Mi"


def checkov_skips(reasons: dict[str, str]) -> dict[str, str]:
    """Annotations that record, on the object itself, why a scanner check does not apply."""
    return {SKIP_ANNOTATION.format(n=i): f"{check}={why}" for i, (check, why) in enumerate(sorted(reasons.items()), 1)}


def network_policy(pod_labels: dict[str, str], ingress: list[dict], egress: list[dict]) -> dict[str, Any]:
    """Spec of a NetworkPolicy that denies the pods all traffic but the given rules (none: no ingress)."""
    return {
        "pod_selector": {"match_labels": pod_labels},
        "policy_types": ["Ingress", "Egress"],
        "ingress": ingress,
        "egress": egress,
    }


def dns_egress() -> dict[str, Any]:
    """Egress rule for cluster DNS (kube-dns / CoreDNS in kube-system)."""
    return {
        "to": [{"namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "kube-system"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def identity_egress(cloud: str) -> dict[str, Any]:
    """Egress to the node-local endpoint that hands pods their cloud identity.

    EKS Pod Identity's agent listens on 169.254.170.23:80; GKE Workload Identity's metadata server answers
    on 169.254.169.254:80 (served from 169.254.169.252:988). IRSA needs only HTTPS to STS.
    """
    if cloud == "aws":
        return {"to": [{"ip_block": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
    return {
        "to": [{"ip_block": {"cidr": "169.254.169.254/32"}}, {"ip_block": {"cidr": "169.254.169.252/32"}}],
        "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 988}],
    }


def cloud_egress(cloud: str) -> list[dict[str, Any]]:
    """What a pod that calls cloud APIs needs: cluster DNS, HTTPS out, and its identity endpoint."""
    return [dns_egress(), https_egress(), identity_egress(cloud)]


def https_egress() -> dict[str, Any]:
    """Egress on 443 to anywhere outside the cluster's link-local range: cloud APIs and object stores."""
    return {
        "to": [{"ip_block": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}],
        "ports": [{"protocol": "TCP", "port": 443}],
    }
