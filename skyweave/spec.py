"""The stack-file schema: one YAML file per environment, validated by pydantic.

A stack file says what an environment needs (workloads, storage, a gateway, a budget) and where it may
run (clouds, residency); skyweave turns it into resources. Unknown keys are rejected so a typo fails
loudly instead of being ignored. Field docstrings are the reference documentation of the format.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Cloud = Literal["aws", "gcp"]
Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
Classification = Literal["public", "internal", "confidential", "restricted"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
PolicyId = Annotated[str, StringConstraints(pattern=r"^SKW-[A-Z]{2,5}-\d{3}$")]


class Strict(BaseModel):
    """Base for every stack-file section: unknown keys are errors, field docstrings are the docs."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


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
    capacity: Capacity = Capacity()
    """Node counts per region."""
    spot: bool = False
    """The workload tolerates interruption, so spot capacity may be picked."""
    hardware: Literal["auto"] | HardwarePin = "auto"
    """`auto` lets the selector pick the cheapest fit; or pin cloud, regions and instance type."""
    monthly_cap_usd: float | None = Field(default=None, gt=0)
    """Cap on this workload's monthly cost."""


class Bucket(Strict):
    name: Slug
    """Bucket purpose, e.g. `training-data`; used in the physical name."""
    cloud: Cloud | None = None
    """Cloud for the bucket; default: the first of the stack's clouds."""
    region: str | None = None
    """Region for the bucket; default: the first allowed region of that cloud."""
    classification: Classification = "internal"
    """Data classification; stamped as the `data-classification` tag/label."""
    size_gb: float = Field(default=100, ge=0)
    """Expected stored size in GB (for the cost estimate)."""
    retention_days: int | None = Field(default=None, ge=1)
    """Keep objects at least this many days (object lock / retention policy)."""


class GatewayRoute(Strict):
    name: Slug
    """Route name callers use as the model name."""
    model: str
    """Provider model, e.g. `bedrock/anthropic.claude-3-haiku`, `vertex_ai/gemini-1.5-flash`, or a workload name."""
    region: str | None = None
    """Region the provider serves the model from; required for cloud providers."""


class GatewayTeam(Strict):
    name: Slug
    """Team that calls the gateway."""
    monthly_budget_usd: float = Field(gt=0)
    """Monthly spend allowed through the gateway."""


class Gateway(Strict):
    routes: list[GatewayRoute] = Field(min_length=1)
    """Models callers can reach through the gateway."""
    fallbacks: dict[str, list[str]] = {}
    """Route name → routes to try, in order, when it fails."""
    teams: list[GatewayTeam] = []
    """Teams with monthly budgets."""


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
    residency: Residency
    """Where data and compute must stay; give a jurisdiction (`eu`) or a region list."""
    home_regions: dict[Cloud, str] = {}
    """Region per cloud for stack-wide resources (budget alert topics); default: the first allowed region."""
    budget: Budget
    """Monthly cap and alerts."""
    workloads: list[Workload] = []
    """GPU workloads and what they need."""
    storage: list[Bucket] = []
    """Region-locked buckets."""
    gateway: Gateway | None = None
    """LLM gateway in front of the models."""
    waivers: list[Waiver] = []
    """Accepted policy findings, each with a reason and an expiry."""
    price_book: PriceBook = PriceBook()
    """Negotiated prices layered on the catalog."""
    usage: Usage = Usage()
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
