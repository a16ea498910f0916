"""Clusters GPU pools join: private, encrypted EKS and GKE clusters, or existing ones, and their add-ons."""

from __future__ import annotations

import json

import pytest

from skyweave.errors import StackFileError

GCP = {"clouds": ["gcp"], "gcp_project": "ml-test-123456", "residency": "eu",
       "budget": {"monthly_cap_usd": 90000, "gcp_billing_account": "012345-6789AB-CDEF01"}}
EKS_CLUSTER = "aws:eks/cluster:Cluster"
GKE_CLUSTER = "gcp:container/cluster:Cluster"


def chat(cloud: str = "aws", region: str = "eu-west-1", instance_type: str = "g5.xlarge", **pool) -> dict:
    return {"name": "chat", "kind": "inference", "model": {"gpu_memory_gb": 16},
            "hardware": {"cloud": cloud, "regions": [region], "instance_type": instance_type},
            **({"pool": pool} if pool else {})}


def test_new_eks_cluster_is_private_encrypted_logged_and_uses_access_entries(plan_of) -> None:
    planned = plan_of({"workloads": [chat()]})
    cluster = planned.one(EKS_CLUSTER, "test-eu-aws-eu-west-1-eks")
    assert cluster.provider.endswith("pulumi:providers:aws::aws-eu-west-1")
    inputs = cluster.inputs
    assert inputs["name"] == "test-eu-eu-west-1"
    assert inputs["vpcConfig"]["endpointPrivateAccess"] is True
    assert inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    assert inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert inputs["deletionProtection"] is True
    assert inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    key = planned.one("aws:kms/key:Key", "test-eu-aws-eu-west-1-secrets-key")
    assert key.region == "eu-west-1" and key.protect is True
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    assert inputs["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    logs = planned.one("aws:cloudwatch/logGroup:LogGroup")
    assert logs.inputs["name"] == "/aws/eks/test-eu-eu-west-1/cluster"
    assert logs.inputs["kmsKeyId"] == inputs["encryptionConfig"]["provider"]["keyArn"]
    assert cluster.monthly_usd == pytest.approx(0.10 * 730)


def test_eks_network_has_private_subnets_per_zone_and_one_nat_gateway(plan_of) -> None:
    planned = plan_of({"workloads": [chat()]})
    subnets = {s.inputs["availabilityZone"]: s for s in planned.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert sorted(subnets) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]  # where the plan says g5.xlarge is offered
    assert all(s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in subnets.values())
    public = [s for s in planned.of_type("aws:ec2/subnet:Subnet") if "public" in s.name]
    assert len(public) == 1 and public[0].inputs["mapPublicIpOnLaunch"] is False
    nat = planned.one("aws:ec2/natGateway:NatGateway")
    assert nat.monthly_usd == pytest.approx(0.048 * 730)
    routes = planned.one("aws:ec2/routeTable:RouteTable", "test-eu-aws-eu-west-1-private-routes")
    assert routes.inputs["routes"] == [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "test-eu-aws-eu-west-1-nat-id"}]
    assert planned.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs.get("ingress") in (None, [])


def test_nodes_get_a_role_with_only_the_three_node_policies(plan_of) -> None:
    planned = plan_of({"workloads": [chat()]})
    role = planned.one("aws:iam/role:Role", "test-eu-aws-eu-west-1-node-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]
    attached = {a.inputs["policyArn"] for a in planned.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if a.inputs["role"] == role.inputs["name"]}
    assert attached == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }
    system = planned.one("aws:eks/nodeGroup:NodeGroup", "test-eu-aws-eu-west-1-system")
    assert system.inputs["nodeRoleArn"] == "arn:aws:iam::123456789012:role/test-eu-eu-west-1-nodes"
    assert system.inputs["amiType"] == "AL2023_ARM_64_STANDARD" and "taints" not in system.inputs


