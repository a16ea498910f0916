"""GPU node pools: what a platform team sees in the plan for EKS and GKE pools, and the errors it gets."""

from __future__ import annotations

import inspect
import time

import pulumi_aws
import pytest
from pydantic import ValidationError

from components.gpu_node_pool import GpuNodePoolArgs
from skyweave.catalog import load_catalog
from skyweave.errors import StackFileError
from skyweave.plan import PlanError
from tests.conftest import ROOT, Planned

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG_TAG = "aws:autoscaling/tag:Tag"
CA = "k8s.io/cluster-autoscaler/node-template"
COST_TAG_KEYS = {"team", "environment", "cost-center", "data-classification", "skyweave-stack", "managed-by"}
GCP = {"clouds": ["gcp"], "gcp_project": "ml-test-123456", "residency": "eu",
       "budget": {"monthly_cap_usd": 90000, "gcp_billing_account": "012345-6789AB-CDEF01"}}
EU_AWS = {"residency": "eu", "budget": {"monthly_cap_usd": 90000}}


def workload(name: str, kind: str = "inference", **fields) -> dict:
    return {"name": name, "kind": kind, "model": {"gpu_memory_gb": 16}, **fields}


def chat_on_spot(**pool) -> dict:
    return workload(
        "chat", redundancy_regions=2, spot=True, capacity={"min_nodes": 0, "max_nodes": 4},
        hardware={"cloud": "aws", "regions": ["eu-west-1", "eu-central-1"], "instance_type": "g5.xlarge",
                  "capacity_type": "spot", "nodes": 1},
        **({"pool": pool} if pool else {}),
    )


