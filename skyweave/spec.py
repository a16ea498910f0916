"""The stack-file schema: one YAML file per environment, validated by pydantic.

A stack file says what an environment needs (workloads, storage, a gateway, a budget) and where it may
run (clouds, residency); skyweave turns it into resources. Unknown keys are rejected so a typo fails
loudly instead of being ignored. Field docstrings are the reference documentation of the format.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Cloud = Literal["aws", "gcp"]
Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
Classification = Literal["public", "internal", "confidential", "restricted"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
KubeName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
PolicyId = Annotated[str, StringConstraints(pattern=r"^SKW-[A-Z]{2,5}-\d{3}$")]


class Strict(BaseModel):
    """Base for every stack-file section: unknown keys are errors, field docstrings are the docs."""

    # Validators are compiled on first use. A section's default is made with model_construct(): calling a
    # model in a class body would compile its validator on import, on every command.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Owner(Strict):
    team: Slug
    """Team that owns the environment; stamped as the `team` tag/label on every resource."""
    cost_center: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    """Cost center billed for the environment; stamped as the `cost-center` tag/label."""


class Residency(Strict):
    jurisdictions: list[str] = []
    """Jurisdictions data and compute must stay in, e.g. `eu`, `eea`, `uk`, `us`. `eea` includes `eu`."""
    regions: list[str] = []
    """Explicit region list (AWS and GCP names); narrows the jurisdictions when both are given."""

    @model_validator(mode="after")
    def _not_empty(self) -> Residency:
        if not self.jurisdictions and not self.regions:
            raise ValueError("give at least one jurisdiction (e.g. eu) or one region")
        return self


class Budget(Strict):
    monthly_cap_usd: float = Field(gt=0)
    """Monthly spending cap of the environment in USD; the cost policies and the budget alarms use it."""
    alert_thresholds_pct: list[Annotated[int, Field(gt=0, le=1000)]] = Field(default=[50, 80, 100], max_length=5)
    """Percent of the cap at which alerts fire, on actual and on forecasted spend (at most five)."""
    notify_emails: list[Email] = Field(default=[], max_length=10)
    """Email addresses that receive budget alerts (an SNS/Pub/Sub topic is always created too)."""
    anomaly_detection: bool = True
    """Also create AWS Cost Anomaly Detection for the environment's cost tags (AWS stacks)."""
    anomaly_threshold_usd: float = Field(default=100.0, gt=0)
    """Total impact in USD above which a cost anomaly is reported."""
    gcp_billing_account: str | None = None
    """GCP billing account ID for the budget (`012345-6789AB-CDEF01`); else Pulumi config `skyweave:gcpBillingAccount`."""

    @field_validator("alert_thresholds_pct")
    def _sorted_unique(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("give at least one threshold, e.g. [80, 100]")
        return sorted(set(value))


class ModelNeeds(Strict):
    name: str | None = None
    """A known model (e.g. `llama-3.1-70b`); its architecture sizes the KV cache exactly."""
    parameters_b: float | None = Field(default=None, gt=0)
    """Parameters in billions; needed when `name` is not a known model and `gpu_memory_gb` is not given."""
    precision: Precision = "bf16"
    """Weight precision served: fp32, bf16, fp16, fp8, int8 or int4."""
    context_tokens: int = Field(default=8192, gt=0)
    """Context length (prompt + output tokens) each sequence may use."""
    concurrency: int = Field(default=16, gt=0)
    """Concurrent sequences one replica serves; sizes the KV cache."""
    gpu_memory_gb: float | None = Field(default=None, gt=0)
    """Explicit GPU memory one replica needs, in GB; overrides the estimate."""

    @model_validator(mode="after")
    def _some_size(self) -> ModelNeeds:
        if self.name is None and self.parameters_b is None and self.gpu_memory_gb is None:
            raise ValueError("say how big the model is: give name, parameters_b or gpu_memory_gb")
        return self


class Capacity(Strict):
    min_nodes: int = Field(default=0, ge=0)
    """Nodes kept running per region; 0 lets the pool scale to zero."""
    max_nodes: int = Field(default=4, ge=1)
    """Ceiling on nodes per region."""

    @model_validator(mode="after")
    def _ordered(self) -> Capacity:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes {self.min_nodes} is above max_nodes {self.max_nodes}")
        return self


class HardwarePin(Strict):
    cloud: Cloud
    """Cloud of the pinned hardware."""
    regions: list[str] = Field(min_length=1)
    """Regions to run in (one per redundancy region)."""
    instance_type: str
    """EC2 instance type or GCE machine type, e.g. `g6e.12xlarge`, `a3-highgpu-8g`."""
    capacity_type: Literal["on_demand", "spot"] = "on_demand"
    """On-demand or spot capacity."""
    nodes: int | None = Field(default=None, ge=1)
    """Nodes per region; default: as many as the throughput target needs."""


MigPartition = Literal[
    "1g.5gb", "2g.10gb", "3g.20gb", "7g.40gb",  # A100 40GB
    "1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb",  # A100 80GB, H100 80GB
    "1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb",  # H200 141GB
]


class PoolOptions(Strict):
    """How a workload's GPU node pools are built (inference, training and batch workloads)."""

    ami_family: Literal["al2023", "bottlerocket"] = "al2023"
    """EKS node OS: `al2023` (EKS-optimized NVIDIA/Neuron AMI) or `bottlerocket` (NVIDIA variant)."""
    gpu_sharing: Literal["none", "time_sharing", "mig"] = "none"
    """Share each GPU between pods: `time_sharing` or `mig` partitions (GKE pools)."""
    max_shared_clients: int = Field(default=2, ge=2, le=48)
    """Pods that share one GPU with `time_sharing`."""
    mig_partition: MigPartition | None = None
    """MIG partition size with `gpu_sharing: mig`, e.g. `1g.10gb` (A100, H100 and H200 only)."""
    efa: bool | None = None
    """EFA interfaces and a cluster placement group (AWS); compact placement (GCP). Default: on for
    training on more than one node of an EFA-capable type."""
    zone: str | None = None
    """Put the pool in this one zone (e.g. `eu-west-1a`); required with a capacity reservation."""
    capacity_reservation: str | None = None
    """Capacity to consume: an EC2 capacity reservation ID (`cr-...`) or a GCE reservation name."""
    capacity_block: bool = False
    """AWS: the reservation is an EC2 Capacity Block for ML (prepaid, fixed start and end)."""
    spot_diversity: bool = True
    """Spot pools also accept other instance types with the same GPU, count and memory (AWS)."""
    on_demand_base: int = Field(default=0, ge=0)
    """Nodes per region kept on demand as a base; the rest burst on spot. Needs `spot: true`."""
    disk_gb: int = Field(default=200, ge=50, le=16384)
    """Encrypted root volume per node in GB; GPU images and model caches are large."""

    @model_validator(mode="after")
    def _consistent(self) -> PoolOptions:
        if self.gpu_sharing == "mig" and self.mig_partition is None:
            raise ValueError("gpu_sharing mig needs mig_partition, e.g. 1g.10gb")
        if self.mig_partition is not None and self.gpu_sharing != "mig":
            raise ValueError("mig_partition is set but gpu_sharing is not mig")
        if self.capacity_block and not self.capacity_reservation:
            raise ValueError("capacity_block needs capacity_reservation: the Capacity Block's reservation ID (cr-...)")
        if self.capacity_reservation and not self.zone:
            raise ValueError("a capacity reservation lives in one zone: give zone too")
        return self


# Cloud limits the serverless options are checked against.
SAGEMAKER_SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SAGEMAKER_SERVERLESS_MAX_CONCURRENCY = 200
CLOUD_RUN_GPU_VCPUS = (4, 6, 8)  # an NVIDIA L4 needs at least 4 vCPU; Cloud Run CPU limits above 4 are 6 or 8
CLOUD_RUN_GPU_MEMORY_MB = (16384, 32768)  # at least 16 GiB with an L4; 32 GiB is Cloud Run's ceiling
CLOUD_RUN_MAX_CONCURRENCY = 1000
# Regions that offer Cloud Run with NVIDIA L4 GPUs (Cloud Run GPU documentation).
CLOUD_RUN_GPU_REGIONS = ("us-central1", "us-east4", "europe-west1", "europe-west4", "asia-southeast1", "asia-south1")
_IMAGE = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+"
    r"(:(?P<tag>\w[\w.-]{0,127})|@sha256:[0-9a-f]{64})$"
)
_IAM_MEMBER = re.compile(r"^(serviceAccount|group|user|domain|principal|principalSet):\S+$")