def test_public_endpoint_and_admins_are_opt_in(plan_of) -> None:
    admin = "arn:aws:iam::123456789012:role/platform-admin"
    planned = plan_of({"workloads": [chat()], "clusters": [{
        "cloud": "aws", "region": "eu-west-1", "public_endpoint": True,
        "authorized_networks": ["203.0.113.0/24"], "admins": [admin]}]})
    vpc = planned.one(EKS_CLUSTER).inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    entry = planned.one("aws:eks/accessEntry:AccessEntry")
    assert (entry.inputs["principalArn"], entry.inputs["type"]) == (admin, "STANDARD")
    association = planned.one("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert association.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association.inputs["accessScope"] == {"type": "cluster"}


def test_eks_addons_install_the_device_plugin_and_dcgm_through_the_clusters_provider(plan_of) -> None:
    planned = plan_of({"workloads": [chat()]})
    provider = planned.one("pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"]["server"].endswith(".gr7.eu-west-1.eks.amazonaws.com")
    assert kubeconfig["users"][0]["user"]["exec"]["args"] == [
        "eks", "get-token", "--cluster-name", "test-eu-eu-west-1", "--region", "eu-west-1", "--output", "json"]
    assert set(kubeconfig["users"][0]["user"]) == {"exec"}  # no stored token or key
    daemonsets = {d.inputs["metadata"]["name"]: d for d in planned.of_type("kubernetes:apps/v1:DaemonSet")}
    assert set(daemonsets) == {"nvidia-device-plugin", "dcgm-exporter"}
    for daemonset in daemonsets.values():
        assert daemonset.provider == provider.urn
        image = daemonset.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
        assert ":" in image and not image.endswith(":latest")
    plugin = daemonsets["nvidia-device-plugin"].inputs["spec"]["template"]["spec"]
    assert plugin["nodeSelector"] == {"nvidia.com/gpu.present": "true", "skyweave.io/ami-family": "al2023"}


def test_bottlerocket_pools_get_no_device_plugin_and_dcgm_can_be_turned_off(plan_of) -> None:
    planned = plan_of({"workloads": [chat(ami_family="bottlerocket")],
                       "clusters": [{"cloud": "aws", "region": "eu-west-1", "dcgm_exporter": False}]})
    assert planned.of_type("kubernetes:apps/v1:DaemonSet") == []
    group = next(g for g in planned.of_type("aws:eks/nodeGroup:NodeGroup") if g.name.startswith("test-eu-chat"))
    assert group.inputs["amiType"] == "BOTTLEROCKET_x86_64_NVIDIA"


def test_new_gke_cluster_is_private_vpc_native_with_workload_identity(plan_of) -> None:
    planned = plan_of({**GCP, "workloads": [chat("gcp", "europe-west4", "g2-standard-8")]})
    cluster = planned.one(GKE_CLUSTER)
    assert cluster.provider.endswith("pulumi:providers:gcp::gcp-europe-west4")
    inputs = cluster.inputs
    assert (inputs["name"], inputs["location"]) == ("test-eu-europe-west4", "europe-west4")
    assert inputs["networkingMode"] == "VPC_NATIVE"
    assert inputs["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"}
    assert inputs["privateClusterConfig"] == {"enablePrivateNodes": True, "enablePrivateEndpoint": True}
    networks = inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"]
    assert networks == [{"cidrBlock": "10.0.0.0/20", "displayName": "cluster nodes"}]
    assert inputs["workloadIdentityConfig"] == {"workloadPool": "ml-test-123456.svc.id.goog"}
    assert inputs["enableShieldedNodes"] is True
    assert inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert (inputs["removeDefaultNodePool"], inputs["initialNodeCount"]) == (True, 1)
    assert inputs["deletionProtection"] is True
    assert "DCGM" in inputs["monitoringConfig"]["enableComponents"]
    key = planned.one("gcp:kms/cryptoKey:CryptoKey")
    assert key.protect is True and key.inputs["rotationPeriod"] == "7776000s"
    assert inputs["databaseEncryption"] == {
        "state": "ENCRYPTED",
        "keyName": "projects/ml-test-123456/locations/europe-west4/keyRings/test-eu-europe-west4-gke/cryptoKeys/secrets",
    }
    grant = planned.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert grant.inputs["member"] == "serviceAccount:service-100000000001@container-engine-robot.iam.gserviceaccount.com"
    assert set(inputs["resourceLabels"]) >= {"team", "cost-center", "skyweave-stack"}
    assert cluster.monthly_usd == pytest.approx(0.10 * 730)
    roles = {m.inputs["role"] for m in planned.of_type("gcp:projects/iAMMember:IAMMember")}
    assert roles == {"roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"}
    nat = planned.one("gcp:compute/routerNat:RouterNat")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    assert planned.of_type("kubernetes:apps/v1:DaemonSet") == []  # GKE installs driver and device plugin


def test_existing_eks_cluster_gets_pools_and_no_cluster_resources(plan_of) -> None:
    planned = plan_of({"workloads": [chat()], "clusters": [{
        "cloud": "aws", "region": "eu-west-1", "existing": "shared-gpu",
        "subnets": {"eu-west-1a": "subnet-0aaa", "eu-west-1b": "subnet-0bbb"}}]})
    for absent in (EKS_CLUSTER, "aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "aws:kms/key:Key"):
        assert [r for r in planned.of_type(absent) if "budget" not in r.name] == []
    group = planned.one("aws:eks/nodeGroup:NodeGroup", "test-eu-chat-eu-west-1-on-demand")
    assert group.inputs["clusterName"] == "shared-gpu"
    assert group.inputs["subnetIds"] == ["subnet-0aaa", "subnet-0bbb"]
    assert group.inputs["nodeRoleArn"] == "arn:aws:iam::123456789012:role/test-eu-eu-west-1-nodes"
    kubeconfig = json.loads(planned.one("pulumi:providers:kubernetes").inputs["kubeconfig"])
    assert kubeconfig["clusters"][0]["name"] == "shared-gpu"


def test_existing_gke_cluster_gets_a_pool_and_a_node_service_account(plan_of) -> None:
    planned = plan_of({**GCP, "workloads": [chat("gcp", "europe-west4", "g2-standard-8")],
                       "clusters": [{"cloud": "gcp", "region": "europe-west4", "existing": "shared-gke"}]})
    assert planned.of_type(GKE_CLUSTER) == [] and planned.of_type("gcp:compute/network:Network") == []
    pool = planned.one("gcp:container/nodePool:NodePool")
    assert pool.inputs["cluster"] == "shared-gke"
    assert pool.inputs["nodeConfig"]["serviceAccount"].endswith("@ml-test-123456.iam.gserviceaccount.com")


@pytest.mark.parametrize(("clusters", "error"), [
    ([{"cloud": "gcp", "region": "europe-west4"}], r"clusters\[0\]\.cloud: cloud 'gcp' is not in the stack's clouds"),
    ([{"cloud": "aws", "region": "us-east-1"}],
     r"clusters\[0\]\.region: region 'us-east-1' is outside the stack's residency"),
    ([{"cloud": "aws", "region": "eu-west-1"}, {"cloud": "aws", "region": "eu-west-1"}],
     r"clusters\[1\]: a second entry for aws eu-west-1; one cluster per cloud region"),
    ([{"cloud": "aws", "region": "eu-west-1", "subnets": {"eu-west-1a": "subnet-1"}}],
     r"clusters\[0\]: subnets are for an existing cluster; a new cluster makes its own"),
    ([{"cloud": "aws", "region": "eu-west-1", "public_endpoint": True}],
     r"clusters\[0\]: a public endpoint needs authorized_networks"),
    ([{"cloud": "aws", "region": "eu-west-1", "existing": "c", "subnets": {"us-east-1a": "subnet-1"}}],
     r"clusters\[0\]\.subnets\.us-east-1a: subnets map zones of eu-west-1 to EKS subnet IDs"),
])
def test_cluster_entries_that_cannot_work_are_refused_with_the_field(plan_of, clusters, error) -> None:
    with pytest.raises(StackFileError, match=error):
        plan_of({"clusters": clusters})
