"""Kubernetes add-ons GPU nodes need on EKS: the NVIDIA device plugin and the DCGM exporter.

The device plugin runs only on AL2023 NVIDIA nodes: Bottlerocket NVIDIA images ship their own, and GKE
installs driver and plugin itself. The DCGM exporter publishes GPU metrics on every NVIDIA node. Images
are pinned. They go through the cluster's own Kubernetes provider (`Cluster.kubernetes_provider`), never
the default one.
"""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, model_validator

from components import pod_hardening as hardening

DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"
DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.3.0-ubuntu22.04"
DCGM_PORT = 9400
MONITORING_NAMESPACE = "gpu-monitoring"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

# Both run with the shared pod hardening, as root only because the kubelet sockets they use are root's;
# what checkov still flags is recorded on each DaemonSet with the reason.
_ROOT = "the kubelet sockets under /var/lib/kubelet on the host are owned by root and writable only by it"
_TAG = "pinned to an immutable NVIDIA release tag; digest pinning is left to the registry admission policy"
DEVICE_PLUGIN_SKIPS = {
    "CKV_K8S_8": "the device plugin serves no health endpoint; the kubelet drops its registration when it dies",
    "CKV_K8S_9": "the device plugin serves no health endpoint; it takes no traffic, so readiness gates nothing",
    "CKV_K8S_23": f"runs as root to create its socket in /var/lib/kubelet/device-plugins: {_ROOT}",
    "CKV_K8S_40": f"runs as UID 0 to create its socket in /var/lib/kubelet/device-plugins: {_ROOT}",
    "CKV_K8S_43": _TAG,
}
DCGM_SKIPS = {
    "CKV_K8S_23": f"runs as root: DCGM refuses to watch fields from a non-root host engine, and {_ROOT}",
    "CKV_K8S_25": "adds back SYS_ADMIN only (all else dropped): DCGM's profiling counters need it",
    "CKV_K8S_39": "SYS_ADMIN is what DCGM's profiling counters (SM occupancy, tensor activity) require",
    "CKV_K8S_40": f"runs as UID 0: DCGM refuses to watch fields from a non-root host engine, and {_ROOT}",
    "CKV_K8S_43": _TAG,
}


class GpuAddonsArgs(BaseModel):
    """Inputs of `GpuAddons`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_plugin: bool
    """Install the NVIDIA device plugin (a pool of the cluster runs AL2023 NVIDIA nodes)."""
    dcgm_exporter: bool
    """Install the DCGM exporter for GPU metrics on NVIDIA nodes."""

    @model_validator(mode="after")
    def _something(self) -> GpuAddonsArgs:
        if not (self.device_plugin or self.dcgm_exporter):
            raise ValueError("nothing to install: enable device_plugin or dcgm_exporter")
        return self


class GpuAddons(pulumi.ComponentResource):
    """GPU add-ons of one EKS cluster, applied through that cluster's own Kubernetes provider."""

    def __init__(
        self, name: str, args: GpuAddonsArgs, provider: pulumi.ProviderResource, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("skyweave:compute:GpuAddons", name, args.model_dump(), opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        if args.device_plugin:
            _device_plugin(name, child)
        if args.dcgm_exporter:
            _dcgm_exporter(name, child)
        self.register_outputs({})


def _device_plugin(name: str, child: pulumi.ResourceOptions) -> None:
    import pulumi_kubernetes as k8s

    labels = {"app.kubernetes.io/name": "nvidia-device-plugin"}
    meta = {"name": "nvidia-device-plugin", "namespace": "kube-system", "labels": labels}
    k8s.apps.v1.DaemonSet(
        f"{name}-nvidia-device-plugin",
        metadata={**meta, "annotations": hardening.checkov_skips(DEVICE_PLUGIN_SKIPS)},
        spec={
            "selector": {"match_labels": labels},
            "update_strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": 1}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    # Only AL2023 NVIDIA nodes: Bottlerocket brings its own plugin.
                    "node_selector": {"nvidia.com/gpu.present": "true", "skyweave.io/ami-family": "al2023"},
                    "tolerations": [GPU_TOLERATION],
                    "priority_class_name": "system-node-critical",
                    "automount_service_account_token": False,  # talks to the kubelet only, never the API
                    "security_context": hardening.node_agent_pod_security_context(),
                    "containers": [{
                        "name": "nvidia-device-plugin",
                        "image": DEVICE_PLUGIN_IMAGE,
                        "image_pull_policy": "Always",
                        "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
                        "security_context": hardening.node_agent_security_context(),
                        "resources": hardening.resources(cpu=0.05, memory_gib=0.125),
                        "volume_mounts": [{"name": "device-plugins", "mount_path": "/var/lib/kubelet/device-plugins"}],
                    }],
                    "volumes": [{"name": "device-plugins", "host_path": {"path": "/var/lib/kubelet/device-plugins"}}],
                },
            },
        },
        opts=child,
    )
    # The kubelet reaches the plugin over its socket on the host: no pod traffic at all.
    k8s.networking.v1.NetworkPolicy(
        f"{name}-nvidia-device-plugin", metadata=meta,
        spec=hardening.network_policy(labels, ingress=[], egress=[]), opts=child,
    )


