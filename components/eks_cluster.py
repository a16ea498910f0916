"""EKS parts of `Cluster`: network, encrypted private cluster, node role, system nodes; or an existing cluster."""

from __future__ import annotations

import ipaddress
import json

import pulumi

from components.cluster import ClusterArgs, ClusterHandle, render_kubeconfig

CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
# Least privilege for nodes: join the cluster, run the VPC CNI, pull images.
NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]
# Cluster services (DNS, autoscaler, metrics) run on small Graviton nodes, never on GPUs.
SYSTEM_INSTANCE_TYPE = "m7g.large"
SYSTEM_NODES = 2
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def create(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> ClusterHandle:
    import pulumi_aws as aws

    from components.aws_account import account_id

    subnets = _network(name, args, child)
    account = account_id(child)
    log_group_name = f"/aws/eks/{args.cluster_name}/cluster"
    key = aws.kms.Key(
        f"{name}-secrets-key",
        description=f"Encrypts Kubernetes secrets and control-plane logs of EKS cluster {args.cluster_name}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=account.apply(lambda acct: json.dumps(_key_policy(acct, args.region, log_group_name))),
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
    )
    aws.kms.Alias(f"{name}-secrets-key-alias", name=f"alias/{args.cluster_name}-eks", target_key_id=key.key_id, opts=child)
    # Created before the cluster so EKS writes into a group with a retention and the key, not its own.
    logs = aws.cloudwatch.LogGroup(
        f"{name}-control-plane-logs", name=log_group_name, retention_in_days=args.log_retention_days,
        kms_key_id=key.arn, opts=child,
    )
    role = _cluster_role(name, args, key, child)
    cluster = aws.eks.Cluster(
        f"{name}-eks",
        name=args.cluster_name,
        role_arn=role.arn,
        version=args.kubernetes_version,
        vpc_config={
            "subnet_ids": list(subnets.values()),
            "endpoint_private_access": True,
            "endpoint_public_access": args.public_endpoint,
            "public_access_cidrs": args.authorized_networks if args.public_endpoint else None,
        },
        # The deployer keeps admin so `pulumi up` can install the GPU add-ons; others via access entries.
        access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
        encryption_config={"provider": {"key_arn": key.arn}, "resources": ["secrets"]},
        enabled_cluster_log_types=CONTROL_PLANE_LOGS,
        # Standard support only: end of support upgrades the cluster instead of billing extended support.
        upgrade_policy={"support_type": "STANDARD"},
        deletion_protection=True,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[logs, role])),
    )
    for index, principal in enumerate(args.admins):
        entry = aws.eks.AccessEntry(
            f"{name}-admin-{index}", cluster_name=cluster.name, principal_arn=principal, type="STANDARD", opts=child
        )
        aws.eks.AccessPolicyAssociation(
            f"{name}-admin-{index}-policy", cluster_name=cluster.name, principal_arn=entry.principal_arn,
            policy_arn=ADMIN_POLICY, access_scope={"type": "cluster"}, opts=child,
        )
    node_role = _node_role(name, args, child)
    handle = ClusterHandle(
        cloud="aws",
        region=args.region,
        name=cluster.name,
        endpoint=cluster.endpoint,
        ca_data=cluster.certificate_authority.data,
        node_identity=node_role.arn,
        subnets=subnets,
        security_group_id=cluster.vpc_config.cluster_security_group_id,
    )
    _system_nodes(name, args, handle, child)
    return handle


