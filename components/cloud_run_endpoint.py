"""Cloud Run side of serverless endpoints: a service with one NVIDIA L4 per instance, scaling to zero.

The service runs as its own service account, which may only read the stack's model bucket (mounted
read-only at /models); nobody may call it without the invoker role, which its invoker service account
and the principals the stack file names get.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.compliant_storage import physical_name
from components.serverless_endpoint import ServerlessEndpointArgs

ACCELERATOR = "nvidia-l4"
MODELS_PATH = "/models"
INGRESS = {
    "internal": "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "internal-and-load-balancer": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    "all": "INGRESS_TRAFFIC_ALL",
}


def cloud_run_endpoint(
    name: str, args: ServerlessEndpointArgs, child: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    project = args.gcp_project
    runtime, invoker = (
        gcp.serviceaccount.Account(
            f"{name}-{role}",
            # Service account IDs are 6-30 characters.
            account_id=physical_name(args.stack_name, args.workload, role, limit=30),
            display_name=f"{args.workload} of {args.stack_name}: {what}",
            project=project,
            opts=child,
        )
        for role, what in (("run", "runs the Cloud Run service"), ("call", "may call the Cloud Run service"))
    )
    container: dict = {
        "image": args.image,
        "resources": {
            "limits": {"cpu": str(args.vcpus), "memory": _memory(args.memory_mb), "nvidia.com/gpu": "1"},
            "cpu_idle": False,  # GPU services need instance-based billing: CPU stays allocated
            "startup_cpu_boost": True,
        },
    }
    template: dict = {
        "service_account": runtime.email,
        "execution_environment": "EXECUTION_ENVIRONMENT_GEN2",
        "scaling": {"min_instance_count": args.min_instances, "max_instance_count": args.max_instances},
        "max_instance_request_concurrency": args.max_concurrency,
        "node_selector": {"accelerator": ACCELERATOR},
        "gpu_zonal_redundancy_disabled": args.gpu_zonal_redundancy_disabled,
        "containers": [container],
    }
    after = [runtime]
    if args.bucket_name is not None:
        after.append(gcp.storage.BucketIAMMember(
            f"{name}-reads-models", bucket=args.bucket_name, role="roles/storage.objectViewer",
            member=runtime.member, opts=child,
        ))
        template["volumes"] = [{"name": "models", "gcs": {"bucket": args.bucket_name, "read_only": True}}]
        container["volume_mounts"] = [{"name": "models", "mount_path": MODELS_PATH}]
    service = gcp.cloudrunv2.Service(
        name,
        name=args.physical_name,
        location=args.region,
        project=project,
        ingress=INGRESS[args.ingress],
        deletion_protection=False,  # stateless: the image and the bucket hold everything it needs
        template=template,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=after)),
    )
    for index, member in enumerate([invoker.member, *args.invokers]):
        gcp.cloudrunv2.ServiceIamMember(
            f"{name}-invoker-{index}", name=service.name, location=args.region, project=project,
            role="roles/run.invoker", member=member, opts=child,
        )
    return service.uri, invoker.email


def _memory(memory_mb: int) -> str:
    return f"{memory_mb // 1024}Gi" if memory_mb % 1024 == 0 else f"{memory_mb}Mi"