def _dcgm_exporter(name: str, child: pulumi.ResourceOptions) -> None:
    import pulumi_kubernetes as k8s

    labels = {"app.kubernetes.io/name": "dcgm-exporter"}
    namespace = k8s.core.v1.Namespace(
        f"{name}-monitoring",
        metadata={"name": MONITORING_NAMESPACE, "labels": {"pod-security.kubernetes.io/enforce": "privileged"}},
        opts=child,
    )
    meta = {"name": "dcgm-exporter", "namespace": namespace.metadata.name, "labels": labels}
    health = {"http_get": {"path": "/health", "port": "metrics"}, "initial_delay_seconds": 45}
    scratch, scratch_mounts = hardening.scratch_volumes({"tmp": "/tmp"})  # the embedded host engine's scratch
    k8s.apps.v1.DaemonSet(
        f"{name}-dcgm-exporter",
        metadata={**meta, "annotations": hardening.checkov_skips(DCGM_SKIPS)},
        spec={
            "selector": {"match_labels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "node_selector": {"nvidia.com/gpu.present": "true"},
                    "tolerations": [GPU_TOLERATION],
                    "priority_class_name": "system-node-critical",
                    "automount_service_account_token": False,  # pod mapping comes from the kubelet's socket
                    "security_context": hardening.node_agent_pod_security_context(),
                    "containers": [{
                        "name": "dcgm-exporter",
                        "image": DCGM_EXPORTER_IMAGE,
                        "image_pull_policy": "Always",
                        "env": [
                            # Watch every GPU of the node without claiming one from the device plugin.
                            {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
                            {"name": "DCGM_EXPORTER_KUBERNETES", "value": "true"},
                            {"name": "DCGM_EXPORTER_LISTEN", "value": f":{DCGM_PORT}"},
                        ],
                        "ports": [{"name": "metrics", "container_port": DCGM_PORT}],
                        "readiness_probe": {**health, "period_seconds": 10, "failure_threshold": 3},
                        "liveness_probe": {**health, "period_seconds": 15, "failure_threshold": 5},
                        # Profiling counters (SM occupancy, tensor activity) need SYS_ADMIN.
                        "security_context": hardening.node_agent_security_context(add=("SYS_ADMIN",)),
                        "resources": hardening.resources(cpu=0.25, memory_gib=0.25),
                        "volume_mounts": [{"name": "pod-resources", "mount_path": "/var/lib/kubelet/pod-resources",
                                           "read_only": True}, *scratch_mounts],
                    }],
                    "volumes": [{"name": "pod-resources", "host_path": {"path": "/var/lib/kubelet/pod-resources"}},
                                *scratch],
                },
            },
        },
        opts=child,
    )
    # Scrapers (Prometheus, an OpenTelemetry collector) may live in any namespace; nothing goes out.
    scrape = {"from": [{"namespace_selector": {}}], "ports": [{"protocol": "TCP", "port": DCGM_PORT}]}
    k8s.networking.v1.NetworkPolicy(
        f"{name}-dcgm-exporter", metadata=meta,
        spec=hardening.network_policy(labels, ingress=[scrape], egress=[]), opts=child,
    )
    k8s.core.v1.Service(
        f"{name}-dcgm-exporter",
        metadata=meta,
        spec={"selector": labels, "cluster_ip": "None", "ports": [{"name": "metrics", "port": DCGM_PORT}]},
        opts=child,
    )