class Serverless(Strict):
    """Options of a `kind: serverless` workload: a pay-per-use endpoint that scales to zero."""

    endpoint: Literal["aws-sagemaker-serverless", "aws-sagemaker-async", "gcp-cloud-run-gpu"]
    """`aws-sagemaker-serverless` (CPU only, billed per request), `aws-sagemaker-async` (GPU instances,
    queued requests, scales to zero) or `gcp-cloud-run-gpu` (one NVIDIA L4 per instance, scales to zero)."""
    image: str
    """Container image pinned by tag or digest (never `latest`). SageMaker: an ECR image in the endpoint's
    region, e.g. `763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312-ubuntu22.04-sagemaker`."""
    bucket: Slug | None = None
    """Name of the stack's storage bucket that holds the model (required for SageMaker); the endpoint
    runs in that bucket's region. Async endpoints also read requests from it and write results to it."""
    model_artifact_key: str | None = None
    """SageMaker: object key of the model in `bucket`, a `.tar.gz` archive or a prefix ending in `/` of
    uncompressed files. Cloud Run mounts the whole bucket read-only at `/models`."""
    region: str | None = None
    """Cloud Run region; default: the bucket's region, else the first allowed region with Cloud Run GPUs."""
    memory_mb: int | None = None
    """Memory per instance in MB. SageMaker serverless: 1024-6144 in steps of 1024 (default 2048);
    Cloud Run: 16384-32768 (default 16384). Async instances get the memory of their instance type."""
    vcpus: int = 4
    """Cloud Run: vCPUs per instance, 4, 6 or 8."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Concurrent requests: per endpoint for SageMaker serverless (1-200, default 20), per instance for
    async (default: SageMaker's choice) and Cloud Run (1-1000, default 4)."""
    provisioned_concurrency: int = Field(default=0, ge=0)
    """SageMaker serverless: requests kept warm (no cold start, billed while provisioned); at most
    max_concurrency."""
    min_instances: int = Field(default=0, ge=0)
    """Async and Cloud Run: instances that keep running; 0 scales to zero and the first request after
    an idle spell waits for a cold start, more avoids it but bills every hour."""
    max_instances: int = Field(default=1, ge=1, le=100)
    """Async and Cloud Run: ceiling on instances."""
    gpu_zonal_redundancy_disabled: bool = False
    """Cloud Run: no reserved capacity in a second zone; cheaper GPU-seconds, best-effort failover."""
    ingress: Literal["internal", "internal-and-load-balancer", "all"] = "internal"
    """Cloud Run: who can reach the service over the network; every caller also needs the invoker role."""
    invokers: list[str] = []
    """Cloud Run: IAM principals that may call the service besides its own invoker service account,
    e.g. `serviceAccount:gateway@my-project.iam.gserviceaccount.com`; public principals are refused."""
    requests_per_day: float = Field(default=1000, ge=0)
    """Usage assumption for the cost estimate: requests a day."""
    seconds_per_request: float = Field(default=1.0, gt=0, le=3600)
    """Usage assumption for the cost estimate: seconds one request runs."""

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        match = _IMAGE.match(image)
        if not match:
            raise ValueError(f"{image!r} is not an image reference pinned by tag or digest, e.g. registry/repo:1.2.3")
        if match["tag"] == "latest":
            raise ValueError("the tag `latest` moves; pin a version tag or a @sha256 digest")
        return image

    @field_validator("invokers")
    @classmethod
    def _private(cls, members: list[str]) -> list[str]:
        for member in members:
            if member in ("allUsers", "allAuthenticatedUsers"):
                raise ValueError(f"{member} would make the endpoint public; name the callers' principals")
            if not _IAM_MEMBER.match(member):
                raise ValueError(f"{member!r} is not an IAM principal like serviceAccount:name@project.iam.gserviceaccount.com")
        return members

    @model_validator(mode="after")
    def _limits(self) -> Serverless:
        problems = {
            "aws-sagemaker-serverless": self._sagemaker_serverless_problems,
            "aws-sagemaker-async": self._async_problems,
            "gcp-cloud-run-gpu": self._cloud_run_problems,
        }[self.endpoint]()
        if self.min_instances > self.max_instances:
            problems.append(f"min_instances {self.min_instances} is above max_instances {self.max_instances}")
        if problems:
            raise ValueError(f"{self.endpoint}: " + "; ".join(problems))
        return self

    def _not_for(self, fields: tuple[str, ...], why: str) -> list[str]:
        # Compared with the defaults, not with the keys given, so a dumped and reloaded spec stays valid.
        return [f"{name} does not apply ({why})" for name in fields
                if getattr(self, name) != type(self).model_fields[name].default]

    def _sagemaker_serverless_problems(self) -> list[str]:
        problems = self._not_for(("vcpus", "min_instances", "max_instances", "gpu_zonal_redundancy_disabled",
                                  "ingress", "invokers", "region"), "SageMaker scales serverless endpoints itself")
        if self.memory_mb is not None and self.memory_mb not in SAGEMAKER_SERVERLESS_MEMORY_MB:
            problems.append(f"memory_mb {self.memory_mb} is not one of {', '.join(map(str, SAGEMAKER_SERVERLESS_MEMORY_MB))}")
        if not 1 <= self.concurrency <= SAGEMAKER_SERVERLESS_MAX_CONCURRENCY:
            problems.append(f"max_concurrency {self.concurrency} is outside 1-{SAGEMAKER_SERVERLESS_MAX_CONCURRENCY}")
        if self.provisioned_concurrency > self.concurrency:
            problems.append(f"provisioned_concurrency {self.provisioned_concurrency} is above max_concurrency {self.concurrency}")
        return problems + self._sagemaker_model_problems()

    def _async_problems(self) -> list[str]:
        problems = self._not_for(("memory_mb", "vcpus", "provisioned_concurrency", "gpu_zonal_redundancy_disabled",
                                  "ingress", "invokers", "region"), "async endpoints run on the selected GPU instances")
        return problems + self._sagemaker_model_problems()

    def _sagemaker_model_problems(self) -> list[str]:
        if not self.bucket or not self.model_artifact_key:
            return ["SageMaker endpoints load the model from the stack's storage: give bucket and model_artifact_key"]
        if not self.model_artifact_key.endswith((".tar.gz", "/")):
            return [f"model_artifact_key {self.model_artifact_key!r} must be a .tar.gz archive or a prefix ending in /"]
        return []

    def _cloud_run_problems(self) -> list[str]:
        problems = self._not_for(("provisioned_concurrency", "model_artifact_key"),
                                 "Cloud Run mounts the whole bucket and keeps min_instances warm")
        if self.vcpus not in CLOUD_RUN_GPU_VCPUS:
            problems.append(f"vcpus {self.vcpus} is not one of {', '.join(map(str, CLOUD_RUN_GPU_VCPUS))} (an NVIDIA L4 needs at least 4)")
        low, high = CLOUD_RUN_GPU_MEMORY_MB
        if self.memory_mb is not None and not low <= self.memory_mb <= high:
            problems.append(f"memory_mb {self.memory_mb} is outside {low}-{high} (an NVIDIA L4 needs at least 16 GiB)")
        if not 1 <= self.concurrency <= CLOUD_RUN_MAX_CONCURRENCY:
            problems.append(f"max_concurrency {self.concurrency} is outside 1-{CLOUD_RUN_MAX_CONCURRENCY}")
        return problems

    @property
    def concurrency(self) -> int:
        """max_concurrency with the endpoint kind's default (async: 1 request per instance is assumed)."""
        defaults = {"aws-sagemaker-serverless": 20, "aws-sagemaker-async": 1, "gcp-cloud-run-gpu": 4}
        return self.max_concurrency or defaults[self.endpoint]

    @property
    def memory(self) -> int | None:
        """memory_mb with the endpoint kind's default (None for async: the instance type decides)."""
        defaults = {"aws-sagemaker-serverless": 2048, "aws-sagemaker-async": None, "gcp-cloud-run-gpu": 16384}
        return self.memory_mb or defaults[self.endpoint]


