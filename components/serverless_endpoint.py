"""Pay-per-use inference endpoints that scale to zero, next to the region-locked bucket of their model.

Three kinds: SageMaker Serverless Inference (CPU, billed per request), SageMaker asynchronous inference
on GPU instances that scale to zero on the request backlog, and Cloud Run services with one NVIDIA L4
each. The cloud specifics live in `components.sagemaker_endpoint` and `components.cloud_run_endpoint`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field

from components.compliant_storage import physical_name

if TYPE_CHECKING:
    from skyweave.program import Build
    from skyweave.spec import Workload

Kind = Literal["aws-sagemaker-serverless", "aws-sagemaker-async", "gcp-cloud-run-gpu"]


def endpoint_logical_name(stack_name: str, workload: str) -> str:
    """Pulumi name of the endpoint and of its priced resource (endpoint configuration, Cloud Run service)."""
    return f"{stack_name}-{workload}"


class ServerlessEndpointArgs(BaseModel):
    """Inputs of a `ServerlessEndpoint`; limits are checked where the stack file is read."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    kind: Kind
    """Which service runs the endpoint."""
    stack_name: str
    """Environment the endpoint belongs to."""
    workload: str
    """Workload name; with the stack name it names the endpoint."""
    region: str
    """Region of the endpoint, the region of its model bucket."""
    image: str
    """Container image pinned by tag or digest."""
    gcp_project: str | None = None
    """GCP only: project ID of the service."""
    bucket_name: Any = None
    """Name of the stack bucket holding the model (required for SageMaker)."""
    bucket_arn: Any = None
    """AWS: ARN of that bucket."""
    key_id: Any = None
    """AWS: ARN of the bucket's key (reads the model, encrypts results and notifications)."""
    model_artifact_key: str | None = None
    """SageMaker: `.tar.gz` object or `/`-terminated prefix of the model in the bucket."""
    instance_type: str | None = None
    """Async: SageMaker instance type (`ml.g5.xlarge`)."""
    memory_mb: int | None = None
    """Serverless and Cloud Run: memory per instance in MB."""
    vcpus: int = 4
    """Cloud Run: vCPUs per instance."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Concurrent requests (per endpoint for SageMaker serverless, else per instance); None: the service's default."""
    provisioned_concurrency: int = 0
    """SageMaker serverless: requests kept warm."""
    min_instances: int = 0
    """Async and Cloud Run: instances that never scale away."""
    max_instances: int = 1
    """Async and Cloud Run: instance ceiling."""
    gpu_zonal_redundancy_disabled: bool = False
    """Cloud Run: skip reserved capacity in a second zone."""
    ingress: Literal["internal", "internal-and-load-balancer", "all"] = "internal"
    """Cloud Run: network reach of the service."""
    invokers: list[str] = []
    """Cloud Run: IAM principals allowed to call it besides its invoker service account."""

    @property
    def physical_name(self) -> str:
        """Endpoint / service name: SageMaker allows 63 characters, Cloud Run 49."""
        return physical_name(self.stack_name, self.workload, limit=49 if self.kind == "gcp-cloud-run-gpu" else 63)

    @property
    def scaling(self) -> str:
        """What an idle endpoint costs and what the next request waits for, shown in the plan."""
        if self.kind == "aws-sagemaker-serverless":
            if self.provisioned_concurrency:
                return (f"{self.provisioned_concurrency} request(s) kept warm (no cold start, billed while "
                        "provisioned); requests beyond them may wait for a cold start")
            return "scales to zero: nothing is billed while idle; a request after an idle spell waits for a cold start"
        unit = "instance" if self.kind == "gcp-cloud-run-gpu" else f"{self.instance_type} instance"
        if self.min_instances:
            return (f"{self.min_instances} {unit}(s) always on: no cold start up to their capacity, "
                    "billed every hour even when idle")
        return (f"scales to zero: no {unit} billed while idle; the first request after an idle spell waits "
                "for an instance to start and load the model")


class ServerlessEndpoint(pulumi.ComponentResource):
    """A scale-to-zero inference endpoint."""

    endpoint: pulumi.Output[str]
    """SageMaker endpoint name, or the Cloud Run service URL."""
    invoker: pulumi.Output[str] | None
    """Cloud Run: email of the service account that may call the service."""

    def __init__(self, name: str, args: ServerlessEndpointArgs, opts: pulumi.ResourceOptions | None = None):
        props = {**args.model_dump(exclude={"bucket_name", "bucket_arn", "key_id"}), "scaling": args.scaling}
        super().__init__("skyweave:serving:ServerlessEndpoint", name, props, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.kind == "gcp-cloud-run-gpu":
            from components.cloud_run_endpoint import cloud_run_endpoint

            self.endpoint, self.invoker = cloud_run_endpoint(name, args, child)
        else:
            from components.sagemaker_endpoint import sagemaker_endpoint

            self.endpoint, self.invoker = sagemaker_endpoint(name, args, child), None
        self.register_outputs({"endpoint": self.endpoint, "invoker": self.invoker})


def declare_serverless_endpoints(ctx: Build) -> None:
    """One endpoint per `kind: serverless` workload, in the region of its model bucket."""
    from skyweave.consistency import endpoint_region

    spec = ctx.spec
    for workload in spec.workloads:
        options = workload.serverless
        if options is None:
            continue
        region = endpoint_region(spec, options, ctx.allowed)
        cloud = "gcp" if options.endpoint == "gcp-cloud-run-gpu" else "aws"
        is_async = options.endpoint == "aws-sagemaker-async"
        stored = ctx.storage.get(options.bucket) if options.bucket else None
        args = ServerlessEndpointArgs(
            kind=options.endpoint,
            stack_name=spec.name,
            workload=workload.name,
            region=region,
            image=options.image,
            gcp_project=spec.gcp_project if cloud == "gcp" else None,
            bucket_name=stored and stored.bucket_name,
            bucket_arn=stored and stored.bucket_arn,
            key_id=stored and stored.key_id,
            model_artifact_key=options.model_artifact_key,
            instance_type=_async_instance(ctx, workload, region) if is_async else None,
            memory_mb=options.memory,
            vcpus=options.vcpus,
            # Async leaves None to SageMaker's default; the others get their kind's default.
            max_concurrency=options.max_concurrency if is_async else options.concurrency,
            provisioned_concurrency=options.provisioned_concurrency,
            min_instances=options.min_instances,
            max_instances=options.max_instances,
            gpu_zonal_redundancy_disabled=options.gpu_zonal_redundancy_disabled,
            ingress=options.ingress,
            invokers=options.invokers,
        )
        ServerlessEndpoint(endpoint_logical_name(spec.name, workload.name), args, ctx.opts(cloud, region))


def _async_instance(ctx: Build, workload: Workload, region: str) -> str:
    """The SageMaker instance type for an async endpoint: the selector's cheapest fit (or the pin) in the
    endpoint's region, among the GPU families SageMaker hosts, on demand."""
    from skyweave.catalog import Catalog, apply_price_book
    from skyweave.consistency import SAGEMAKER_FAMILIES
    from skyweave.selector import request_from_spec, select

    book = ctx.spec.price_book
    priced = apply_price_book(ctx.catalog, book.discount_pct, book.overrides)
    hosted = Catalog(
        [o for o in priced.offerings if o.cloud == "aws" and o.family in SAGEMAKER_FAMILIES],
        priced.regions(),
        priced.unit_prices,
    )
    request = request_from_spec(workload, ctx.spec, hosted)._replace(allowed_regions={"aws": (region,)})
    return f"ml.{select(request, hosted).pick.instance_type}"