def finetune(**pool) -> dict:
    return workload(
        "finetune", "training", capacity={"min_nodes": 0, "max_nodes": 2},
        hardware={"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "p4d.24xlarge", "nodes": 2},
        pool={"zone": "eu-west-1a", **pool},
    )


def asg_tags(planned: Planned, group: str) -> dict[str, str]:
    prefix = f"{group}-ca-"
    return {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in planned.of_type(ASG_TAG) if t.name.startswith(prefix)}


def template_of(planned: Planned, group) -> dict:
    template_id = group.inputs["launchTemplate"]["id"]
    return next(t.inputs for t in planned.of_type(LAUNCH_TEMPLATE) if t.name + "-id" == template_id)


def test_two_region_eks_inference_pool_on_spot_scales_to_zero(plan_of) -> None:
    planned = plan_of({**EU_AWS, "workloads": [chat_on_spot()]})
    catalog = load_catalog()
    for region in ("eu-west-1", "eu-central-1"):
        group = planned.one(NODE_GROUP, f"test-eu-chat-{region}-spot")
        assert group.region == region
        assert group.provider.endswith(f"pulumi:providers:aws::aws-{region}")
        assert group.inputs["clusterName"] == f"test-eu-{region}"
        assert group.inputs["capacityType"] == "SPOT"
        assert group.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
        assert group.inputs["scalingConfig"] == {"minSize": 0, "desiredSize": 1, "maxSize": 4}
        assert group.inputs["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
        assert group.inputs["labels"]["skyweave.io/pool-role"] == "inference"
        assert group.inputs["labels"]["skyweave.io/capacity-type"] == "spot"
        assert group.inputs["labels"]["skyweave.io/accelerator"] == "nvidia-a10g"
        # Spot diversity: the picked type first, then others with one A10G and at least its vCPU and RAM.
        types = group.inputs["instanceTypes"]
        assert types[0] == "g5.xlarge" and len(types) > 1
        chosen = catalog.offering("aws", region, "g5.xlarge")
        for other in types[1:]:
            offering = catalog.offering("aws", region, other)
            assert (offering.accelerator, offering.accelerator_count) == ("NVIDIA A10G", 1)
            assert offering.vcpu >= chosen.vcpu and offering.spot_usd_hr <= 1.5 * chosen.spot_usd_hr
        # Scale-up from zero: the autoscaler learns labels, taint and GPUs from the ASG's tags.
        tags = asg_tags(planned, f"test-eu-chat-{region}-spot")
        assert tags[f"{CA}/resources/nvidia.com/gpu"] == "1"
        assert tags[f"{CA}/taint/nvidia.com/gpu"] == "true:NoSchedule"
        assert tags[f"{CA}/label/skyweave.io/workload"] == "chat"
        assert tags[f"{CA}/label/nvidia.com/gpu.present"] == "true"


def test_every_node_launches_with_imdsv2_encrypted_disks_and_cost_tags(plan_of) -> None:
    planned = plan_of({**EU_AWS, "workloads": [chat_on_spot()]})
    templates = planned.of_type(LAUNCH_TEMPLATE)
    assert len(templates) == 4  # a GPU and a system template per region
    for template in templates:
        options = template.inputs["metadataOptions"]
        assert options["httpTokens"] == "required" and 1 <= options["httpPutResponseHopLimit"] <= 2
        for disk in template.inputs["blockDeviceMappings"]:
            assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
        kinds = {spec["resourceType"]: set(spec["tags"]) for spec in template.inputs["tagSpecifications"]}
        assert kinds == {"instance": COST_TAG_KEYS, "volume": COST_TAG_KEYS, "network-interface": COST_TAG_KEYS}


def test_gpu_fleet_resources_carry_cost_tags_and_their_regions_provider(plan_of) -> None:
    planned = plan_of({**EU_AWS, "workloads": [chat_on_spot(), finetune()]})
    fleet = [r for r in planned.resources if r.custom and not r.is_provider and "budget" not in r.name]
    assert {r.region for r in fleet} == {"eu-west-1", "eu-central-1"}
    tagged = 0
    for resource in fleet:
        if resource.type.startswith("kubernetes:"):  # add-ons go through the cluster's own provider
            assert resource.provider.endswith(f"pulumi:providers:kubernetes::test-eu-aws-{resource.region}-k8s")
            continue
        assert resource.provider.endswith(f"pulumi:providers:aws::aws-{resource.region}"), resource.urn
        module, name = resource.type.split(":")[1].split("/")[0], resource.type.rsplit(":", 1)[1]
        if "tags" in inspect.signature(getattr(getattr(pulumi_aws, module), name)._internal_init).parameters:
            assert COST_TAG_KEYS <= set(resource.inputs["tags"]), resource.urn
            tagged += 1
    assert tagged > 30


def test_gke_pool_shares_each_gpu_by_time_sharing(plan_of) -> None:
    embeddings = workload(
        "embeddings", "batch", capacity={"min_nodes": 0, "max_nodes": 3},
        hardware={"cloud": "gcp", "regions": ["europe-west4"], "instance_type": "g2-standard-8", "nodes": 2},
        pool={"gpu_sharing": "time_sharing", "max_shared_clients": 4},
    )
    planned = plan_of({**GCP, "workloads": [embeddings]})
    pool = planned.one(NODE_POOL, "test-eu-embeddings-europe-west4")
    assert pool.provider.endswith("pulumi:providers:gcp::gcp-europe-west4")
    assert pool.inputs["cluster"] == "test-eu-europe-west4"
    assert pool.inputs["location"] == "europe-west4"
    config = pool.inputs["nodeConfig"]
    assert config["machineType"] == "g2-standard-8"
    assert config["guestAccelerators"] == [{
        "type": "nvidia-l4",
        "count": 1,
        "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"},
        "gpuSharingConfig": {"gpuSharingStrategy": "TIME_SHARING", "maxSharedClientsPerGpu": 4},
    }]
    assert config["spot"] is False
    assert config["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert config["serviceAccount"] == "test-eu-europe-west4-nodes@ml-test-123456.iam.gserviceaccount.com"
    assert COST_TAG_KEYS <= set(config["resourceLabels"])
    # Two starting nodes over the catalog's L4 zones, in zones where they divide evenly.
    assert set(pool.inputs["nodeLocations"]) <= {"europe-west4-a", "europe-west4-b", "europe-west4-c"}
    assert pool.inputs["initialNodeCount"] * len(pool.inputs["nodeLocations"]) == 2
    assert pool.inputs["autoscaling"]["totalMinNodeCount"] == 0
    assert pool.inputs["autoscaling"]["totalMaxNodeCount"] == 3
    assert pool.monthly_usd == pytest.approx(0.897202 * 2 * 730, rel=1e-3)


def test_gke_mig_pool_partitions_h100s(plan_of) -> None:
    batch = workload(
        "mig", "batch", hardware={"cloud": "gcp", "regions": ["europe-west4"], "instance_type": "a3-highgpu-1g"},
        pool={"gpu_sharing": "mig", "mig_partition": "1g.10gb"},
    )
    pool = plan_of({**GCP, "workloads": [batch]}).one(NODE_POOL, "test-eu-mig-europe-west4")
    accelerator = pool.inputs["nodeConfig"]["guestAccelerators"][0]
    assert accelerator["type"] == "nvidia-h100-80gb" and accelerator["gpuPartitionSize"] == "1g.10gb"


def test_eks_training_pool_uses_efa_in_one_zone_with_a_cluster_placement_group(plan_of) -> None:
    planned = plan_of({**EU_AWS, "residency": {"regions": ["eu-west-1"]}, "workloads": [finetune()]})
    group = planned.one(NODE_GROUP, "test-eu-finetune-eu-west-1-on-demand")
    assert group.inputs["instanceTypes"] == ["p4d.24xlarge"]
    assert group.inputs["subnetIds"] == ["test-eu-aws-eu-west-1-private-eu-west-1a-id"]
    assert group.inputs["labels"]["skyweave.io/pool-role"] == "training"
    placement = planned.one("aws:ec2/placementGroup:PlacementGroup")
    assert placement.inputs["strategy"] == "cluster"
    template = template_of(planned, group)
    assert template["placement"] == {"groupName": placement.name}
    interfaces = template["networkInterfaces"]
    assert [i["interfaceType"] for i in interfaces] == ["efa", "efa-only", "efa-only", "efa-only"]
    assert [i["networkCardIndex"] for i in interfaces] == [0, 1, 2, 3]
    cluster_sg = planned.one("aws:eks/cluster:Cluster").inputs  # EFA traffic stays inside the cluster group
    assert all(i["securityGroups"] == [interfaces[0]["securityGroups"][0]] for i in interfaces)
    assert interfaces[0]["securityGroups"][0].startswith("sg-") and cluster_sg["name"] == "test-eu-eu-west-1"
    assert asg_tags(planned, "test-eu-finetune-eu-west-1-on-demand")[f"{CA}/resources/vpc.amazonaws.com/efa"] == "4"
    price = load_catalog().offering("aws", "eu-west-1", "p4d.24xlarge").ondemand_usd_hr
    assert group.monthly_usd == pytest.approx(price * 2 * 730)


def test_mixed_pool_keeps_an_on_demand_base_and_bursts_on_spot(plan_of) -> None:
    planned = plan_of({**EU_AWS, "workloads": [chat_on_spot(on_demand_base=1, spot_diversity=False)]})
    base = planned.one(NODE_GROUP, "test-eu-chat-eu-west-1-base")
    burst = planned.one(NODE_GROUP, "test-eu-chat-eu-west-1-burst")
    assert (base.inputs["capacityType"], base.inputs["instanceTypes"]) == ("ON_DEMAND", ["g5.xlarge"])
    assert base.inputs["scalingConfig"] == {"minSize": 1, "desiredSize": 1, "maxSize": 1}
    assert (burst.inputs["capacityType"], burst.inputs["instanceTypes"]) == ("SPOT", ["g5.xlarge"])
    assert burst.inputs["scalingConfig"] == {"minSize": 0, "desiredSize": 0, "maxSize": 3}


def test_capacity_block_pool_runs_on_its_reservation_in_one_subnet(plan_of) -> None:
    planned = plan_of({**EU_AWS, "residency": {"regions": ["eu-west-1"]}, "workloads": [
        finetune(capacity_reservation="cr-0123456789abcdef0", capacity_block=True)]})
    group = planned.one(NODE_GROUP, "test-eu-finetune-eu-west-1-block")
    assert group.inputs["capacityType"] == "CAPACITY_BLOCK"
    assert "instanceTypes" not in group.inputs  # the type moves to the launch template
    assert group.inputs["subnetIds"] == ["test-eu-aws-eu-west-1-private-eu-west-1a-id"]
    template = template_of(planned, group)
    assert template["instanceType"] == "p4d.24xlarge"
    assert template["instanceMarketOptions"] == {"marketType": "capacity-block"}
    assert template["capacityReservationSpecification"] == {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}}
    assert group.monthly_usd == 0  # Capacity Blocks are paid up front


@pytest.mark.parametrize(("stack", "error"), [
    ({**GCP, "workloads": [workload("job", hardware={"cloud": "gcp", "regions": ["europe-west4"],
                                                   "instance_type": "g2-standard-8"},
                                    pool={"gpu_sharing": "mig", "mig_partition": "1g.10gb"})]},
     r"workloads\[0\]\.pool\.mig_partition: NVIDIA L4 has no MIG; MIG needs an A100, H100 or H200"),
    ({**EU_AWS, "workloads": [chat_on_spot(efa=True)]},
     r"workloads\[0\]\.pool\.efa: g5\.xlarge has no EFA; EFA types: g5\.48xlarge, p4d\.24xlarge"),
    ({**EU_AWS, "workloads": [{**chat_on_spot(on_demand_base=1), "spot": False}]},
     r"workloads\[0\]\.pool\.on_demand_base: on_demand_base bursts the rest on spot, but the workload has spot: false"),
    ({**GCP, "workloads": [workload("job", hardware={"cloud": "gcp", "regions": ["europe-west4"],
                                                   "instance_type": "g2-standard-8"},
                                    pool={"zone": "europe-west4-d"})]},
     r"workloads\[0\]\.pool\.zone: g2-standard-8 is not offered in europe-west4-d; zones offering it: europe-west4-a"),
    ({**GCP, "workloads": [workload("job", hardware={"cloud": "gcp", "regions": ["europe-west4"],
                                                   "instance_type": "a2-highgpu-1g"},
                                    pool={"zone": "europe-west4-a", "capacity_reservation": "r1",
                                          "capacity_block": True})]},
     r"workloads\[0\]\.pool\.capacity_block: capacity blocks are EC2 Capacity Blocks for ML"),
    ({**EU_AWS, "workloads": [workload("job", pool={"capacity_block": True})]},
     r"workloads\[0\]\.pool: capacity_block needs capacity_reservation"),
])
def test_pool_options_that_cannot_work_are_refused_with_the_field(plan_of, stack, error) -> None:
    with pytest.raises(StackFileError, match=error):
        plan_of(stack)


def test_a_zone_the_placement_region_does_not_have_is_refused_at_plan_time(plan_of) -> None:
    auto = workload("chat", spot=True, pool={"zone": "eu-central-1a"})
    with pytest.raises(PlanError, match=r"workload chat: pool\.zone eu-central-1a is not in eu-west-1, where it is placed"):
        plan_of({"workloads": [auto]})


POOL = dict(cloud="aws", region="eu-west-1", workload="w", role="training", instance_type="p4d.24xlarge",
            accelerator="NVIDIA A100 40GB", accelerators_per_node=8, capacity_type="on_demand",
            min_nodes=0, max_nodes=2, desired_nodes=2, zones=["eu-west-1a", "eu-west-1b"])


@pytest.mark.parametrize(("fields", "error"), [
    ({"efa": True}, "EFA and a placement group need one zone; the pool spans eu-west-1a, eu-west-1b"),
    ({"capacity_reservation": "cr-1", "capacity_block": True},
     "a capacity reservation is in one zone but the pool spans 2 subnets"),
    ({"capacity_type": "spot"}, "spot capacity for a workload that does not tolerate interruption"),
    ({"offered_zones": ["eu-west-1a"]}, "p4d.24xlarge is not offered in eu-west-1b; zones offering it: eu-west-1a"),
    ({"gpu_sharing": "time_sharing"}, "gpu_sharing time_sharing is available on GKE pools"),
    ({"capacity_type": "spot", "spot_allowed": True, "capacity_reservation": "cr-1", "zones": ["eu-west-1a"]},
     "a capacity reservation holds on-demand capacity; spot nodes cannot use it"),
])
def test_pool_arguments_that_cannot_deploy_are_refused(fields, error) -> None:
    with pytest.raises(ValidationError, match=f"workload w in eu-west-1: {error}"):
        GpuNodePoolArgs(**{**POOL, **fields})


def test_example_stacks_plan_with_gpu_pools(tmp_path) -> None:
    from skyweave.pipeline import plan_stack

    started = time.perf_counter()
    prod = Planned(plan_stack(ROOT / "stacks" / "prod-eu.yaml"))
    elapsed = time.perf_counter() - started
    assert {r.inputs["nodeGroupName"] for r in prod.of_type(NODE_GROUP)} >= {"finetune-on-demand", "system"}
    assert any(r.name.startswith("prod-eu-chat-") for r in prod.of_type(NODE_POOL) + prod.of_type(NODE_GROUP))
    assert prod.one(NODE_POOL, "prod-eu-embeddings-europe-west4").inputs["nodeConfig"]["guestAccelerators"][0][
        "gpuSharingConfig"]["gpuSharingStrategy"] == "TIME_SHARING"
    assert prod.plan.cost.monthly_usd < prod.plan.spec.budget.monthly_cap_usd
    assert elapsed < 15  # generous: SDK imports dominate; the measured plan takes about five seconds
    dev = Planned(plan_stack(ROOT / "stacks" / "dev.yaml"))
    playground = [r for r in dev.of_type(NODE_GROUP) if r.inputs["nodeGroupName"].startswith("playground")]
    assert playground and playground[0].inputs["scalingConfig"]["minSize"] == 0
    assert dev.plan.cost.monthly_usd < dev.plan.spec.budget.monthly_cap_usd
