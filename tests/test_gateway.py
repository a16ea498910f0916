"""The gateway as `pulumi up` would create it: Kubernetes objects, their hardening, secrets, vLLM and cost."""

from __future__ import annotations

import copy
import hashlib

import pytest
from conftest import BASE_STACK, Planned, write_stack
from gateway_stacks import GKE, HYBRID, LOOPBACK, PROVIDERS_ONLY, TEST_SECRETS, with_gateway

from skyweave.pipeline import plan_stack

GW = "test-eu-gateway-eu-west-1"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory) -> Planned:
    path = write_stack(tmp_path_factory.mktemp("hybrid"), {**BASE_STACK, **HYBRID})
    return Planned(plan_stack(path, TEST_SECRETS))


def pod_spec(resource) -> dict:
    return resource.inputs["spec"]["template"]["spec"]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def test_the_gateway_deploys_with_the_kubernetes_provider_of_the_gpu_cluster_in_its_region(hybrid):
    cluster = next(r for r in hybrid.of_type("skyweave:compute:Cluster") if r.region == "eu-west-1")
    (provider,) = [r for r in hybrid.of_type("pulumi:providers:kubernetes") if r.parent == cluster.urn]
    assert provider.region == "eu-west-1"
    kube = [r for r in hybrid.resources if r.type.startswith("kubernetes:") and "gateway" in r.urn]
    assert len(kube) >= 15
    assert {r.provider for r in kube} == {provider.urn}
    assert {r.region for r in kube} == {"eu-west-1"}


def test_without_a_cluster_in_its_region_the_gateway_uses_a_kubeconfig_from_pulumi_config(plan_of):
    plan = plan_of(PROVIDERS_ONLY, TEST_SECRETS)
    provider = plan.one("pulumi:providers:kubernetes", "k8s-aws-eu-west-1")
    assert provider.inputs["kubeconfig"] == "[secret]"
    assert provider.region == "eu-west-1"
    assert {r.provider for r in plan.resources if r.type.startswith("kubernetes:")} == {provider.urn}


def test_proxy_deployment_is_pinned_hardened_and_probed(hybrid):
    deployment = hybrid.one(DEPLOYMENT, f"{GW}-deployment")
    pod = pod_spec(deployment)
    (container,) = pod["containers"]
    assert container["image"] == "ghcr.io/berriai/litellm-non_root:v1.106.2"
    assert container["imagePullPolicy"] == "Always"
    assert container["args"] == ["--config", "/etc/litellm/config.yaml", "--port", "4000"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp", "/etc/litellm"}
    assert container["resources"] == {"requests": {"cpu": "1000m", "memory": "2048Mi"},
                                      "limits": {"cpu": "2000m", "memory": "4096Mi"}}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/liveliness"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/readiness"
    zones = pod["topologySpreadConstraints"][0]
    assert (zones["topologyKey"], zones["whenUnsatisfiable"]) == ("topology.kubernetes.io/zone", "DoNotSchedule")
    assert deployment.inputs["spec"]["replicas"] == 2


def test_config_checksum_on_the_pod_template_is_the_rendered_config(hybrid):
    config = hybrid.one("kubernetes:core/v1:ConfigMap", f"{GW}-config").inputs["data"]["config.yaml"]
    template = hybrid.one(DEPLOYMENT, f"{GW}-deployment").inputs["spec"]["template"]
    assert template["metadata"]["annotations"]["checksum/config"] == hashlib.sha256(config.encode()).hexdigest()


def test_a_config_change_changes_the_checksum_so_pods_roll(plan_of):
    checksums = []
    for retries in (1, 3):
        plan = plan_of(with_gateway(HYBRID, num_retries=retries), TEST_SECRETS)
        template = plan.one(DEPLOYMENT, f"{GW}-deployment").inputs["spec"]["template"]
        checksums.append(template["metadata"]["annotations"]["checksum/config"])
    assert checksums[0] != checksums[1]


def test_secrets_reach_the_pod_only_through_secret_key_refs(hybrid):
    (container,) = pod_spec(hybrid.one(DEPLOYMENT, f"{GW}-deployment"))["containers"]
    env = env_of(container)
    refs = {name: e["valueFrom"]["secretKeyRef"] for name, e in env.items() if "valueFrom" in e}
    assert refs == {
        "LITELLM_MASTER_KEY": {"name": "litellm-pulumi-secrets", "key": "LITELLM_MASTER_KEY"},
        "DATABASE_URL": {"name": "litellm-database", "key": "url"},
        "REDIS_PASSWORD": {"name": "gateway-redis", "key": "auth"},
        "CHAT_PREMIUM_API_KEY": {"name": "litellm-pulumi-secrets", "key": "CHAT_PREMIUM_API_KEY"},
    }
    assert all("value" not in env[name] for name in refs)
    secret = hybrid.one("kubernetes:core/v1:Secret", f"{GW}-secrets")
    assert secret.inputs["stringData"] == "[secret]"  # keys and values: the whole map is a Pulumi secret
    assert secret.inputs["metadata"]["name"] == "litellm-pulumi-secrets"


def test_autoscaler_disruption_budget_and_network_policy(hybrid):
    hpa = hybrid.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", f"{GW}-hpa").inputs["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "litellm"}
    pdb = hybrid.one("kubernetes:policy/v1:PodDisruptionBudget", f"{GW}-pdb").inputs["spec"]
    assert pdb["maxUnavailable"] == 1
    policy = hybrid.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{GW}-network-policy").inputs["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"from": [{"namespaceSelector": {}}], "ports": [{"protocol": "TCP", "port": 4000}]}]
    egress_ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert egress_ports == {53, 443, 80, 8000, 6379, 5432}


