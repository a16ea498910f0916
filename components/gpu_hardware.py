"""What the node pools need to know about GPU hardware beyond the catalog: cloud names and features.

The catalog names accelerators the same way on both clouds ("NVIDIA H100"); the clouds do not. These
tables map catalog names to what EKS and GKE expect, and say which hardware supports MIG and EFA.
"""

from __future__ import annotations

# GKE accelerator types (`gcloud compute accelerator-types list`), by catalog accelerator; A3 Mega
# machines carry their own H100 type.
GKE_ACCELERATORS = {
    "NVIDIA T4": "nvidia-tesla-t4",
    "NVIDIA L4": "nvidia-l4",
    "NVIDIA A100 40GB": "nvidia-tesla-a100",
    "NVIDIA A100 80GB": "nvidia-a100-80gb",
    "NVIDIA H100": "nvidia-h100-80gb",
    "NVIDIA H200": "nvidia-h200-141gb",
}
GKE_MACHINE_ACCELERATORS = {"a3-megagpu": "nvidia-h100-mega-80gb"}

# MIG partition sizes GKE accepts per accelerator (GKE "Running multi-instance GPUs").
MIG_PARTITIONS = {
    "NVIDIA A100 40GB": ("1g.5gb", "2g.10gb", "3g.20gb", "7g.40gb"),
    "NVIDIA A100 80GB": ("1g.10gb", "2g.20gb", "3g.40gb", "7g.80gb"),
    "NVIDIA H100": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb"),
    "NVIDIA H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
}

# EFA interfaces per instance (one per network card; EC2 User Guide, "Elastic Fabric Adapter" and
# "Network cards"). Types not listed have no EFA.
EFA_INTERFACES = {
    "g5.48xlarge": 1,
    "p4d.24xlarge": 4,
    "p4de.24xlarge": 4,
    "p5.48xlarge": 32,
    "p5e.48xlarge": 32,
    "p5en.48xlarge": 16,
    "trn1.32xlarge": 8,
    "trn1n.32xlarge": 16,
}

NEURON_ACCELERATORS = ("AWS Inferentia2", "AWS Trainium")

# Extended-resource names the device plugins advertise.
NVIDIA_GPU = "nvidia.com/gpu"
NEURON_DEVICE = "aws.amazon.com/neuron"


def is_neuron(accelerator: str) -> bool:
    return accelerator in NEURON_ACCELERATORS


def eks_ami_type(accelerator: str, ami_family: str) -> str:
    """The EKS managed node group AMI type for an accelerator and OS family."""
    if is_neuron(accelerator):
        if ami_family != "al2023":
            raise ValueError(f"{accelerator} nodes run the AL2023 Neuron AMI; set pool.ami_family: al2023")
        return "AL2023_x86_64_NEURON"
    return "BOTTLEROCKET_x86_64_NVIDIA" if ami_family == "bottlerocket" else "AL2023_x86_64_NVIDIA"


def gke_accelerator(accelerator: str, machine_type: str) -> str:
    """The GKE accelerator type of a catalog accelerator on a machine type."""
    family = machine_type.rsplit("-", 1)[0]
    if family in GKE_MACHINE_ACCELERATORS:
        return GKE_MACHINE_ACCELERATORS[family]
    if accelerator not in GKE_ACCELERATORS:
        raise ValueError(f"{accelerator} is not a GKE accelerator; known: {', '.join(sorted(GKE_ACCELERATORS))}")
    return GKE_ACCELERATORS[accelerator]


def mig_problem(accelerator: str, partition: str) -> str | None:
    """Why a MIG partition cannot be used on an accelerator, or None when it can."""
    sizes = MIG_PARTITIONS.get(accelerator)
    if sizes is None:
        return f"{accelerator} has no MIG; MIG needs an A100, H100 or H200 (pick one, or use time_sharing)"
    if partition not in sizes:
        return f"{accelerator} MIG partitions are {', '.join(sizes)}; given {partition}"
    return None