class Workload(Strict):
    name: Slug
    """Workload name; used in resource names."""
    kind: Literal["inference", "training", "batch", "serverless"]
    """What runs: online inference, training, batch jobs, or serverless inference."""
    model: ModelNeeds
    """How big the model is and how it is served."""
    latency_p95_ms: int | None = Field(default=None, gt=0)
    """Target p95 time per output token in milliseconds."""
    throughput_tokens_per_s: float | None = Field(default=None, gt=0)
    """Aggregate output tokens per second to sustain in each region."""
    redundancy_regions: int = Field(default=1, ge=1, le=8)
    """Distinct regions the workload runs in at once."""
    capacity: Capacity = Capacity.model_construct()
    """Node counts per region."""
    spot: bool = False
    """The workload tolerates interruption, so spot capacity may be picked."""
    hardware: Literal["auto"] | HardwarePin = "auto"
    """`auto` lets the selector pick the cheapest fit; or pin cloud, regions and instance type."""
    monthly_cap_usd: float | None = Field(default=None, gt=0)
    """Cap on this workload's monthly cost."""
    pool: PoolOptions = PoolOptions.model_construct()
    """How its GPU node pools are built (not for serverless workloads)."""
    serverless: Serverless | None = None
    """Endpoint options; required for `kind: serverless` and only for it."""

    @model_validator(mode="after")
    def _serverless_options(self) -> Workload:
        if (self.kind == "serverless") != (self.serverless is not None):
            raise ValueError("a serverless block goes with kind: serverless, and kind: serverless needs one")
        if self.serverless is not None:
            if self.redundancy_regions != 1:
                raise ValueError("a serverless endpoint runs in one region: leave redundancy_regions at 1")
            if self.spot:
                raise ValueError("serverless endpoints run on on-demand capacity: remove spot: true")
            if self.hardware != "auto" and self.serverless.endpoint != "aws-sagemaker-async":
                raise ValueError(f"{self.serverless.endpoint} chooses its own hardware: remove hardware")
        return self


