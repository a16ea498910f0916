"""Kubernetes add-ons GPU nodes need on EKS: the NVIDIA device plugin and the DCGM exporter.

The device plugin runs only on AL2023 NVIDIA nodes: Bottlerocket NVIDIA images ship their own, and GKE
installs driver and plugin itself. The DCGM exporter publishes GPU metrics on every NVIDIA node. Images
are pinned. They go through the cluster's own Kubernetes provider (`Cluster.kubernetes_provider`), never
the default one.
"""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, model_validator

DEVICE_PLUGIN_IMAGE = "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"
DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.3.0-ubuntu22.04"
DCGM_PORT = 9400
MONITORING_NAMESPACE = "gpu-monitoring"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


class GpuAddonsArgs(BaseModel):
    """Inputs of `GpuAddons`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

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
    k8s.apps.v1.DaemonSet(
        f"{name}-nvidia-device-plugin",
        metadata={"name": "nvidia-device-plugin", "namespace": "kube-system", "labels": labels},
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
                    "containers": [{
                        "name": "nvidia-device-plugin",
                        "image": DEVICE_PLUGIN_IMAGE,
                        "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
                        "security_context": {"allow_privilege_escalation": False, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
                        "volume_mounts": [{"name": "device-plugins", "mount_path": "/var/lib/kubelet/device-plugins"}],
                    }],
                    "volumes": [{"name": "device-plugins", "host_path": {"path": "/var/lib/kubelet/device-plugins"}}],
                },
            },
        },
        opts=child,
    )


def _dcgm_exporter(name: str, child: pulumi.ResourceOptions) -> None:
    import pulumi_kubernetes as k8s

    labels = {"app.kubernetes.io/name": "dcgm-exporter"}
    namespace = k8s.core.v1.Namespace(
        f"{name}-monitoring",
        metadata={"name": MONITORING_NAMESPACE, "labels": {"pod-security.kubernetes.io/enforce": "privileged"}},
        opts=child,
    )
    k8s.apps.v1.DaemonSet(
        f"{name}-dcgm-exporter",
        metadata={"name": "dcgm-exporter", "namespace": namespace.metadata.name, "labels": labels},
        spec={
            "selector": {"match_labels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "node_selector": {"nvidia.com/gpu.present": "true"},
                    "tolerations": [GPU_TOLERATION],
                    "priority_class_name": "system-node-critical",
                    "containers": [{
                        "name": "dcgm-exporter",
                        "image": DCGM_EXPORTER_IMAGE,
                        "env": [
                            # Watch every GPU of the node without claiming one from the device plugin.
                            {"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"},
                            {"name": "DCGM_EXPORTER_KUBERNETES", "value": "true"},
                            {"name": "DCGM_EXPORTER_LISTEN", "value": f":{DCGM_PORT}"},
                        ],
                        "ports": [{"name": "metrics", "container_port": DCGM_PORT}],
                        # Profiling counters (SM occupancy, tensor activity) need SYS_ADMIN.
                        "security_context": {"run_as_user": 0, "capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
                        "volume_mounts": [{"name": "pod-resources", "mount_path": "/var/lib/kubelet/pod-resources",
                                           "read_only": True}],
                    }],
                    "volumes": [{"name": "pod-resources", "host_path": {"path": "/var/lib/kubelet/pod-resources"}}],
                },
            },
        },
        opts=child,
    )
    k8s.core.v1.Service(
        f"{name}-dcgm-exporter",
        metadata={"name": "dcgm-exporter", "namespace": namespace.metadata.name, "labels": labels},
        spec={"selector": labels, "cluster_ip": "None", "ports": [{"name": "metrics", "port": DCGM_PORT}]},
        opts=child,
    )
