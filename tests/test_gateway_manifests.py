"""Kubernetes manifests from `skyweave plan --manifests DIR`: what they hold, checkov's verdict on the
gateway's, and that no secret value reaches any artifact.

checkov runs through its Python runner: the `checkov` command of the pinned 3.0 release fails to import
with the cyclonedx library the gateway's dependencies bring, while the Kubernetes runner is unaffected.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import BASE_STACK, write_stack
from gateway_stacks import HYBRID, PROVIDERS_ONLY, SECRET_MARKERS, TEST_SECRETS
from ruamel.yaml import YAML
from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.manifests import write_manifests
from skyweave.pipeline import plan_stack

GATEWAY_FILE = "test-eu-gateway-eu-west-1.yaml"
ACCEPTED = {
    # Suppressed on the objects themselves (checkov.io/skip annotations, each with its reason).
    ("CKV_K8S_43", "Deployment.skyweave-gateway.litellm"),
    ("CKV_K8S_35", "Deployment.skyweave-gateway.litellm"),
    ("CKV_K8S_43", "Deployment.skyweave-gateway.vllm-llama-small"),
    ("CKV_K8S_43", "Job.skyweave-gateway.litellm-teams-*"),
    ("CKV_K8S_35", "Job.skyweave-gateway.litellm-teams-*"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    work = tmp_path_factory.mktemp("manifests")
    plan = plan_stack(write_stack(work, {**BASE_STACK, **HYBRID}), TEST_SECRETS)
    files = write_manifests(plan, work / "out")
    return plan, files


def documents(path) -> list[dict]:
    return list(YAML(typ="safe").load_all(path.read_text()))


def test_gateway_manifests_are_kubernetes_documents_with_integer_fields(exported):
    _, files = exported
    (gateway,) = [f for f in files if f.name == GATEWAY_FILE]
    docs = documents(gateway)
    kinds = [(d["apiVersion"], d["kind"]) for d in docs]
    for expected in [("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("apps/v1", "Deployment"),
                     ("v1", "Service"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
                     ("policy/v1", "PodDisruptionBudget"), ("networking.k8s.io/v1", "NetworkPolicy"),
                     ("batch/v1", "Job")]:
        assert expected in kinds
    proxy = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "litellm")
    assert proxy["spec"]["replicas"] == 2 and isinstance(proxy["spec"]["replicas"], int)
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert secret["stringData"] == "[secret]"


def test_checkov_finds_nothing_but_the_documented_suppressions(exported):
    from checkov.kubernetes.runner import Runner
    from checkov.runner_filter import RunnerFilter

    _, files = exported
    (gateway,) = [f for f in files if f.name == GATEWAY_FILE]
    report = Runner().run(root_folder=None, files=[str(gateway)], runner_filter=RunnerFilter(framework=["kubernetes"]))
    assert [(c.check_id, c.resource) for c in report.failed_checks] == []
    # The team-sync Job's name ends in a hash of the teams.
    skipped = {(c.check_id, re.sub(r"-[0-9a-f]{10}$", "-*", c.resource)) for c in report.skipped_checks}
    assert skipped == ACCEPTED
    assert all(c.check_result.get("suppress_comment") for c in report.skipped_checks)
    assert len(report.passed_checks) > 150


def test_plan_cli_writes_manifests_per_component(tmp_path):
    gpu_stack = {**BASE_STACK, "workloads": [HYBRID["workloads"][0]]}
    path = write_stack(tmp_path, gpu_stack)
    result = CliRunner().invoke(app, ["plan", str(path), "--manifests", str(tmp_path / "k8s")])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "k8s" / "test-eu").glob("*.yaml")  # the GPU add-ons of the pool's cluster
    assert {d["kind"] for d in documents(written)} >= {"DaemonSet"}


def test_no_secret_value_appears_in_the_plan_the_manifests_or_the_rendered_config(exported, tmp_path):
    plan, files = exported
    # A gateway outside the stack's own clusters takes its kubeconfig from Pulumi config.
    kubeconfig_plan = plan_stack(write_stack(tmp_path, {**BASE_STACK, **PROVIDERS_ONLY}), TEST_SECRETS)
    files = [*files, *write_manifests(kubeconfig_plan, tmp_path / "out")]
    artifacts = {"plan JSON": json.dumps(plan.to_json()), "kubeconfig plan JSON": json.dumps(kubeconfig_plan.to_json())}
    artifacts |= {f.name: f.read_text() for f in files}
    artifacts["rendered config"] = next(
        r.inputs["data"]["config.yaml"] for r in plan.resources if r.name == "test-eu-gateway-eu-west-1-config"
    )
    assert all(marker in value for marker, value in zip(SECRET_MARKERS, TEST_SECRETS.values()))
    for marker in SECRET_MARKERS:
        assert [name for name, text in artifacts.items() if marker in text] == [], f"{marker} leaked"
    assert "[secret]" in artifacts["plan JSON"]
