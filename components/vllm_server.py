"""A self-hosted model behind the gateway: vLLM's OpenAI-compatible server on a GPU node pool.

The weights stream from the stack's region-locked bucket with the Run:ai model streamer (`s3://` or
`gs://` paths, read with the pod's cloud identity), so no model hub is contacted and nothing is copied to
node disks. Pods tolerate the GPU pool's `nvidia.com/gpu` taint, select the pool by its labels and request
whole GPUs; only gateway pods may reach them.
"""

from __future__ import annotations

from typing import Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from components import pod_hardening as hardening

VLLM_IMAGE = "vllm/vllm-openai:v0.12.0"
"""Pinned vLLM release; its image bundles runai-model-streamer with the S3 and GCS back ends."""
PORT = 8000
# EKS pools are tainted nvidia.com/gpu=true, GKE taints GPU nodes nvidia.com/gpu=present: tolerate both.
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
POOL_LABEL = "skyweave.io/workload"
"""Node label every GPU pool carries with its workload's name."""
IMAGE_SKIPS = {
    "CKV_K8S_43": "pinned to an immutable vLLM release tag; digest pinning is left to the registry admission policy",
}


def server_name(workload: str) -> str:
    """Name of a workload's vLLM Deployment, Service and service account."""
    return f"vllm-{workload}"


def service_url(workload: str, namespace: str) -> str:
    """In-cluster OpenAI-compatible base URL of a workload's vLLM Service."""
    return f"http://{server_name(workload)}.{namespace}.svc.cluster.local:{PORT}/v1"


class VllmServerArgs(BaseModel):
    """Inputs of a `VllmServer`."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    workload: str
    """Workload name; names the Deployment, the Service and the model callers of vLLM ask for."""
    cloud: str
    """Cloud of the cluster (aws or gcp); decides how the pod reaches its identity endpoint."""
    weights_store: Literal["s3", "gs"]
    """Object store of the weights: `s3` (Amazon S3) or `gs` (Cloud Storage)."""
    weights_bucket: str | pulumi.Output
    """Physical name of the bucket that holds the weights (the stack's region-locked bucket)."""
    weights_path: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    """Folder of the safetensors weights and tokenizer in that bucket."""
    weights_region: str
    """Region of the weights bucket (the S3 client needs it)."""
    replicas: int = Field(ge=0)
    """vLLM pods: one per tensor-parallel group the pool's nodes hold."""
    gpus_per_replica: int = Field(ge=1, le=16)
    """GPUs one pod uses; also the tensor-parallel size."""
    cpu: float = Field(gt=0)
    """CPU cores requested per pod."""
    memory_gib: float = Field(gt=0)
    """Memory requested per pod in GiB (weights pass through host memory while they stream)."""
    max_model_len: int = Field(gt=0)
    """Context length (prompt + output tokens) per sequence."""
    max_num_seqs: int = Field(gt=0)
    """Sequences served at once."""
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=0.98)
    """Share of GPU memory vLLM may take for weights and KV cache."""
    node_selector: dict[str, str] = Field(min_length=1)
    """Labels of the GPU pool's nodes."""
    gateway_pod_labels: dict[str, str] = Field(min_length=1)
    """Labels of the gateway pods, the only pods allowed to call vLLM."""
    service_account_annotations: dict[str, str] = {}
    """Annotations binding the pod's service account to a cloud identity that can read the weights."""
    image: str = VLLM_IMAGE
    """vLLM image, pinned to a release tag."""

    @field_validator("image")
    def _pinned(cls, value: str) -> str:
        tag = value.rsplit(":", 1)[1] if ":" in value.rsplit("/", 1)[-1] else ""
        if "@sha256:" not in value and (not tag or tag == "latest"):
            raise ValueError(f"pin the vLLM image to a release tag or digest, not {value!r}")
        return value


