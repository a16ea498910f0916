"""checkov on the Kubernetes manifests `skyweave plan STACK --manifests DIR` writes for every example stack:
no failed check, and every skipped one is a suppression recorded with its reason on the object itself.

checkov runs through its Python runner (see test_gateway_manifests.py for why not its command).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skyweave.manifests import write_manifests
from skyweave.pipeline import plan_stack

STACKS = sorted((Path(__file__).parent.parent / "stacks").glob("*.yaml"))
DEVICE_PLUGIN = "DaemonSet.kube-system.nvidia-device-plugin"
DCGM = "DaemonSet.gpu-monitoring.dcgm-exporter"
ADDON_SKIPS = {
    *((check, DEVICE_PLUGIN) for check in ("CKV_K8S_8", "CKV_K8S_9", "CKV_K8S_23", "CKV_K8S_40", "CKV_K8S_43")),
    *((check, DCGM) for check in ("CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_39", "CKV_K8S_40", "CKV_K8S_43")),
}
GATEWAY_SKIPS = {("CKV_K8S_35", "Deployment.*.litellm"), ("CKV_K8S_43", "Deployment.*.litellm"),
                 ("CKV_K8S_35", "Job.*.litellm-teams-*"), ("CKV_K8S_43", "Job.*.litellm-teams-*"),
                 ("CKV_K8S_43", "Deployment.*.vllm-*")}
"""Each (check, object) checkov may skip; the object's namespace, team hash and model name as `*`."""


def checkov(files: list[Path]):
    from checkov.kubernetes.runner import Runner
    from checkov.runner_filter import RunnerFilter

    return Runner().run(root_folder=None, files=[str(f) for f in files],
                        runner_filter=RunnerFilter(framework=["kubernetes"]))


def accepted_form(resource: str) -> str:
    kind, namespace, name = resource.split(".", 2)
    if (kind, namespace) in {("DaemonSet", "kube-system"), ("DaemonSet", "gpu-monitoring")}:
        return resource
    name = re.sub(r"-[0-9a-f]{10}$", "-*", name)
    return f"{kind}.*.{re.sub(r'^vllm-.*', 'vllm-*', name)}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Each example stack planned once, its manifests written and scanned: stack name → checkov report."""
    out = tmp_path_factory.mktemp("manifests")
    return {stack.stem: checkov(write_manifests(plan_stack(stack), out)) for stack in STACKS}


@pytest.mark.parametrize("stack", [s.stem for s in STACKS])
def test_example_stack_manifests_pass_checkov_or_carry_a_reasoned_suppression(reports, stack):
    report = reports[stack]
    assert [(c.check_id, c.resource) for c in report.failed_checks] == []
    skipped = {(c.check_id, accepted_form(c.resource)) for c in report.skipped_checks}
    assert skipped <= ADDON_SKIPS | GATEWAY_SKIPS
    assert all(c.check_result.get("suppress_comment") for c in report.skipped_checks)
    assert len(report.passed_checks) > 100


def test_the_example_stacks_export_both_gpu_addons_with_their_suppressions(reports):
    """The add-on suppressions are not vacuous: the example stacks do export both hardened DaemonSets."""
    skipped = [c for report in reports.values() for c in report.skipped_checks]
    assert ADDON_SKIPS <= {(c.check_id, c.resource) for c in skipped}
    reasons = {c.check_result["suppress_comment"] for c in skipped if c.resource == DCGM}
    assert any("SYS_ADMIN" in reason for reason in reasons)
