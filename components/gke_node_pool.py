"""GKE part of `GpuNodePool`: one node pool with guest accelerators, driver install and GPU sharing.

GKE taints GPU nodes itself (`nvidia.com/gpu=present:NoSchedule`) and installs the driver and device
plugin when `gpu_driver_installation_config` is set, so no taint or plugin is added here.
"""

from __future__ import annotations

import pulumi

from components.cluster import ClusterHandle
from components.gpu_hardware import gke_accelerator
from components.gpu_node_pool import GpuNodePoolArgs

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# A3 Mega and A3 Ultra boot only from Hyperdisk; the other GPU machines take Persistent Disk.
HYPERDISK_FAMILIES = ("a3-megagpu", "a3-ultragpu")


def node_pool(
    name: str, args: GpuNodePoolArgs, cluster: ClusterHandle, child: pulumi.ResourceOptions
) -> list[pulumi.Output[str]]:
    import pulumi_gcp as gcp

    machine_type = args.instance_type.split("+", 1)[0]
    family = machine_type.rsplit("-", 1)[0]
    accelerator = {
        "type": gke_accelerator(args.accelerator, machine_type),
        "count": args.accelerators_per_node,
        "gpu_driver_installation_config": {"gpu_driver_version": "DEFAULT"},
    }
    if args.gpu_sharing == "time_sharing":
        accelerator["gpu_sharing_config"] = {
            "gpu_sharing_strategy": "TIME_SHARING", "max_shared_clients_per_gpu": args.max_shared_clients,
        }
    elif args.gpu_sharing == "mig":
        accelerator["gpu_partition_size"] = args.mig_partition
    spot = args.capacity_type == "spot"
    zones = spread(args.zones, args.desired_nodes)
    pool = gcp.container.NodePool(
        name,
        name=f"{args.workload}-{'spot' if spot else 'on-demand'}"[:40],
        project=cluster.project,
        cluster=cluster.name,
        location=args.region,
        node_locations=zones,
        # GKE counts initial nodes per zone; the autoscaler's limits are totals over the zones.
        initial_node_count=args.desired_nodes // len(zones),
        autoscaling={
            "total_min_node_count": args.min_nodes,
            "total_max_node_count": args.max_nodes,
            "location_policy": "ANY" if spot else "BALANCED",
        },
        management={"auto_repair": True, "auto_upgrade": True},
        placement_policy={"type": "COMPACT"} if args.efa else None,
        node_config={
            "machine_type": machine_type,
            "guest_accelerators": [accelerator],
            "spot": spot,
            **secure_node_config(cluster.node_identity, args.instance_tags),
            "disk_type": "hyperdisk-balanced" if family in HYPERDISK_FAMILIES else "pd-balanced",
            "disk_size_gb": args.disk_gb,
            "labels": {
                "skyweave.io/workload": args.workload,
                "skyweave.io/pool-role": args.role,
                "skyweave.io/capacity-type": "spot" if spot else "on-demand",
            },
            "reservation_affinity": _reservation(args),
        },
        # Initial counts only matter at creation; changing them would replace the pool.
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(ignore_changes=["initialNodeCount"])),
    )
    return [pool.name]


def spread(zones: list[str], nodes: int) -> list[str]:
    """The most zones over which `nodes` divide evenly, since GKE starts the same count in each zone.

    Zero nodes spread over every zone; otherwise 4 nodes in 3 zones would start 6, so they get 2 zones.
    """
    if nodes == 0:
        return zones
    count = max(k for k in range(1, len(zones) + 1) if nodes % k == 0)
    return zones[:count]


def secure_node_config(service_account: pulumi.Input[str], labels: dict[str, str]) -> dict:
    """Node settings every skyweave GKE node gets: own service account, shielded boot, metadata server."""
    return {
        "image_type": "COS_CONTAINERD",
        "service_account": service_account,
        # Access is limited by the service account's IAM roles, the recommended GKE pattern.
        "oauth_scopes": [CLOUD_PLATFORM_SCOPE],
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "metadata": {"disable-legacy-endpoints": "true"},
        # VM labels carry the cost tags so node spend is attributed in billing exports.
        "resource_labels": labels,
    }


def _reservation(args: GpuNodePoolArgs) -> dict:
    if args.capacity_reservation:
        return {
            "consume_reservation_type": "SPECIFIC_RESERVATION",
            "key": "compute.googleapis.com/reservation-name",
            "values": [args.capacity_reservation],
        }
    # Spot VMs cannot consume reservations; on-demand nodes use any matching one first.
    return {"consume_reservation_type": "NO_RESERVATION" if args.capacity_type == "spot" else "ANY_RESERVATION"}