def test_namespace_enforces_the_restricted_pod_security_standard(hybrid):
    namespace = hybrid.one("kubernetes:core/v1:Namespace", f"{GW}-namespace").inputs["metadata"]
    assert namespace["name"] == "skyweave-gateway"
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_self_hosted_model_runs_vllm_on_its_gpu_pool_with_weights_from_the_bucket(hybrid):
    deployment = hybrid.one(DEPLOYMENT, f"{GW}-llama-small-deployment")
    pod = pod_spec(deployment)
    (container,) = pod["containers"]
    assert container["image"] == "vllm/vllm-openai:v0.12.0"
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["nodeSelector"] == {"skyweave.io/workload": "llama-small"}
    # g5.12xlarge has 4 A10G; llama-3.1-8b in bf16 with its KV cache needs 2 of them per replica.
    assert container["resources"]["requests"]["nvidia.com/gpu"] == "2"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert deployment.inputs["spec"]["replicas"] == 2
    bucket = next(r for r in hybrid.of_type("aws:s3/bucket:Bucket") if "model-weights" in r.inputs["bucket"])
    args = container["args"]
    assert args[0] == f"s3://{bucket.inputs['bucket']}/models/llama-3.1-8b-instruct"
    assert args[1:] == ["--load-format", "runai_streamer", "--served-model-name", "llama-small",
                        "--tensor-parallel-size", "2", "--max-model-len", "8192", "--max-num-seqs", "16",
                        "--gpu-memory-utilization", "0.9", "--port", "8000"]
    assert env_of(container)["AWS_REGION"]["value"] == "eu-west-1"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["startupProbe"]["httpGet"]["path"] == "/health"


def test_only_gateway_pods_may_call_vllm(hybrid):
    policy = hybrid.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{GW}-llama-small-network-policy")
    (ingress,) = policy.inputs["spec"]["ingress"]
    gateway_labels = hybrid.one(DEPLOYMENT, f"{GW}-deployment").inputs["spec"]["selector"]["matchLabels"]
    assert ingress == {"from": [{"podSelector": {"matchLabels": gateway_labels}}],
                       "ports": [{"protocol": "TCP", "port": 8000}]}
    service = hybrid.one("kubernetes:core/v1:Service", f"{GW}-llama-small-service").inputs
    assert service["metadata"]["name"] == "vllm-llama-small"


def test_gateway_and_vllm_run_as_service_accounts_bound_to_the_cloud_identity(hybrid):
    identity = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/test-eu-gateway"}
    accounts = {r.inputs["metadata"]["name"]: r.inputs for r in hybrid.of_type("kubernetes:core/v1:ServiceAccount")}
    assert set(accounts) == {"litellm", "vllm-llama-small"}
    for account in accounts.values():
        assert account["metadata"]["annotations"] == identity
        assert account["automountServiceAccountToken"] is False
    assert pod_spec(hybrid.one(DEPLOYMENT, f"{GW}-deployment"))["serviceAccountName"] == "litellm"
    assert pod_spec(hybrid.one(DEPLOYMENT, f"{GW}-llama-small-deployment"))["serviceAccountName"] == "vllm-llama-small"


def test_component_props_expose_every_route_with_its_region(hybrid):
    gateway = hybrid.one("skyweave:gateway:Gateway", GW)
    routes = [(r["name"], r["provider"], r["region"]) for r in gateway.inputs["routes"]]
    assert routes == [("chat-fast", "self_hosted", "eu-west-1"), ("chat-premium", "bedrock", "eu-central-1"),
                      ("chat-long", "vertex_ai", "europe-west4")]


