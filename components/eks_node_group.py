"""EKS parts of `GpuNodePool`: launch templates, managed node groups and cluster-autoscaler hints."""

from __future__ import annotations

import re
from typing import NamedTuple

import pulumi

from components.cluster import ClusterHandle
from components.gpu_hardware import NEURON_DEVICE, NVIDIA_GPU, eks_ami_type, is_neuron
from components.gpu_node_pool import GpuNodePoolArgs

CA_TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
CAPACITY_WORDS = {"ON_DEMAND": "on-demand", "SPOT": "spot", "CAPACITY_BLOCK": "capacity-block"}


def node_launch_template(
    name: str,
    ami_family: str,
    disk_gb: int,
    child: pulumi.ResourceOptions,
    *,
    instance_tags: dict[str, str] | None = None,
    efa_interfaces: int = 0,
    security_group_id: pulumi.Input[str] | None = None,
    placement_group: pulumi.Input[str] | None = None,
    instance_type: str | None = None,
    capacity_reservation: str | None = None,
    capacity_block: bool = False,
) -> pulumi.Resource:
    """A launch template every skyweave node uses: IMDSv2 only, encrypted gp3 volumes, tagged instances."""
    import pulumi_aws as aws

    volume = {"volume_type": "gp3", "encrypted": "true", "delete_on_termination": "true"}
    if ami_family == "bottlerocket":  # a small OS volume and a data volume for images and pods
        disks = [{"device_name": "/dev/xvda", "ebs": {**volume, "volume_size": 4}},
                 {"device_name": "/dev/xvdb", "ebs": {**volume, "volume_size": disk_gb}}]
    else:
        disks = [{"device_name": "/dev/xvda", "ebs": {**volume, "volume_size": disk_gb}}]
    tagged = ("instance", "volume", "network-interface")
    reservation = None
    if capacity_reservation:
        reservation = {"capacity_reservation_target": {"capacity_reservation_id": capacity_reservation}}
    return aws.ec2.LaunchTemplate(
        f"{name}-template",
        description=f"skyweave nodes of {name}",
        update_default_version=True,
        # Pods get AWS credentials from pod identity / IRSA; one hop keeps them off the node's role.
        metadata_options={"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1},
        block_device_mappings=disks,
        tag_specifications=[{"resource_type": kind, "tags": instance_tags} for kind in tagged] if instance_tags else None,
        network_interfaces=_efa_interfaces(efa_interfaces, security_group_id) or None,
        placement={"group_name": placement_group} if placement_group is not None else None,
        instance_type=instance_type,
        capacity_reservation_specification=reservation,
        instance_market_options={"market_type": "capacity-block"} if capacity_block else None,
        opts=child,
    )


def launch_template_ref(template: pulumi.Resource) -> dict:
    return {"id": template.id, "version": template.latest_version.apply(str)}


def _efa_interfaces(count: int, security_group_id: pulumi.Input[str] | None) -> list[dict]:
    """One EFA per network card; the first also carries IP traffic, the others are EFA-only."""
    return [
        {
            "device_index": 0 if card == 0 else 1,
            "network_card_index": card,
            "interface_type": "efa" if card == 0 else "efa-only",
            "delete_on_termination": "true",
            "security_groups": [security_group_id],
        }
        for card in range(count)
    ]


class _GroupPlan(NamedTuple):
    """One managed node group of a pool: its capacity type, instance types and (min, desired, max) nodes."""

    suffix: str
    capacity_type: str
    instance_types: list[str] | None
    sizes: tuple[int, int, int]


def _group_plans(args: GpuNodePoolArgs) -> list[_GroupPlan]:
    whole = (args.min_nodes, args.desired_nodes, args.max_nodes)
    if args.capacity_block:  # the block's instance type lives in the launch template
        return [_GroupPlan("block", "CAPACITY_BLOCK", None, whole)]
    spot_types = [args.instance_type, *args.spot_instance_types]
    if args.on_demand_base:
        base = args.on_demand_base
        burst = (max(args.min_nodes - base, 0), max(args.desired_nodes - base, 0), args.max_nodes - base)
        return [_GroupPlan("base", "ON_DEMAND", [args.instance_type], (base, base, base)),
                _GroupPlan("burst", "SPOT", spot_types, burst)]
    if args.capacity_type == "spot":
        return [_GroupPlan("spot", "SPOT", spot_types, whole)]
    return [_GroupPlan("on-demand", "ON_DEMAND", [args.instance_type], whole)]


def node_groups(
    name: str, args: GpuNodePoolArgs, cluster: ClusterHandle, child: pulumi.ResourceOptions
) -> list[pulumi.Output[str]]:
    import pulumi_aws as aws

    if cluster.subnets:
        subnet_ids: pulumi.Input = [cluster.subnets[zone] for zone in args.zones]
    elif args.efa or args.capacity_reservation:
        raise ValueError(f"{name}: EFA and reservations need one subnet; give the existing cluster's subnets by zone")
    else:
        subnet_ids = cluster.all_subnet_ids
    placement = None
    if args.efa:
        placement = aws.ec2.PlacementGroup(f"{name}-placement", strategy="cluster", opts=child).name
    template = node_launch_template(
        name, args.ami_family, args.disk_gb, child,
        instance_tags=args.instance_tags, efa_interfaces=args.efa_interfaces,
        security_group_id=cluster.security_group_id, placement_group=placement,
        instance_type=args.instance_type if args.capacity_block else None,
        capacity_reservation=args.capacity_reservation, capacity_block=args.capacity_block,
    )
    ami = eks_ami_type(args.accelerator, args.ami_family)
    return [_group(name, plan, args, cluster, subnet_ids, ami, template, child) for plan in _group_plans(args)]


def _group(
    name: str,
    plan: _GroupPlan,
    args: GpuNodePoolArgs,
    cluster: ClusterHandle,
    subnet_ids: pulumi.Input,
    ami_type: str,
    template: pulumi.Resource,
    child: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    import pulumi_aws as aws

    low, desired, high = plan.sizes
    device = NEURON_DEVICE if is_neuron(args.accelerator) else NVIDIA_GPU
    labels = _labels(args, CAPACITY_WORDS[plan.capacity_type])
    group = aws.eks.NodeGroup(
        f"{name}-{plan.suffix}",
        cluster_name=cluster.name,
        node_group_name=f"{args.workload}-{plan.suffix}"[:63],
        node_role_arn=cluster.node_identity,
        subnet_ids=subnet_ids,
        ami_type=ami_type,
        capacity_type=plan.capacity_type,
        instance_types=plan.instance_types,
        scaling_config={"min_size": low, "desired_size": desired, "max_size": high},
        launch_template=launch_template_ref(template),
        labels=labels,
        taints=[{"key": device, "value": "true", "effect": "NO_SCHEDULE"}],
        update_config={"max_unavailable": 1},
        node_repair_config={"enabled": True},
        # The cluster autoscaler owns the node count once the group exists.
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(ignore_changes=["scalingConfig.desiredSize"])),
    )
    _autoscaler_hints(f"{name}-{plan.suffix}", group, labels, device, args, child)
    return group.node_group_name


def _labels(args: GpuNodePoolArgs, capacity: str) -> dict[str, str]:
    accelerator = re.sub(r"[^a-z0-9]+", "-", args.accelerator.lower()).strip("-")
    labels = {
        "skyweave.io/workload": args.workload,
        "skyweave.io/pool-role": args.role,
        "skyweave.io/capacity-type": capacity,
        "skyweave.io/accelerator": accelerator,
        "skyweave.io/ami-family": args.ami_family,
        # The cluster autoscaler's GPU label on AWS: a node counts as GPU capacity before the plugin reports.
        "k8s.amazonaws.com/accelerator": accelerator,
    }
    if not is_neuron(args.accelerator):
        labels["nvidia.com/gpu.present"] = "true"
    return labels


def _autoscaler_hints(
    name: str, group: pulumi.Resource, labels: dict[str, str], device: str, args: GpuNodePoolArgs,
    child: pulumi.ResourceOptions,
) -> None:
    """Node-template tags on the group's ASG: what a node would look like, so scale-up from zero works."""
    import pulumi_aws as aws

    asg = group.resources.apply(lambda found: found[0].autoscaling_groups[0].name)
    hints = {f"{CA_TEMPLATE}/label/{key}": value for key, value in labels.items()}
    hints[f"{CA_TEMPLATE}/taint/{device}"] = "true:NoSchedule"
    hints[f"{CA_TEMPLATE}/resources/{device}"] = str(args.accelerators_per_node)
    if args.efa_interfaces:
        hints[f"{CA_TEMPLATE}/resources/vpc.amazonaws.com/efa"] = str(args.efa_interfaces)
    for key, value in hints.items():
        slug = re.sub(r"[^a-z0-9]+", "-", key.removeprefix(CA_TEMPLATE + "/").lower()).strip("-")
        aws.autoscaling.Tag(
            f"{name}-ca-{slug}",
            autoscaling_group_name=asg,
            tag={"key": key, "value": value, "propagate_at_launch": False},
            opts=child,
        )
