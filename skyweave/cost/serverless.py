"""Prices of serverless endpoints from the workload's usage assumptions (requests a day, seconds each).

* SageMaker serverless: GB-seconds of compute (memory x request seconds).
* SageMaker async: instance hours, at least `min_instances` all month, else the hours the requests keep
  instances busy; the catalog's EC2 price of the instance type is used, which SageMaker's ML instance
  price exceeds, so the figure is a lower bound.
* Cloud Run with GPU: GPU-, vCPU- and GiB-seconds of instance time (instance-based billing), at least
  `min_instances` all month, else the seconds the requests keep instances busy.

Busy time is requests x seconds per request / concurrent requests per instance; instances also idle a
while before they scale in, which the estimate leaves out. SageMaker provisioned concurrency and data
processing have no catalog price and are not counted.
"""

from __future__ import annotations

from skyweave.cost.core import CostContext, register, register_free
from skyweave.plan import PlannedResource
from skyweave.spec import Serverless

register_free(
    # The endpoint configuration or the Cloud Run service carries the endpoint's whole price.
    "aws:sagemaker/model:Model",
    "aws:sagemaker/endpoint:Endpoint",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "gcp:serviceaccount/account:Account",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    # One standard alarm per async endpoint: cents a month and inside CloudWatch's free alarms for
    # most accounts; the catalog has no source-backed alarm price to count it with.
    "aws:cloudwatch/metricAlarm:MetricAlarm",
)


def _options(resource: PlannedResource, ctx: CostContext) -> Serverless | None:
    # imported here: stacks without serverless endpoints never load the component and build its args model
    from components.serverless_endpoint import endpoint_logical_name

    spec = ctx.spec
    return next((w.serverless for w in spec.workloads
                 if w.serverless and endpoint_logical_name(spec.name, w.name) == resource.name), None)


def request_seconds(options: Serverless, ctx: CostContext) -> float:
    """Seconds of work a month: requests a month x seconds per request."""
    return options.requests_per_day * ctx.hours_per_month / 24 * options.seconds_per_request


def busy_seconds(options: Serverless, ctx: CostContext) -> float:
    """Instance-seconds a month the requests keep busy, at the endpoint's concurrency per instance."""
    return request_seconds(options, ctx) / options.concurrency


@register("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
def _sagemaker(resource: PlannedResource, ctx: CostContext) -> float:
    options = _options(resource, ctx)
    if options is None:
        return 0.0
    region = resource.region or "us-east-1"
    variant = resource.inputs["productionVariants"][0]
    serverless = variant.get("serverlessConfig")
    if serverless:
        price = ctx.catalog.unit_price("aws", "sagemaker_serverless_gb_second", region)
        gb_seconds = request_seconds(options, ctx) * serverless["memorySizeInMb"] / 1024
        return gb_seconds * price.value if price else 0.0
    offering = ctx.catalog.offering("aws", region, variant["instanceType"].removeprefix("ml."))
    hours = max(options.min_instances * ctx.hours_per_month, busy_seconds(options, ctx) / 3600)
    return hours * offering.ondemand_usd_hr if offering and offering.ondemand_usd_hr else 0.0


@register("gcp:cloudrunv2/service:Service")
def _cloud_run(resource: PlannedResource, ctx: CostContext) -> float:
    options = _options(resource, ctx)
    if options is None:
        return 0.0
    template = resource.inputs["template"]
    limits = template["containers"][0]["resources"]["limits"]
    gpu_key = "cloudrun_l4_gpu_second"
    if not template.get("gpuZonalRedundancyDisabled"):
        gpu_key += "_zonal_redundancy"
    region = resource.region or "us-central1"
    rates = [
        (ctx.catalog.unit_price("gcp", gpu_key, region), float(limits.get("nvidia.com/gpu", 0))),
        (ctx.catalog.unit_price("gcp", "cloudrun_vcpu_second", region), float(limits["cpu"])),
        (ctx.catalog.unit_price("gcp", "cloudrun_gib_second", region), _gib(limits["memory"])),
    ]
    per_second = sum(price.value * amount for price, amount in rates if price)
    always_on = options.min_instances * ctx.hours_per_month * 3600
    return max(always_on, busy_seconds(options, ctx)) * per_second


def _gib(memory: str) -> float:
    """A Kubernetes memory quantity (`16Gi`, `16384Mi`) in GiB."""
    return float(memory[:-2]) if memory.endswith("Gi") else float(memory.removesuffix("Mi")) / 1024