def attach(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> ClusterHandle:
    import pulumi_aws as aws

    found = aws.eks.get_cluster_output(
        name=args.existing, region=args.region, opts=pulumi.InvokeOptions(parent=child.parent)
    )
    node_role = _node_role(name, args, child)
    return ClusterHandle(
        cloud="aws",
        region=args.region,
        name=found.name,
        endpoint=found.endpoint,
        ca_data=found.certificate_authorities.apply(lambda cas: cas[0].data),
        node_identity=node_role.arn,
        subnets={zone: pulumi.Output.from_input(subnet) for zone, subnet in sorted(args.subnets.items())},
        all_subnet_ids=found.vpc_config.subnet_ids,
        security_group_id=found.vpc_config.cluster_security_group_id,
        created=False,
    )


def _network(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> dict[str, pulumi.Output[str]]:
    """VPC with a private /19 per zone for nodes; one NAT gateway in a small public subnet for egress."""
    import pulumi_aws as aws

    network = ipaddress.ip_network(args.network_cidr)
    blocks = list(network.subnets(new_prefix=19))
    vpc = aws.ec2.Vpc(
        f"{name}-vpc", cidr_block=args.network_cidr, enable_dns_support=True, enable_dns_hostnames=True, opts=child
    )
    # The default security group of a VPC allows traffic between members; strip all its rules.
    aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, opts=child)
    gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
    zones = sorted(set(args.zones))[: len(blocks) - 1]
    public = aws.ec2.Subnet(
        f"{name}-public-{zones[0]}", vpc_id=vpc.id, availability_zone=zones[0],
        cidr_block=str(next(blocks[-1].subnets(new_prefix=24))), map_public_ip_on_launch=False,
        tags={"kubernetes.io/role/elb": "1"}, opts=child,
    )
    public_routes = aws.ec2.RouteTable(
        f"{name}-public-routes", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}], opts=child
    )
    aws.ec2.RouteTableAssociation(
        f"{name}-public-{zones[0]}-routes", subnet_id=public.id, route_table_id=public_routes.id, opts=child
    )
    address = aws.ec2.Eip(f"{name}-nat-ip", domain="vpc", opts=child)
    nat = aws.ec2.NatGateway(
        f"{name}-nat", allocation_id=address.allocation_id, subnet_id=public.id,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[gateway])),
    )
    private_routes = aws.ec2.RouteTable(
        f"{name}-private-routes", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}], opts=child
    )
    subnets: dict[str, pulumi.Output[str]] = {}
    for zone, block in zip(zones, blocks):
        subnet = aws.ec2.Subnet(
            f"{name}-private-{zone}", vpc_id=vpc.id, availability_zone=zone, cidr_block=str(block),
            tags={"kubernetes.io/role/internal-elb": "1"}, opts=child,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-private-{zone}-routes", subnet_id=subnet.id, route_table_id=private_routes.id, opts=child
        )
        subnets[zone] = subnet.id
    return subnets


def _cluster_role(name: str, args: ClusterArgs, key: pulumi.Resource, child: pulumi.ResourceOptions) -> pulumi.Resource:
    import pulumi_aws as aws

    role = aws.iam.Role(
        f"{name}-cluster-role",
        name=f"{args.cluster_name}-cluster"[:64],
        assume_role_policy=json.dumps(_trust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])),
        opts=child,
    )
    aws.iam.RolePolicyAttachment(
        f"{name}-cluster-policy", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", opts=child
    )
    # Envelope encryption of secrets: the control plane uses the key, and only this key.
    aws.iam.RolePolicy(
        f"{name}-cluster-kms",
        role=role.id,
        policy=key.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                           "Resource": arn}],
        })),
        opts=child,
    )
    return role


def _node_role(name: str, args: ClusterArgs, child: pulumi.ResourceOptions) -> pulumi.Resource:
    import pulumi_aws as aws

    role = aws.iam.Role(
        f"{name}-node-role",
        name=f"{args.cluster_name}-nodes"[:64],
        assume_role_policy=json.dumps(_trust("ec2.amazonaws.com", ["sts:AssumeRole"])),
        opts=child,
    )
    for policy in NODE_POLICIES:
        aws.iam.RolePolicyAttachment(
            f"{name}-node-{policy}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}", opts=child
        )
    return role


def _system_nodes(name: str, args: ClusterArgs, cluster: ClusterHandle, child: pulumi.ResourceOptions) -> None:
    import pulumi_aws as aws

    from components.eks_node_group import launch_template_ref, node_launch_template

    template = node_launch_template(f"{name}-system", "al2023", 50, child, instance_tags=args.instance_tags)
    aws.eks.NodeGroup(
        f"{name}-system",
        cluster_name=cluster.name,
        node_group_name="system",
        node_role_arn=cluster.node_identity,
        subnet_ids=list(cluster.subnets.values()),
        ami_type="AL2023_ARM_64_STANDARD",
        capacity_type="ON_DEMAND",
        instance_types=[SYSTEM_INSTANCE_TYPE],
        scaling_config={"min_size": SYSTEM_NODES, "max_size": SYSTEM_NODES + 1, "desired_size": SYSTEM_NODES},
        launch_template=launch_template_ref(template),
        labels={"skyweave.io/pool-role": "system"},
        update_config={"max_unavailable": 1},
        opts=child,
    )


def _trust(service: str, actions: list[str]) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
    }


def _key_policy(account: str, region: str, log_group: str) -> dict:
    """Account administers the key (IAM decides who uses it); CloudWatch Logs may use it for this group only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "ControlPlaneLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{region}.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnEquals": {
                 "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:{log_group}"}}},
        ],
    }


def kubeconfig(cluster: ClusterHandle) -> pulumi.Output[str]:
    """A kubeconfig for the cluster that gets a short-lived token from `aws eks get-token` at each use."""

    def render(values: list[str]) -> str:
        name, endpoint, ca = values
        user = {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", name, "--region", cluster.region, "--output", "json"],
        }}
        return render_kubeconfig(name, endpoint, ca, user)

    return pulumi.Output.all(cluster.name, cluster.endpoint, cluster.ca_data).apply(render)