def test_team_budgets_are_applied_by_a_job_through_the_admin_api(hybrid):
    jobs = hybrid.of_type("kubernetes:batch/v1:Job")
    (job,) = jobs
    (container,) = pod_spec(job)["containers"]
    assert container["image"] == "curlimages/curl:8.11.1"
    assert env_of(container)["LITELLM_MASTER_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "litellm-pulumi-secrets"
    teams = hybrid.one("kubernetes:core/v1:ConfigMap", f"{GW}-teams").inputs["data"]
    assert teams["search.json"] == (
        '{"budget_duration": "1mo", "max_budget": 800.0, "models": ["chat-fast", "chat-premium", "chat-long"], '
        '"team_alias": "search", "team_id": "search"}'
    )
    assert "/team/new" in teams["sync.sh"] and "/team/update" in teams["sync.sh"]


def test_the_database_the_budgets_need_is_visible_in_the_plan(hybrid):
    (container,) = pod_spec(hybrid.one(DEPLOYMENT, f"{GW}-deployment"))["containers"]
    assert env_of(container)["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "litellm-database", "key": "url"}
    config = hybrid.one("kubernetes:core/v1:ConfigMap", f"{GW}-config").inputs["data"]["config.yaml"]
    assert 'database_url: "os.environ/DATABASE_URL"' in config


def test_gateway_pods_are_priced_by_their_share_of_a_system_node_and_vllm_by_its_pool(hybrid):
    # 2 pods x max(1 of 2 vCPU, 2 of 8 GiB) of an m7g.large at 0.0816 USD/h x 730 h.
    assert hybrid.one(DEPLOYMENT, f"{GW}-deployment").monthly_usd == pytest.approx(2 * 0.5 * 0.0816 * 730)
    assert hybrid.one(DEPLOYMENT, f"{GW}-llama-small-deployment").monthly_usd == 0.0
    assert not [t for t in hybrid.plan.cost.unpriced_types if t.startswith("kubernetes:")]


def test_one_pod_keeps_its_replica_count_and_gets_no_autoscaler(plan_of):
    plan = plan_of(LOOPBACK, TEST_SECRETS)
    assert plan.one(DEPLOYMENT, f"{GW}-deployment").inputs["spec"]["replicas"] == 1
    assert plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler") == []
    assert plan.of_type("kubernetes:batch/v1:Job") == []


def test_without_a_kubeconfig_the_plan_says_which_config_to_set(plan_of):
    from skyweave.plan import PlanError

    with pytest.raises(PlanError, match="missing Pulumi config skyweave:kubeconfig"):
        plan_of(PROVIDERS_ONLY, {"gatewayMasterKey": TEST_SECRETS["gatewayMasterKey"]})


def test_gateways_in_several_regions_without_clusters_take_one_kubeconfig_each(plan_of):
    from skyweave.plan import PlanError

    two_regions = with_gateway(PROVIDERS_ONLY, regions=["eu-west-1", "eu-central-1"])
    with pytest.raises(PlanError, match="missing Pulumi config skyweave:kubeconfig-eu-west-1"):
        plan_of(two_regions, TEST_SECRETS)
    config = {**TEST_SECRETS, "kubeconfig-eu-west-1": "a", "kubeconfig-eu-central-1": "b"}
    plan = plan_of(two_regions, config)
    assert {g.name for g in plan.of_type("skyweave:gateway:Gateway")} == {GW, "test-eu-gateway-eu-central-1"}
    assert {p.name for p in plan.of_type("pulumi:providers:kubernetes")} == {"k8s-aws-eu-west-1", "k8s-aws-eu-central-1"}


def test_a_self_hosted_model_in_two_regions_gets_a_gateway_in_each_cluster(plan_of):
    two_regions = copy.deepcopy(HYBRID)
    two_regions["workloads"][0]["hardware"]["regions"] = ["eu-west-1", "eu-central-1"]
    no_kubeconfig = {k: v for k, v in TEST_SECRETS.items() if k != "kubeconfig"}
    plan = plan_of(two_regions, no_kubeconfig)
    gateways = {g.name: g for g in plan.of_type("skyweave:gateway:Gateway")}
    assert set(gateways) == {GW, "test-eu-gateway-eu-central-1"}
    vllm = plan.of_type(DEPLOYMENT)
    assert {d.region for d in vllm if d.name.endswith("llama-small-deployment")} == {"eu-west-1", "eu-central-1"}


def test_on_gke_the_service_accounts_get_vertex_ai_and_their_weights_bucket_through_workload_identity(plan_of):
    plan = plan_of(GKE, {"gatewayMasterKey": TEST_SECRETS["gatewayMasterKey"]})
    pool = "principal://iam.googleapis.com/projects/100000000001/locations/global/workloadIdentityPools/"
    subject = "ml-test-418201.svc.id.goog/subject/ns/skyweave-gateway/sa/"
    vertex = plan.one("gcp:projects/iAMMember:IAMMember", "test-eu-gateway-europe-west4-vertex-user")
    assert vertex.inputs == {"project": "ml-test-418201", "role": "roles/aiplatform.user",
                             "member": f"{pool}{subject}litellm"}
    reader = plan.one("gcp:storage/bucketIAMMember:BucketIAMMember", "test-eu-gateway-europe-west4-llama-mini-weights-reader")
    bucket = next(b for b in plan.of_type("gcp:storage/bucket:Bucket") if b.inputs["name"].endswith("model-weights"))
    assert reader.inputs == {"bucket": bucket.inputs["name"], "role": "roles/storage.objectViewer",
                             "member": f"{pool}{subject}vllm-llama-mini"}
    assert vertex.region == reader.region == "europe-west4"
    (container,) = pod_spec(plan.one(DEPLOYMENT, "test-eu-gateway-europe-west4-llama-mini-deployment"))["containers"]
    assert container["args"][0] == f"gs://{bucket.inputs['name']}/models/llama-3.2-3b"
