"""Serverless endpoints as a platform team sees them in the plan: SageMaker serverless and async, Cloud Run
with an L4, each next to its region-locked model bucket, with least-privilege identities, what idling costs,
and the refusals for inputs beyond the services' limits (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skyweave import mock_outputs
from skyweave.cli import app
from skyweave.pipeline import plan_stack
from tests.conftest import BASE_STACK, Planned, write_stack

ACCOUNT = mock_outputs.PLAN_ACCOUNT
ECR = "763104351884.dkr.ecr.eu-west-1.amazonaws.com"
CPU_IMAGE = f"{ECR}/pytorch-inference:2.6.0-cpu-py312-ubuntu22.04-sagemaker"
GPU_IMAGE = f"{ECR}/djl-inference:0.33.0-lmi15.0.0-cu128"
RUN_IMAGE = "europe-west4-docker.pkg.dev/ml-test-418201/serving/vllm-openai:v0.10.1"
MODELS = {"name": "models", "size_gb": 50}
MODELS_BUCKET = f"test-eu-models-{ACCOUNT}-eu-west-1-an"
STORAGE_KEY = mock_outputs.COMPUTED["aws:kms/key:Key"]("test-eu-aws-eu-west-1-storage-key", {}, "eu-west-1")["arn"]
GCP = {
    "clouds": ["gcp"],
    "gcp_project": "ml-test-418201",
    "residency": {"jurisdictions": ["eu"], "regions": ["europe-west4", "europe-west3"]},
    "budget": {"monthly_cap_usd": 5000, "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"},
}
HOURS = 730


def serverless(name: str, model: dict | None = None, **options) -> dict:
    return {"name": name, "kind": "serverless", "model": model or {"gpu_memory_gb": 1}, "serverless": options}


def classifier(**options) -> dict:
    return serverless("intent", **{"endpoint": "aws-sagemaker-serverless", "image": CPU_IMAGE, "bucket": "models",
                                   "model_artifact_key": "intent/model.tar.gz", **options})


def summarizer(**options) -> dict:
    return serverless("summarizer", {"name": "llama-3.1-8b", "concurrency": 4},
                      **{"endpoint": "aws-sagemaker-async", "image": GPU_IMAGE, "bucket": "models",
                         "model_artifact_key": "llama-3.1-8b/", **options})


def chat(**options) -> dict:
    return serverless("chat", {"name": "llama-3.1-8b", "concurrency": 4},
                      **{"endpoint": "gcp-cloud-run-gpu", "image": RUN_IMAGE, **options})


def refused(tmp_path: Path, overrides: dict) -> list[str]:
    """`field: message` of each error `skyweave plan` prints, after checking that it exits with code 2."""
    path = write_stack(tmp_path, {**BASE_STACK, **overrides})
    result = CliRunner().invoke(app, ["plan", str(path)])
    assert result.exit_code == 2, result.output
    return [line.split(": ", 2)[2] for line in result.output.splitlines() if line.startswith(f"error: {path}:")]


def statements(resource) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(resource.inputs["policy"])["Statement"]}


@pytest.fixture(scope="module")
def aws_plan(tmp_path_factory) -> Planned:
    stack = {**BASE_STACK, "storage": [MODELS], "workloads": [
        classifier(memory_mb=3072, max_concurrency=10, provisioned_concurrency=2, requests_per_day=5000,
                   seconds_per_request=0.2),
        summarizer(max_concurrency=2, max_instances=3, requests_per_day=2000, seconds_per_request=20),
    ]}
    return Planned(plan_stack(write_stack(tmp_path_factory.mktemp("aws"), stack)))


def test_sagemaker_serverless_endpoint_reads_its_model_from_the_region_locked_bucket(aws_plan):
    model = aws_plan.one("aws:sagemaker/model:Model", "test-eu-intent-model")
    assert model.region == "eu-west-1"
    assert model.inputs["primaryContainer"] == {"image": CPU_IMAGE, "mode": "SingleModel",
                                                "modelDataUrl": f"s3://{MODELS_BUCKET}/intent/model.tar.gz"}
    assert model.inputs["enableNetworkIsolation"] is False  # serverless endpoints do not support it
    config = aws_plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "test-eu-intent")
    assert config.inputs["productionVariants"] == [{
        "variantName": "primary", "modelName": "test-eu-intent-model",
        "serverlessConfig": {"memorySizeInMb": 3072, "maxConcurrency": 10, "provisionedConcurrency": 2},
    }]
    assert config.inputs["kmsKeyArn"] == STORAGE_KEY
    endpoint = aws_plan.one("aws:sagemaker/endpoint:Endpoint", "test-eu-intent-endpoint")
    assert endpoint.inputs["name"] == "test-eu-intent"


def test_sagemaker_execution_role_reads_only_the_model_decrypts_via_s3_and_writes_its_own_logs(aws_plan):
    trust = json.loads(aws_plan.one("aws:iam/role:Role", "test-eu-intent-execution").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    allowed = statements(aws_plan.one("aws:iam/rolePolicy:RolePolicy", "test-eu-intent-execution"))
    assert set(allowed) == {"ReadModel", "DecryptModel", "WriteOwnLogs", "EcrLogin", "PullImage"}
    assert allowed["ReadModel"]["Resource"] == f"arn:aws:s3:::{MODELS_BUCKET}/intent/model.tar.gz"
    assert allowed["DecryptModel"] == {"Sid": "DecryptModel", "Effect": "Allow", "Action": "kms:Decrypt",
                                       "Resource": STORAGE_KEY,
                                       "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}}
    assert allowed["WriteOwnLogs"]["Resource"][0] == (
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/test-eu-intent"
    )
    assert allowed["PullImage"]["Resource"] == "arn:aws:ecr:eu-west-1:763104351884:repository/pytorch-inference"


def test_sagemaker_serverless_costs_gb_seconds_of_the_stated_usage(aws_plan):
    config = aws_plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "test-eu-intent")
    requests = 5000 * HOURS / 24
    assert config.monthly_usd == pytest.approx(requests * 0.2 * 3 * 0.00002, abs=1e-4)
    component = aws_plan.one("skyweave:serving:ServerlessEndpoint", "test-eu-intent")
    assert component.inputs["scaling"] == (
        "2 request(s) kept warm (no cold start, billed while provisioned); requests beyond them may wait for a cold start"
    )


def test_async_endpoint_runs_on_the_selected_gpu_instance_and_writes_results_to_the_bucket(aws_plan):
    config = aws_plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "test-eu-summarizer")
    [variant] = config.inputs["productionVariants"]
    assert variant["instanceType"] == "ml.g5.xlarge"  # the selector's cheapest fit in eu-west-1
    assert variant["initialInstanceCount"] == 1
    output = config.inputs["asyncInferenceConfig"]["outputConfig"]
    assert output["s3OutputPath"] == f"s3://{MODELS_BUCKET}/async/summarizer/output/"
    assert output["s3FailurePath"] == f"s3://{MODELS_BUCKET}/async/summarizer/failures/"
    assert output["kmsKeyId"] == STORAGE_KEY
    assert output["notificationConfig"] == {
        "successTopic": f"arn:aws:sns:eu-west-1:{ACCOUNT}:test-eu-summarizer-succeeded",
        "errorTopic": f"arn:aws:sns:eu-west-1:{ACCOUNT}:test-eu-summarizer-failed",
    }
    assert config.inputs["asyncInferenceConfig"]["clientConfig"] == {"maxConcurrentInvocationsPerInstance": 2}
    # g5 instances have local NVMe, encrypted in hardware; SageMaker refuses a KMS key for them.
    assert "kmsKeyArn" not in config.inputs
    topics = [aws_plan.one("aws:sns/topic:Topic", f"test-eu-summarizer-{o}") for o in ("succeeded", "failed")]
    assert [t.inputs["kmsMasterKeyId"] for t in topics] == [STORAGE_KEY, STORAGE_KEY]
    model = aws_plan.one("aws:sagemaker/model:Model", "test-eu-summarizer-model")
    assert model.inputs["enableNetworkIsolation"] is True
    assert model.inputs["primaryContainer"]["modelDataSource"] == {"s3DataSources": [{
        "s3Uri": f"s3://{MODELS_BUCKET}/llama-3.1-8b/", "s3DataType": "S3Prefix", "compressionType": "None"}]}


def test_async_endpoint_scales_to_zero_on_the_backlog_and_back_from_zero(aws_plan):
    target = aws_plan.one("aws:appautoscaling/target:Target", "test-eu-summarizer-capacity")
    assert {k: v for k, v in target.inputs.items() if k != "tags"} == {
        "serviceNamespace": "sagemaker", "resourceId": "endpoint/test-eu-summarizer/variant/primary",
        "scalableDimension": "sagemaker:variant:DesiredInstanceCount", "minCapacity": 0, "maxCapacity": 3,
    }
    tracking = aws_plan.one("aws:appautoscaling/policy:Policy", "test-eu-summarizer-backlog").inputs
    assert tracking["policyType"] == "TargetTrackingScaling"
    metric = tracking["targetTrackingScalingPolicyConfiguration"]["customizedMetricSpecification"]
    assert (metric["metricName"], metric["namespace"]) == ("ApproximateBacklogSizePerInstance", "AWS/SageMaker")
    assert metric["dimensions"] == [{"name": "EndpointName", "value": "test-eu-summarizer"}]
    step = aws_plan.one("aws:appautoscaling/policy:Policy", "test-eu-summarizer-from-zero").inputs
    assert step["stepScalingPolicyConfiguration"]["stepAdjustments"] == [
        {"metricIntervalLowerBound": "0", "scalingAdjustment": 1}
    ]
    alarm = aws_plan.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert (alarm["metricName"], alarm["threshold"], alarm["comparisonOperator"]) == (
        "HasBacklogWithoutCapacity", 1, "GreaterThanOrEqualToThreshold")
    assert alarm["alarmActions"] == [
        f"arn:aws:autoscaling:eu-west-1:{ACCOUNT}:scalingPolicy:plan:resource/sagemaker/policyName/test-eu-summarizer-from-zero"
    ]


def test_async_role_may_read_requests_write_results_and_notify_only_its_own_prefixes(aws_plan):
    allowed = statements(aws_plan.one("aws:iam/rolePolicy:RolePolicy", "test-eu-summarizer-execution"))
    assert allowed["ReadRequests"]["Resource"] == f"arn:aws:s3:::{MODELS_BUCKET}/async/summarizer/input/*"
    assert allowed["WriteResults"]["Resource"] == [f"arn:aws:s3:::{MODELS_BUCKET}/async/summarizer/output/*",
                                                   f"arn:aws:s3:::{MODELS_BUCKET}/async/summarizer/failures/*"]
    assert allowed["ListModel"]["Condition"] == {"StringLike": {"s3:prefix": "llama-3.1-8b/*"}}
    assert allowed["Notify"]["Resource"] == [f"arn:aws:sns:eu-west-1:{ACCOUNT}:test-eu-summarizer-succeeded",
                                             f"arn:aws:sns:eu-west-1:{ACCOUNT}:test-eu-summarizer-failed"]


def test_async_endpoint_costs_the_instance_hours_its_requests_keep_busy(aws_plan):
    config = aws_plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "test-eu-summarizer")
    busy_hours = 2000 * HOURS / 24 * 20 / 2 / 3600
    g5 = aws_plan.plan.catalog.offering("aws", "eu-west-1", "g5.xlarge").ondemand_usd_hr
    assert config.monthly_usd == pytest.approx(busy_hours * g5, abs=1e-3)


def test_a_pinned_async_instance_type_is_used_and_its_scale_floor_is_billed_all_month(plan_of):
    pinned = summarizer(min_instances=1)
    pinned["hardware"] = {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g5.2xlarge"}
    plan = plan_of({"storage": [MODELS], "workloads": [pinned]})
    config = plan.one("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "test-eu-summarizer")
    assert config.inputs["productionVariants"][0]["instanceType"] == "ml.g5.2xlarge"
    g5 = plan.plan.catalog.offering("aws", "eu-west-1", "g5.2xlarge").ondemand_usd_hr
    assert config.monthly_usd == pytest.approx(HOURS * g5, abs=1e-3)
    assert plan.one("aws:appautoscaling/target:Target").inputs["minCapacity"] == 1
    assert plan.one("skyweave:serving:ServerlessEndpoint").inputs["scaling"] == (
        "1 ml.g5.2xlarge instance(s) always on: no cold start up to their capacity, billed every hour even when idle"
    )


@pytest.fixture(scope="module")
def gcp_plan(tmp_path_factory) -> Planned:
    stack = {**BASE_STACK, **GCP, "storage": [{"name": "weights", "cloud": "gcp", "region": "europe-west4"}],
             "workloads": [chat(bucket="weights", min_instances=1, max_instances=3, gpu_zonal_redundancy_disabled=True,
                                invokers=["serviceAccount:gateway@ml-test-418201.iam.gserviceaccount.com"])]}
    return Planned(plan_stack(write_stack(tmp_path_factory.mktemp("gcp"), stack)))


def test_cloud_run_service_gets_one_l4_with_enough_cpu_and_memory_and_stays_internal(gcp_plan):
    service = gcp_plan.one("gcp:cloudrunv2/service:Service", "test-eu-chat")
    assert (service.region, service.inputs["location"]) == ("europe-west4", "europe-west4")
    assert service.inputs["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    template = service.inputs["template"]
    assert template["nodeSelector"] == {"accelerator": "nvidia-l4"}
    assert template["gpuZonalRedundancyDisabled"] is True
    assert template["scaling"] == {"minInstanceCount": 1, "maxInstanceCount": 3}
    assert template["maxInstanceRequestConcurrency"] == 4
    [container] = template["containers"]
    assert container["image"] == RUN_IMAGE
    assert container["resources"] == {"limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
                                      "cpuIdle": False, "startupCpuBoost": True}
    assert template["serviceAccount"] == "test-eu-chat-run@ml-test-418201.iam.gserviceaccount.com"


def test_cloud_run_mounts_the_model_bucket_read_only_with_a_viewer_grant(gcp_plan):
    template = gcp_plan.one("gcp:cloudrunv2/service:Service").inputs["template"]
    assert template["volumes"] == [{"name": "models", "gcs": {"bucket": "ml-test-418201-test-eu-weights", "readOnly": True}}]
    assert template["containers"][0]["volumeMounts"] == [{"name": "models", "mountPath": "/models"}]
    grant = gcp_plan.one("gcp:storage/bucketIAMMember:BucketIAMMember", "test-eu-chat-reads-models")
    assert grant.inputs == {"bucket": "ml-test-418201-test-eu-weights", "role": "roles/storage.objectViewer",
                            "member": "serviceAccount:test-eu-chat-run@ml-test-418201.iam.gserviceaccount.com"}


def test_cloud_run_callers_need_the_invoker_role_which_no_public_principal_gets(gcp_plan):
    members = [m.inputs for m in gcp_plan.of_type("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")]
    assert {(m["role"], m["member"]) for m in members} == {
        ("roles/run.invoker", "serviceAccount:test-eu-chat-call@ml-test-418201.iam.gserviceaccount.com"),
        ("roles/run.invoker", "serviceAccount:gateway@ml-test-418201.iam.gserviceaccount.com"),
    }
    assert {m["name"] for m in members} == {"test-eu-chat"}


def test_cloud_run_with_a_warm_instance_bills_it_all_month_and_says_so(gcp_plan):
    service = gcp_plan.one("gcp:cloudrunv2/service:Service")
    per_second = 0.0001867 + 4 * 0.000018 + 16 * 0.000002  # L4 without zonal redundancy, vCPU, GiB
    assert service.monthly_usd == pytest.approx(HOURS * 3600 * per_second, abs=1e-3)
    assert gcp_plan.one("skyweave:serving:ServerlessEndpoint").inputs["scaling"] == (
        "1 instance(s) always on: no cold start up to their capacity, billed every hour even when idle"
    )


def test_cloud_run_that_scales_to_zero_costs_only_its_busy_seconds_at_the_zonal_redundancy_price(plan_of):
    plan = plan_of({**GCP, "workloads": [chat(requests_per_day=1000, seconds_per_request=2)]})
    service = plan.one("gcp:cloudrunv2/service:Service")
    assert service.region == "europe-west4"  # the first residency region with Cloud Run GPUs
    busy = 1000 * HOURS / 24 * 2 / 4
    assert service.monthly_usd == pytest.approx(busy * (0.0002909 + 4 * 0.000018 + 16 * 0.000002), abs=1e-3)
    assert "volumes" not in service.inputs["template"]
    assert plan.one("skyweave:serving:ServerlessEndpoint").inputs["scaling"].startswith("scales to zero")


@pytest.mark.parametrize(("options", "message"), [
    ({"memory_mb": 1536}, "aws-sagemaker-serverless: memory_mb 1536 is not one of 1024, 2048, 3072, 4096, 5120, 6144"),
    ({"max_concurrency": 201}, "aws-sagemaker-serverless: max_concurrency 201 is outside 1-200"),
    ({"max_concurrency": 5, "provisioned_concurrency": 6},
     "aws-sagemaker-serverless: provisioned_concurrency 6 is above max_concurrency 5"),
    ({"min_instances": 1},
     "aws-sagemaker-serverless: min_instances does not apply (SageMaker scales serverless endpoints itself)"),
    ({"model_artifact_key": "intent/model.bin"},
     "aws-sagemaker-serverless: model_artifact_key 'intent/model.bin' must be a .tar.gz archive or a prefix ending in /"),
])
def test_sagemaker_serverless_limits(tmp_path, options, message):
    assert refused(tmp_path, {"storage": [MODELS], "workloads": [classifier(**options)]}) == [
        f"workloads[0].serverless: {message}"
    ]


@pytest.mark.parametrize(("options", "message"), [
    ({"vcpus": 2}, "gcp-cloud-run-gpu: vcpus 2 is not one of 4, 6, 8 (an NVIDIA L4 needs at least 4)"),
    ({"memory_mb": 8192}, "gcp-cloud-run-gpu: memory_mb 8192 is outside 16384-32768 (an NVIDIA L4 needs at least 16 GiB)"),
    ({"min_instances": 3, "max_instances": 2}, "gcp-cloud-run-gpu: min_instances 3 is above max_instances 2"),
])
def test_cloud_run_gpu_limits(tmp_path, options, message):
    assert refused(tmp_path, {**GCP, "workloads": [chat(**options)]}) == [f"workloads[0].serverless: {message}"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("image", f"{ECR}/pytorch-inference:latest", "the tag `latest` moves; pin a version tag or a @sha256 digest"),
    ("image", f"{ECR}/pytorch-inference",
     f"'{ECR}/pytorch-inference' is not an image reference pinned by tag or digest, e.g. registry/repo:1.2.3"),
    ("invokers", ["allUsers"], "allUsers would make the endpoint public; name the callers' principals"),
])
def test_unpinned_images_and_public_callers_are_refused(tmp_path, field, value, message):
    assert refused(tmp_path, {**GCP, "workloads": [chat(**{field: value})]}) == [f"workloads[0].serverless.{field}: {message}"]


def test_sagemaker_images_come_from_ecr_in_the_endpoints_region(tmp_path):
    other_region = CPU_IMAGE.replace("eu-west-1", "eu-central-1")
    assert refused(tmp_path, {"storage": [MODELS], "workloads": [classifier(image=other_region)]}) == [
        "workloads[0].serverless.image: SageMaker pulls the image from ECR in the endpoint's region eu-west-1: "
        "<account>.dkr.ecr.eu-west-1.amazonaws.com/<repo>:<tag>"
    ]


def test_cloud_run_only_runs_where_cloud_run_has_gpus(tmp_path):
    no_gpus = {**GCP, "residency": {"jurisdictions": ["eu"], "regions": ["europe-west3"]}}
    assert refused(tmp_path, {**no_gpus, "workloads": [chat()]}) == [
        "workloads[0].serverless.endpoint: no region inside the residency offers Cloud Run GPUs (Cloud Run GPU regions: "
        "us-central1, us-east4, europe-west1, europe-west4, asia-southeast1, asia-south1)"
    ]
    assert refused(tmp_path, {**GCP, "workloads": [chat(region="europe-west3")]}) == [
        "workloads[0].serverless.region: europe-west3 has no Cloud Run GPUs; Cloud Run GPU regions: "
        "us-central1, us-east4, europe-west1, europe-west4, asia-southeast1, asia-south1"
    ]


def test_a_model_that_does_not_fit_is_refused(tmp_path):
    too_big = classifier(memory_mb=2048)
    too_big["model"] = {"gpu_memory_gb": 3}
    assert refused(tmp_path, {"storage": [MODELS], "workloads": [too_big]}) == [
        "workloads[0].model: the model needs about 3.0 GB but memory_mb 2048 holds 2 GB"
    ]


def test_an_async_endpoint_pinned_outside_its_buckets_region_is_refused(tmp_path):
    pinned = summarizer()
    pinned["hardware"] = {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g5.xlarge"}
    stack = {"residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1", "eu-central-1"]},
             "storage": [{**MODELS, "region": "eu-central-1"}], "workloads": [pinned]}
    pinned["serverless"]["image"] = GPU_IMAGE.replace("eu-west-1", "eu-central-1")
    assert refused(tmp_path, stack) == [
        "workloads[0].hardware: an async endpoint runs in its bucket's region: pin cloud aws, regions [eu-central-1]"
    ]


@pytest.mark.parametrize(("workload", "message"), [
    ({"name": "bare", "kind": "serverless", "model": {"gpu_memory_gb": 1}},
     "workloads[0]: a serverless block goes with kind: serverless, and kind: serverless needs one"),
    ({**classifier(), "kind": "inference"},
     "workloads[0]: a serverless block goes with kind: serverless, and kind: serverless needs one"),
    ({**classifier(), "redundancy_regions": 2},
     "workloads[0]: a serverless endpoint runs in one region: leave redundancy_regions at 1"),
    ({**classifier(), "hardware": {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g5.xlarge"}},
     "workloads[0]: aws-sagemaker-serverless chooses its own hardware: remove hardware"),
])
def test_serverless_blocks_belong_to_serverless_workloads(tmp_path, workload, message):
    assert refused(tmp_path, {"storage": [MODELS], "workloads": [workload]}) == [message]


def test_sagemaker_needs_a_bucket_of_the_stack(tmp_path):
    assert refused(tmp_path, {"workloads": [classifier(bucket="weights")]}) == [
        "workloads[0].serverless.bucket: no bucket named 'weights' under storage; buckets: none"
    ]