class VllmServer(pulumi.ComponentResource):
    """vLLM serving one workload's model in one cluster."""

    url: pulumi.Output[str]
    """In-cluster OpenAI-compatible base URL (see `service_url`)."""

    def __init__(self, name: str, args: VllmServerArgs, namespace: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyweave:gateway:VllmServer", name, args.model_dump(), opts)
        import pulumi_kubernetes as k8s

        child = pulumi.ResourceOptions(parent=self)
        app = server_name(args.workload)
        labels = {
            "app.kubernetes.io/name": "vllm",
            "app.kubernetes.io/instance": args.workload,
            "app.kubernetes.io/part-of": "skyweave-gateway",
            "app.kubernetes.io/managed-by": "skyweave",
        }
        meta = {"name": app, "namespace": namespace, "labels": labels}
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={**meta, "annotations": args.service_account_annotations},
            automount_service_account_token=False,
            opts=child,
        )
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={**meta, "annotations": hardening.checkov_skips(IMAGE_SKIPS)},
            spec={
                "replicas": args.replicas,
                "selector": {"match_labels": labels},
                # GPUs are whole and scarce: replace pods one at a time instead of surging.
                "strategy": {"type": "RollingUpdate", "rolling_update": {"max_surge": 0, "max_unavailable": 1}},
                "template": {"metadata": {"labels": labels}, "spec": _pod(args, app)},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account]),
        )
        k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta,
            spec={"selector": labels, "ports": [{"name": "http", "port": PORT, "target_port": "http"}]},
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=meta,
            spec=hardening.network_policy(
                labels,
                ingress=[{"from": [{"pod_selector": {"match_labels": args.gateway_pod_labels}}],
                          "ports": [{"protocol": "TCP", "port": PORT}]}],
                egress=hardening.cloud_egress(args.cloud),
            ),
            opts=child,
        )
        self.url = pulumi.Output.from_input(service_url(args.workload, namespace))
        self.register_outputs({"url": self.url})


def _pod(args: VllmServerArgs, app: str) -> dict:
    scratch = {"tmp": "/tmp", "cache": "/cache", "dshm": "/dev/shm"}
    # NCCL exchanges tensors through shared memory between tensor-parallel workers.
    shm = "16Gi" if args.gpus_per_replica > 1 else "1Gi"
    volumes, mounts = hardening.scratch_volumes(scratch, memory={"dshm": shm})
    probe = {"http_get": {"path": "/health", "port": "http"}}
    return {
        "service_account_name": app,
        "automount_service_account_token": False,
        "security_context": hardening.pod_security_context(),
        "node_selector": args.node_selector,
        "tolerations": [GPU_TOLERATION],
        "termination_grace_period_seconds": 60,
        "volumes": volumes,
        "containers": [{
            "name": "vllm",
            "image": args.image,
            "image_pull_policy": "Always",
            "command": ["vllm", "serve"],
            "args": _serve_args(args),
            "env": [{"name": k, "value": v} for k, v in _env(args).items()],
            "ports": [{"name": "http", "container_port": PORT, "protocol": "TCP"}],
            "resources": hardening.resources(args.cpu, args.memory_gib, {"nvidia.com/gpu": str(args.gpus_per_replica)}),
            "security_context": hardening.container_security_context(),
            "volume_mounts": mounts,
            # Streaming tens of GB of weights and compiling CUDA graphs takes minutes.
            "startup_probe": {**probe, "period_seconds": 10, "failure_threshold": 120},
            "readiness_probe": {**probe, "period_seconds": 10, "failure_threshold": 3},
            "liveness_probe": {**probe, "period_seconds": 15, "failure_threshold": 6},
        }],
    }


def _serve_args(args: VllmServerArgs) -> list:
    weights = pulumi.Output.concat(f"{args.weights_store}://", args.weights_bucket, "/", args.weights_path.rstrip("/"))
    return [
        weights,
        "--load-format", "runai_streamer",
        "--served-model-name", args.workload,
        "--tensor-parallel-size", str(args.gpus_per_replica),
        "--max-model-len", str(args.max_model_len),
        "--max-num-seqs", str(args.max_num_seqs),
        "--gpu-memory-utilization", f"{args.gpu_memory_utilization:g}",
        "--port", str(PORT),
    ]


def _env(args: VllmServerArgs) -> dict[str, str]:
    env = {
        # Writable caches live on the scratch volume; the root filesystem is read-only.
        "HOME": "/cache",
        "XDG_CACHE_HOME": "/cache",
        "HF_HOME": "/cache/huggingface",
        "VLLM_CACHE_ROOT": "/cache/vllm",
        "TRITON_CACHE_DIR": "/cache/triton",
        # Weights come from the bucket only: never reach out to a model hub, no usage reporting.
        "HF_HUB_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
    }
    if args.weights_store == "s3":
        env["AWS_REGION"] = args.weights_region
    return env
