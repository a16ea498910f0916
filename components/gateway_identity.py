"""Cloud identity of the gateway's pods on GKE: IAM grants made to their Kubernetes service accounts.

GKE Workload Identity Federation lets IAM name a Kubernetes service account directly
(`principal://.../subject/ns/<namespace>/sa/<name>`), so no Google service account and no key exist:
the proxy may call Vertex AI in the stack's project, and each vLLM server may read its weights bucket.
On EKS the pods' identity comes from `gateway.service_account_annotations` (an IAM role for IRSA).
"""

from __future__ import annotations

import pulumi

from components.gateway_config import GatewayArgs
from components.vllm_server import server_name


def grant_gke_access(name: str, args: GatewayArgs, proxy_account: str, opts: pulumi.ResourceOptions) -> None:
    import pulumi_gcp as gcp

    # IAM principals name the project by number.
    project = gcp.organizations.get_project_output(
        project_id=args.gcp_project, opts=pulumi.InvokeOptions(parent=opts.parent)
    )
    pool = f"{args.gcp_project}.svc.id.goog"

    def principal(account: str) -> pulumi.Output[str]:
        return project.number.apply(
            lambda number: f"principal://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/"
                           f"{pool}/subject/ns/{args.namespace}/sa/{account}"
        )

    if any(route.provider == "vertex_ai" for route in args.routes):
        gcp.projects.IAMMember(
            f"{name}-vertex-user", project=args.gcp_project, role="roles/aiplatform.user",
            member=principal(proxy_account), opts=opts,
        )
    for server in args.self_hosted:
        if server.weights_store == "gs":
            gcp.storage.BucketIAMMember(
                f"{name}-{server.workload}-weights-reader", bucket=server.weights_bucket,
                role="roles/storage.objectViewer", member=principal(server_name(server.workload)), opts=opts,
            )
