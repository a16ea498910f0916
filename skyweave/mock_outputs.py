"""What the offline plan answers in place of the clouds: computed outputs and invoke results.

A real `pulumi up` gets ARNs, endpoints and self links back from the providers; the offline plan makes
realistic ones (same formats, the AWS documentation account 123456789012) so that every output a
component reads resolves and every input that depends on one is shown as it would be. An invoke the plan
cannot answer is an error, never an empty answer.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

PLAN_ACCOUNT = "123456789012"
PLAN_PROJECT_NUMBER = "100000000001"

Outputs = Callable[[str, dict[str, Any], str], dict[str, Any]]


def _aws_arn(service: str, kind: str, sep: str = "/") -> Outputs:
    return lambda name, inputs, region: {"arn": f"arn:aws:{service}:{region}:{PLAN_ACCOUNT}:{kind}{sep}{name}"}


def _fake_cert(name: str) -> str:
    return base64.b64encode(f"plan-certificate-{name}".encode()).decode()


def _eks_cluster(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    host = hashlib.sha256(name.encode()).hexdigest()[:32].upper()
    return {
        "arn": f"arn:aws:eks:{region}:{PLAN_ACCOUNT}:cluster/{inputs.get('name', name)}",
        "endpoint": f"https://{host}.gr7.{region}.eks.amazonaws.com",
        "certificateAuthority": {"data": _fake_cert(name)},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{host}"}]}],
        "status": "ACTIVE",
        "version": inputs.get("version", "1.33"),
        "vpcConfig": {**inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{host[:17].lower()}"},
    }


def _gke_cluster(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {
        "endpoint": "10.0.0.2",
        "masterAuth": {"clusterCaCertificate": _fake_cert(name)},
        "selfLink": f"https://container.googleapis.com/v1/projects/{inputs.get('project', 'plan')}/locations/{region}/clusters/{name}",
    }


def _s3_bucket(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    bucket = inputs.get("bucket", name)
    return {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "region": region,
    }


def _gcs_bucket(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    bucket = inputs.get("name", name)
    return {"url": f"gs://{bucket}", "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}"}


def _kms_key(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    key_id = hashlib.sha256(name.encode()).hexdigest()
    key_id = f"{key_id[:8]}-{key_id[8:12]}-{key_id[12:16]}-{key_id[16:20]}-{key_id[20:32]}"
    return {"keyId": key_id, "arn": f"arn:aws:kms:{region}:{PLAN_ACCOUNT}:key/{key_id}"}


def _gcp_id(pattern: str) -> Outputs:
    return lambda name, inputs, region: {
        "id": pattern.format(name=inputs.get("name", name), region=region, project=inputs.get("project"))
    }


def _eks_node_group(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    group = inputs.get("nodeGroupName", name)
    suffix = hashlib.sha256(name.encode()).hexdigest()[:8]
    return {
        "arn": f"arn:aws:eks:{region}:{PLAN_ACCOUNT}:nodegroup/{inputs.get('clusterName')}/{group}/{suffix}",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-{suffix}"}]}],
        "status": "ACTIVE",
    }


# Zones the plan assumes a region has: three, as most regions of both clouds do.
def _aws_zones(region: str) -> list[str]:
    return [f"{region}{z}" for z in "abc"]


def _gcp_zones(region: str) -> list[str]:
    return [f"{region}-{z}" for z in "abc"]


def _eks_existing(args: dict[str, Any]) -> dict[str, Any]:
    name, region = args["name"], args["region"]
    host = hashlib.sha256(name.encode()).hexdigest()[:32].upper()
    return {
        "id": name, "name": name, "arn": f"arn:aws:eks:{region}:{PLAN_ACCOUNT}:cluster/{name}",
        "endpoint": f"https://{host}.gr7.{region}.eks.amazonaws.com",
        "certificateAuthorities": [{"data": _fake_cert(name)}],
        "vpcConfig": {
            "subnetIds": [f"subnet-{host[i:i + 17].lower()}" for i in (0, 5, 10)],
            "clusterSecurityGroupId": f"sg-{host[:17].lower()}",
        },
        "version": "1.33", "status": "ACTIVE",
    }


def _service_account(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    email = f"{inputs.get('accountId', name)}@{inputs.get('project')}.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}"}


def _sagemaker(kind: str) -> Outputs:
    # Models and endpoint configurations are autonamed by the provider; the plan shows the logical name.
    return lambda name, inputs, region: {
        "name": inputs.get("name", name),
        "arn": f"arn:aws:sagemaker:{region}:{PLAN_ACCOUNT}:{kind}/{inputs.get('name', name).lower()}",
    }


# Outputs by type token, beyond the inputs (which every resource echoes back).
COMPUTED: dict[str, Outputs] = {
    "aws:sns/topic:Topic": _aws_arn("sns", "", ""),
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _aws_arn("kms", "alias"),
    "aws:budgets/budget:Budget": _aws_arn("budgets", "budget"),
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _aws_arn("ce", "anomalymonitor"),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _aws_arn("ce", "anomalysubscription"),
    "aws:iam/role:Role": lambda name, inputs, region: {"arn": f"arn:aws:iam::{PLAN_ACCOUNT}:role/{inputs.get('name', name)}", "name": inputs.get("name", name)},
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "gcp:container/cluster:Cluster": _gke_cluster,
    "gcp:storage/bucket:Bucket": _gcs_bucket,
    "gcp:pubsub/topic:Topic": _gcp_id("projects/{project}/topics/{name}"),
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:ec2/launchTemplate:LaunchTemplate": lambda name, inputs, region: {"latestVersion": 1, "defaultVersion": 1},
    "aws:ec2/placementGroup:PlacementGroup": lambda name, inputs, region: {"name": inputs.get("name", name)},
    "aws:ec2/eip:Eip": lambda name, inputs, region: {"allocationId": f"eipalloc-{hashlib.sha256(name.encode()).hexdigest()[:17]}"},
    "gcp:serviceaccount/account:Account": _service_account,
    "aws:sagemaker/model:Model": _sagemaker("model"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _sagemaker("endpoint-config"),
    "aws:sagemaker/endpoint:Endpoint": _sagemaker("endpoint"),
    "aws:appautoscaling/policy:Policy": _aws_arn("autoscaling", "scalingPolicy:plan:resource/sagemaker/policyName", "/"),
    "aws:cloudtrail/trail:Trail": _aws_arn("cloudtrail", "trail"),
    "gcp:kms/keyRing:KeyRing": lambda name, inputs, region: {
        "id": f"projects/{inputs.get('project')}/locations/{inputs.get('location')}/keyRings/{inputs.get('name', name)}"
    },
    "gcp:kms/cryptoKey:CryptoKey": lambda name, inputs, region: {"id": f"{inputs.get('keyRing')}/cryptoKeys/{inputs.get('name', name)}"},
    "gcp:logging/projectSink:ProjectSink": lambda name, inputs, region: {
        "writerIdentity": f"serviceAccount:service-{PLAN_PROJECT_NUMBER}@gcp-sa-logging.iam.gserviceaccount.com"
    },
    "gcp:cloudrunv2/service:Service": lambda name, inputs, region: {
        "uri": f"https://{inputs.get('name', name)}-{PLAN_PROJECT_NUMBER}.{inputs.get('location', region)}.run.app"
    },
}

# Invokes the components use, by token: args → result.
INVOKES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args: {
        "accountId": PLAN_ACCOUNT,
        "arn": f"arn:aws:iam::{PLAN_ACCOUNT}:user/skyweave-plan",
        "userId": "AIDAPLANPLANPLANPLAN",
        "id": PLAN_ACCOUNT,
    },
    "gcp:organizations/getProject:getProject": lambda args: {
        "projectId": args.get("projectId"),
        "number": PLAN_PROJECT_NUMBER,
        "name": args.get("projectId"),
        "id": f"projects/{args.get('projectId')}",
    },
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": lambda args: {
        "id": args.get("region"),
        "locations": [z for _ in args["filters"][0]["values"] for z in _aws_zones(args["region"])],
        "instanceTypes": [t for t in args["filters"][0]["values"] for _ in range(3)],
        "locationTypes": ["availability-zone"] * 3 * len(args["filters"][0]["values"]),
    },
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args: {
        "id": args.get("region"), "names": _aws_zones(args["region"]),
        "zoneIds": [f"plan-az{i}" for i in range(1, 4)], "groupNames": [args.get("region")],
    },
    "aws:eks/getCluster:getCluster": _eks_existing,
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": lambda args: {
        "id": args.get("project"), "project": args.get("project"),
        "emailAddress": f"service-{PLAN_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
        "member": f"serviceAccount:service-{PLAN_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
    },
    "gcp:compute/getZones:getZones": lambda args: {"id": args.get("region"), "names": _gcp_zones(args["region"])},
    "gcp:compute/getMachineTypes:getMachineTypes": lambda args: {
        "id": args.get("zone"),
        "machineTypes": [{"name": args["filter"].removeprefix("name = "), "zone": args.get("zone")}],
    },
    "gcp:container/getCluster:getCluster": lambda args: {
        "id": f"projects/{args.get('project')}/locations/{args['location']}/clusters/{args['name']}",
        "name": args["name"], "location": args["location"], "endpoint": "10.0.0.2",
        "masterAuths": [{"clusterCaCertificate": _fake_cert(args["name"])}],
    },
}


def outputs_for(type_token: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """Inputs echoed back plus the computed outputs a provider would return."""
    make = COMPUTED.get(type_token)
    return {**inputs, **(make(name, inputs, region) if make else {})}


def physical_id(type_token: str, name: str, inputs: dict[str, Any]) -> str:
    """The ID a provider would assign: the physical name where one is set, else `<name>-id`."""
    for key in ("name", "bucket", "clusterName", "nodeGroupName"):
        value = inputs.get(key)
        if isinstance(value, str):
            return value
    return f"{name}-id"