class ClusterSpec(Strict):
    """A Kubernetes cluster in one cloud region that GPU pools join."""

    cloud: Cloud
    """Cloud of the cluster."""
    region: str
    """Region of the cluster; workloads placed in this cloud and region get their pools here."""
    existing: str | None = None
    """Name of a cluster that already exists; skyweave then adds only node pools to it."""
    subnets: dict[str, str] = {}
    """Existing EKS cluster: zone → private subnet ID for pools; default: the cluster's own subnets."""
    kubernetes_version: str | None = None
    """Kubernetes minor version (e.g. `1.33`); default: the cloud's current default (GKE: REGULAR channel)."""
    public_endpoint: bool = False
    """Expose the API server publicly (limited to `authorized_networks`); `pulumi up` must otherwise
    run where the private endpoint is reachable (inside the VPC, or over VPN/peering)."""
    authorized_networks: list[Annotated[str, StringConstraints(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")]] = []
    """CIDRs allowed to reach the API server, e.g. a VPN range."""
    admins: list[Annotated[str, StringConstraints(pattern=r"^arn:aws:iam::\d{12}:(role|user)/.+$")]] = []
    """EKS: IAM role/user ARNs given cluster admin through access entries."""
    network_cidr: Annotated[str, StringConstraints(pattern=r"^\d{1,3}(\.\d{1,3}){3}/16$")] = "10.0.0.0/16"
    """The /16 the new cluster's network uses (VPC on AWS, node subnet and ranges on GCP)."""
    dcgm_exporter: bool = True
    """GPU metrics: DCGM exporter on EKS GPU nodes; GKE's managed DCGM metrics on new GKE clusters."""

    @model_validator(mode="after")
    def _subnets_for_existing(self) -> ClusterSpec:
        if self.subnets and not self.existing:
            raise ValueError("subnets are for an existing cluster; a new cluster makes its own")
        if self.public_endpoint and not self.authorized_networks:
            raise ValueError("a public endpoint needs authorized_networks (the CIDRs that may reach it)")
        return self


# Jurisdiction → (GCS location, Cloud KMS location) of a configurable dual-region: both regions sit in
# that multi-region, and so must the bucket's encryption key.
GCS_DUAL_REGIONS = {"eu": ("EU", "europe"), "us": ("US", "us")}


class Bucket(Strict):
    name: Slug
    """Bucket purpose, e.g. `training-data`; used in the physical name."""
    cloud: Cloud | None = None
    """Cloud for the bucket; default: the first of the stack's clouds."""
    region: str | None = None
    """Region for the bucket; default: the stack's home region of that cloud."""
    classification: Classification | None = None
    """Data classification, stamped as the bucket's `data-classification` tag/label; default: the stack's."""
    size_gb: float = Field(default=100, ge=0)
    """Expected stored size in GB (for the cost estimate)."""
    retention_days: int | None = Field(default=None, ge=1, le=36500)
    """Keep every object version at least this many days (S3 Object Lock / GCS retention policy)."""
    object_lock: Literal["governance", "compliance"] | None = None
    """How strict `retention_days` is: `governance` (privileged admins may shorten it; GCS: unlocked
    policy) or `compliance` (nobody can, not even the account root; GCS: locked policy, irreversible).
    Default with retention_days: governance."""
    versioning: bool = True
    """Keep every version of every object. S3 Object Lock and replication need it; on GCS a retention
    policy takes its place (GCS allows only one of the two)."""
    replication_regions: list[str] = Field(default=[], max_length=1)
    """AWS: a region that keeps a replica (S3 replication under that region's key); GCP: the second
    region of a dual-region bucket. It must be inside the stack's residency."""
    cold_after_days: int | None = Field(default=None, ge=30)
    """Move objects (and old versions) to colder storage after this many days: S3 Glacier Instant
    Retrieval, GCS Nearline."""
    soft_delete_days: int = Field(default=7, ge=7, le=90)
    """GCS: days a deleted object stays recoverable (7-90)."""
    audit: bool | None = None
    """Record every read and write in the region's immutable audit-log bucket (CloudTrail data events /
    Cloud Audit Logs); default: on for confidential and restricted data."""

    @model_validator(mode="after")
    def _lock_and_versions(self) -> Bucket:
        if self.object_lock and not self.retention_days:
            raise ValueError(f"object_lock {self.object_lock} needs retention_days")
        if self.region and self.region in self.replication_regions:
            raise ValueError(f"replication_regions repeats the bucket's own region {self.region}")
        return self


class SecretRef(Strict):
    """Where a secret value comes from. skyweave renders only references, never the value."""

    secret: KubeName | None = None
    """Name of an existing Kubernetes Secret in the gateway's namespace (give `key` too)."""
    key: Annotated[str, StringConstraints(pattern=r"^[-._a-zA-Z0-9]+$")] | None = None
    """Key in that Secret."""
    config: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")] | None = None
    """Pulumi config key (namespace `skyweave`) holding the value, set with `pulumi config set --secret`."""

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.secret is None) != (self.key is None):
            raise ValueError("an existing Kubernetes Secret needs both secret and key")
        if (self.secret is None) == (self.config is None):
            raise ValueError("give either secret + key (an existing Kubernetes Secret) or config (a Pulumi secret)")
        return self


class ModelWeights(Strict):
    bucket: Slug
    """Name of the stack's bucket (under `storage:`) that holds the weights; it must be in the pool's region."""
    path: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    """Folder of the safetensors weights and tokenizer in that bucket, e.g. `models/llama-3.1-8b-instruct`."""


class GatewayRoute(Strict):
    name: Slug
    """Route name callers use as the model name."""
    model: str
    """`bedrock/<model or inference profile ID>`, `vertex_ai/<model>`, or the name of an inference workload of
    this stack, which the gateway then serves itself with vLLM on the workload's GPU pool."""
    region: str | None = None
    """Region the provider serves the model from; required for bedrock (AWS region) and vertex_ai (GCP region).
    Self-hosted routes run where their workload is placed."""
    rpm: int | None = Field(default=None, gt=0)
    """Requests per minute the route accepts; enforced: further requests get HTTP 429."""
    tpm: int | None = Field(default=None, gt=0)
    """Tokens per minute the route accepts; enforced like `rpm`."""
    api_key: SecretRef | None = None
    """API key the provider needs, if any; bedrock and vertex_ai use the gateway pod's cloud identity."""
    weights: ModelWeights | None = None
    """Self-hosted routes: where vLLM loads the model weights from (streamed from the bucket)."""


class GatewayTeam(Strict):
    name: Slug
    """Team that calls the gateway."""
    monthly_budget_usd: float = Field(gt=0)
    """Monthly spend allowed through the gateway."""


class GatewayRedis(Strict):
    host: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")]
    """Hostname of an existing Redis (ElastiCache, Memorystore) reachable from the cluster."""
    port: int = Field(default=6379, gt=0, lt=65536)
    """Redis port."""
    password: SecretRef | None = None
    """Redis AUTH password, if the server requires one."""
    tls: bool = True
    """Connect over TLS (in-transit encryption)."""


class GatewayReplicas(Strict):
    min: int = Field(default=2, ge=1)
    """Gateway pods kept running per cluster (two survive a node or zone loss)."""
    max: int = Field(default=6, ge=1)
    """Ceiling the CPU autoscaler may scale to."""

    @model_validator(mode="after")
    def _ordered(self) -> GatewayReplicas:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


RoutingStrategy = Literal[
    "simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2", "cost-based-routing"
]


class Gateway(Strict):
    routes: list[GatewayRoute] = Field(min_length=1)
    """Models callers can reach through the gateway."""
    fallbacks: dict[str, list[str]] = {}
    """Route name → routes to try, in order, when it fails (errors, timeouts, rate limits)."""
    context_window_fallbacks: dict[str, list[str]] = {}
    """Route name → routes with a longer context to try when a prompt does not fit."""
    teams: list[GatewayTeam] = []
    """Teams with monthly budgets; budgets are enforced against spend in the database (`database_url`)."""
    regions: list[str] = []
    """Regions the gateway runs in, one gateway per cluster; default: where its self-hosted routes' workloads
    run, else the home region of the stack's first cloud."""
    replicas: GatewayReplicas = GatewayReplicas.model_construct()
    """Gateway pods per cluster."""
    pod_cpu: float = Field(default=1.0, gt=0, le=16)
    """CPU cores requested per gateway pod (the limit is twice this)."""
    pod_memory_gib: float = Field(default=2.0, gt=0, le=64)
    """Memory requested per gateway pod in GiB (the limit is twice this)."""
    routing_strategy: RoutingStrategy = "simple-shuffle"
    """How a route picks among its deployments: simple-shuffle, least-busy, latency-based-routing,
    usage-based-routing-v2 or cost-based-routing."""
    num_retries: int = Field(default=2, ge=0, le=10)
    """Retries on the same route before its fallbacks are tried."""
    allowed_fails: int = Field(default=3, ge=1, le=100)
    """Failures per minute after which a deployment is cooled down (circuit breaker)."""
    cooldown_seconds: int = Field(default=30, ge=1, le=3600)
    """How long a failing deployment is taken out of rotation."""
    request_timeout_seconds: int = Field(default=600, ge=1, le=3600)
    """Timeout of one call to a model."""
    provider_budgets: dict[Literal["bedrock", "vertex_ai"], Annotated[float, Field(gt=0)]] = {}
    """Provider → monthly USD; once spent, routes to that provider answer 429 until the month rolls over."""
    master_key: SecretRef = SecretRef.model_construct(config="gatewayMasterKey")
    """Admin key of the gateway (starts with `sk-`); default: Pulumi secret `skyweave:gatewayMasterKey`."""
    database_url: SecretRef | None = None
    """PostgreSQL URL for team budgets, virtual keys and spend tracking; required when `teams` are given."""
    redis: GatewayRedis | None = None
    """Redis shared by the gateway pods: rate-limit, budget and cooldown counters, and the response cache."""
    cache_ttl_seconds: int | None = Field(default=None, ge=1)
    """Cache responses of identical requests in Redis for this many seconds; needs `redis`."""
    service_account_annotations: dict[str, str] = {}
    """Annotations on the gateway's and vLLM's service accounts that bind them to a cloud identity. On GKE
    skyweave grants Vertex AI and the weights buckets to the service accounts itself (Workload Identity); on
    EKS give `eks.amazonaws.com/role-arn` (IRSA): a role that may invoke the Bedrock routes' models and read
    the weights bucket and decrypt with its key."""


class Waiver(Strict):
    policy: PolicyId
    """Policy ID waived, e.g. `SKW-SEC-004`."""
    resource: str = "*"
    """Resource name (or glob) the waiver applies to."""
    reason: str
    """Why the finding is accepted; reviewed like code."""
    expires: dt.date
    """Date after which the waiver no longer applies."""


class PriceBook(Strict):
    discount_pct: float = Field(default=0, ge=0, lt=100)
    """Negotiated discount off on-demand list prices, in percent."""
    overrides: dict[str, float] = {}
    """Per-type on-demand USD/hour: `aws:p5.48xlarge` or `aws:us-east-1:p5.48xlarge`."""


class Usage(Strict):
    hours_per_month: float = Field(default=730, gt=0, le=744)
    """Hours a month that running nodes are billed (730 is the cloud pricing convention)."""
    log_gb_per_region: float = Field(default=5, ge=0)
    """GB of access and audit logs each storage region keeps (for the cost estimate of log buckets)."""


def _jurisdiction_shorthand(schema: dict) -> None:
    # Editors validating against the JSON Schema must accept `residency: eu` too (see _residency_shorthand).
    schema["anyOf"] = [{"$ref": schema.pop("$ref")}, {"type": "string", "description": "One jurisdiction, e.g. `eu`."}]


class StackSpec(Strict):
    name: Slug
    """Environment name; the Pulumi stack of the same name deploys this file."""
    environment: Slug
    """Environment kind (dev, staging, prod, ...); stamped as the `environment` tag/label."""
    owner: Owner
    """Who owns and pays for the environment."""
    clouds: list[Cloud] = Field(min_length=1)
    """Clouds the environment may use."""
    gcp_project: str | None = None
    """GCP project ID that holds the environment's GCP resources; required when clouds include gcp."""
    residency: Residency = Field(json_schema_extra=_jurisdiction_shorthand)
    """Where data and compute must stay; give a jurisdiction (`eu`) or a region list."""
    home_regions: dict[Cloud, str] = {}
    """Region per cloud for stack-wide resources (budget alert topics); default: the first allowed region."""
    budget: Budget
    """Monthly cap and alerts."""
    workloads: list[Workload] = []
    """GPU workloads and what they need."""
    clusters: list[ClusterSpec] = []
    """Kubernetes clusters per cloud region: settings for the ones skyweave creates, or existing ones to
    join. A region with GPU pools and no entry gets a new cluster with the defaults."""
    storage: list[Bucket] = []
    """Region-locked buckets."""
    gateway: Gateway | None = None
    """LLM gateway in front of the models."""
    waivers: list[Waiver] = []
    """Accepted policy findings, each with a reason and an expiry."""
    price_book: PriceBook = PriceBook.model_construct()
    """Negotiated prices layered on the catalog."""
    usage: Usage = Usage.model_construct()
    """Usage assumptions for the cost estimate."""
    data_classification: Classification = "internal"
    """Classification stamped on resources that are not buckets (buckets carry their own)."""

    def allowed_regions(self, catalog: object = None) -> dict[str, tuple[str, ...]]:
        """Cloud → regions inside the residency (see `skyweave.consistency.allowed_regions`)."""
        from skyweave.consistency import allowed_regions

        return allowed_regions(self, catalog)  # type: ignore[arg-type]

    @model_validator(mode="before")
    @classmethod
    def _residency_shorthand(cls, data: object) -> object:
        # `residency: eu` is the one-line form of `residency: {jurisdictions: [eu]}`.
        if isinstance(data, dict) and isinstance(data.get("residency"), str):
            return {**data, "residency": {"jurisdictions": [data["residency"]]}}
        return data
