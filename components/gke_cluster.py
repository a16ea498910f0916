"""GKE parts of `Cluster`: VPC-native private cluster with KMS-encrypted secrets, Cloud NAT, node service
account, system nodes."""

from __future__ import annotations

import ipaddress

import pulumi

from components.cluster import ClusterArgs, ClusterHandle, render_kubeconfig

# Least privilege for nodes: GKE's node role (logs, metrics) plus pulling images from Artifact Registry.
NODE_ROLES = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"]
SYSTEM_MACHINE_TYPE = "e2-standard-2"
SYSTEM_ZONES = 2
RELEASE_CHANNEL = "REGULAR"


def create(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> ClusterHandle:
    import pulumi_gcp as gcp

    nodes_range, services_range, pods_range = _ranges(args.network_cidr)
    network = gcp.compute.Network(
        f"{name}-network", name=args.cluster_name, project=args.gcp_project, auto_create_subnetworks=False,
        routing_mode="REGIONAL", opts=child,
    )
    subnet = gcp.compute.Subnetwork(
        f"{name}-nodes",
        name=f"{args.cluster_name}-nodes",
        project=args.gcp_project,
        region=args.region,
        network=network.id,
        ip_cidr_range=nodes_range,
        private_ip_google_access=True,
        secondary_ip_ranges=[
            {"range_name": "pods", "ip_cidr_range": pods_range},
            {"range_name": "services", "ip_cidr_range": services_range},
        ],
        log_config={"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"},
        opts=child,
    )
    # Private nodes have no external IPs; Cloud NAT gives them egress (image pulls, model downloads).
    router = gcp.compute.Router(
        f"{name}-router", name=f"{args.cluster_name}-router", project=args.gcp_project, region=args.region,
        network=network.id, opts=child,
    )
    gcp.compute.RouterNat(
        f"{name}-nat",
        name=f"{args.cluster_name}-nat",
        project=args.gcp_project,
        region=args.region,
        router=router.name,
        nat_ip_allocate_option="AUTO_ONLY",
        source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
        log_config={"enable": True, "filter": "ERRORS_ONLY"},
        opts=child,
    )
    account = _node_service_account(name, args, child)
    secrets_key = _secrets_key(name, args, child)
    authorized = [{"cidr_block": nodes_range, "display_name": "cluster nodes"}]
    authorized += [
        {"cidr_block": cidr, "display_name": f"authorized-{i}"} for i, cidr in enumerate(args.authorized_networks)
    ]
    cluster = gcp.container.Cluster(
        f"{name}-gke",
        name=args.cluster_name,
        project=args.gcp_project,
        location=args.region,
        network=network.id,
        subnetwork=subnet.id,
        networking_mode="VPC_NATIVE",
        ip_allocation_policy={"cluster_secondary_range_name": "pods", "services_secondary_range_name": "services"},
        # GPU and system pools are separate resources; the default pool is only a creation artefact.
        remove_default_node_pool=True,
        initial_node_count=1,
        private_cluster_config={"enable_private_nodes": True, "enable_private_endpoint": not args.public_endpoint},
        master_authorized_networks_config={"cidr_blocks": authorized},
        workload_identity_config={"workload_pool": f"{args.gcp_project}.svc.id.goog"},
        enable_shielded_nodes=True,
        database_encryption={"state": "ENCRYPTED", "key_name": secrets_key},
        release_channel={"channel": RELEASE_CHANNEL},
        min_master_version=args.kubernetes_version,
        monitoring_config={
            "enable_components": ["SYSTEM_COMPONENTS", *(["DCGM"] if args.dcgm_metrics else [])],
            "managed_prometheus": {"enabled": True},
        },
        logging_config={"enable_components": ["SYSTEM_COMPONENTS", "WORKLOADS"]},
        deletion_protection=True,
        opts=child,
    )
    handle = ClusterHandle(
        cloud="gcp",
        region=args.region,
        name=cluster.name,
        endpoint=cluster.endpoint,
        ca_data=cluster.master_auth.cluster_ca_certificate,
        node_identity=account.email,
        project=args.gcp_project,
    )
    _system_nodes(name, args, handle, child)
    return handle


def attach(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> ClusterHandle:
    import pulumi_gcp as gcp

    found = gcp.container.get_cluster_output(
        name=args.existing, location=args.region, project=args.gcp_project,
        opts=pulumi.InvokeOptions(parent=child.parent),
    )
    account = _node_service_account(name, args, child)
    return ClusterHandle(
        cloud="gcp",
        region=args.region,
        name=found.name,
        endpoint=found.endpoint,
        ca_data=found.master_auths.apply(lambda auths: auths[0].cluster_ca_certificate),
        node_identity=account.email,
        project=args.gcp_project,
        created=False,
    )


def _ranges(network_cidr: str) -> tuple[str, str, str]:
    """Nodes /20 and services /20 at the start of the /16; pods the upper half (a /24 per node)."""
    network = ipaddress.ip_network(network_cidr)
    twenties = list(network.subnets(new_prefix=20))
    pods = list(network.subnets(new_prefix=17))[1]
    return str(twenties[0]), str(twenties[1]), str(pods)


def _secrets_key(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """A region-local Cloud KMS key for application-layer encryption of Kubernetes secrets."""
    import pulumi_gcp as gcp

    from components.gcp_kms import granted_key

    project = gcp.organizations.get_project_output(
        project_id=args.gcp_project, opts=pulumi.InvokeOptions(parent=child.parent)
    )
    return granted_key(
        ring=(f"{name}-keyring", f"{args.cluster_name}-gke"),
        key=(f"{name}-secrets-key", "secrets"),
        grant=f"{name}-secrets-key-gke",
        location=args.region,
        project=args.gcp_project,
        agent=project.number.apply(
            lambda number: f"serviceAccount:service-{number}@container-engine-robot.iam.gserviceaccount.com"
        ),
        key_opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
        grant_opts=child,
    )


def _node_service_account(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> pulumi.Resource:
    import pulumi_gcp as gcp

    # Account IDs are 6-30 characters; the cluster name is unique per project and region.
    account_id = f"{args.cluster_name[:24].rstrip('-')}-nodes"
    account = gcp.serviceaccount.Account(
        f"{name}-node-sa", account_id=account_id, project=args.gcp_project,
        display_name=f"GKE nodes of {args.cluster_name}", opts=child,
    )
    for role in NODE_ROLES:
        gcp.projects.IAMMember(
            f"{name}-node-{role.rsplit('/', 1)[1]}", project=args.gcp_project, role=role,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"), opts=child,
        )
    return account


def _system_nodes(name: str, args: ClusterArgs, cluster: ClusterHandle, child: pulumi.ResourceOptions) -> None:
    import pulumi_gcp as gcp

    from components.gke_node_pool import secure_node_config

    # The output form: a synchronous invoke here would pump the event loop past every pending registration.
    zones = gcp.compute.get_zones_output(
        project=args.gcp_project, region=args.region, status="UP", opts=pulumi.InvokeOptions(parent=child.parent)
    ).names
    gcp.container.NodePool(
        f"{name}-system",
        name="system",
        project=args.gcp_project,
        cluster=cluster.name,
        location=args.region,
        node_locations=zones.apply(lambda names: sorted(names)[:SYSTEM_ZONES]),
        node_count=1,
        management={"auto_repair": True, "auto_upgrade": True},
        node_config={
            **secure_node_config(cluster.node_identity, args.instance_tags),
            "machine_type": SYSTEM_MACHINE_TYPE,
            "disk_type": "pd-balanced",
            "disk_size_gb": 50,
            "labels": {"skyweave.io/pool-role": "system"},
        },
        opts=child,
    )


def kubeconfig(cluster: ClusterHandle) -> pulumi.Output[str]:
    """A kubeconfig for the cluster that gets a token from `gke-gcloud-auth-plugin` at each use."""

    def render(values: list[str]) -> str:
        name, endpoint, ca = values
        user = {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "gke-gcloud-auth-plugin",
            "provideClusterInfo": True,
        }}
        return render_kubeconfig(name, f"https://{endpoint}", ca, user)

    return pulumi.Output.all(cluster.name, cluster.endpoint, cluster.ca_data).apply(render)
