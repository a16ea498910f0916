"""The pack served the way the Pulumi engine runs it reports exactly what `skyweave check` reports.

The test starts `python -u -m pulumi.policy <engine> .` in policies/ (what `pulumi preview --policy-pack`
does through its analyzer shim), reads the port from stdout, and plays the engine over gRPC:
ConfigureStack, GetAnalyzerInfo, Configure with the reconciled config, Analyze per planned resource (wire
inputs, explicit provider, protect), then AnalyzeStack with every resource's outputs. Waived findings
come back on stderr, as the engine would show them. Every wait is bounded; the server is stopped by pid.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb
from pulumi.runtime.proto import analyzer_pb2_grpc

from policies.pack import METAS, POLICIES
from skyweave.pipeline import StackPlan, plan_stack
from skyweave.plan import PlannedResource
from skyweave.policy_config import policy_config, reconcile
from skyweave.policy_eval import judge, outputs
from tests.conftest import BASE_STACK, ROOT, write_stack

TIMEOUT_S = 30
LEVELS = {"advisory": apb.ADVISORY, "mandatory": apb.MANDATORY, "remediate": apb.REMEDIATE, "disabled": apb.DISABLED}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
WAIVED = re.compile(r"^skyweave: waived (SKW-[A-Z]+-\d{3}) on (\S+|the stack): (.*) \(waiver: (.*); expires \S+\)$")


class Analyzer:
    """A running policy pack process and a stub of its Analyzer service."""

    def __init__(self, stack: str):
        env = {**os.environ, "PULUMI_PROJECT": "skyweave", "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true",
               "PULUMI_CONFIG": "{}"}
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
            cwd=ROOT / "policies", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_S)
        if not ready:
            raise TimeoutError(f"the pack printed no port within {TIMEOUT_S} s; stderr: {self.stderr}")
        port = int(self.process.stdout.readline())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=TIMEOUT_S)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT_S)


@pytest.fixture
def analyzer() -> Iterator[Analyzer]:
    server = Analyzer("test-eu")
    try:
        yield server
    finally:
        server.stop()
    assert server.process.returncode is not None


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(json.loads(json.dumps(values)))
    return message


def _options(r: PlannedResource) -> apb.AnalyzerResourceOptions:
    return apb.AnalyzerResourceOptions(protect=r.protect, parent=r.parent)


def _provider(r: PlannedResource, by_urn: dict[str, PlannedResource]) -> apb.AnalyzerProviderResource | None:
    found = by_urn.get(r.provider)
    if found is None:
        return None
    return apb.AnalyzerProviderResource(type=found.type, name=found.name, urn=found.urn, properties=_struct(found.inputs))


def engine_run(server: Analyzer, plan: StackPlan, config: dict[str, Any]) -> tuple[set, set]:
    """Violations and waived findings as the engine would collect them from the pack."""
    stub = server.stub
    stub.ConfigureStack(apb.AnalyzerStackConfigureRequest(stack=plan.spec.name, project="skyweave", dry_run=True),
                        timeout=TIMEOUT_S)
    info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=TIMEOUT_S)
    assert info.name == "skyweave"
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    request = apb.ConfigureAnalyzerRequest()
    for name, setting in reconcile(POLICIES, config).items():
        request.policyConfig[name].CopyFrom(apb.PolicyConfig(enforcementLevel=LEVELS[setting.level],
                                                             properties=_struct(setting.props)))
    stub.Configure(request, timeout=TIMEOUT_S)

    by_urn = {r.urn: r for r in plan.resources}
    found: set[tuple[str, str, str, str]] = set()
    for r in plan.resources:
        response = stub.Analyze(apb.AnalyzeRequest(
            type=r.type, name=r.name, urn=r.urn, properties=_struct(r.inputs), options=_options(r),
            provider=_provider(r, by_urn),
        ), timeout=TIMEOUT_S)
        found |= {_finding(d, r.urn) for d in response.diagnostics}
    stack_request = apb.AnalyzeStackRequest(resources=[
        apb.AnalyzerResource(type=r.type, name=r.name, urn=r.urn, properties=_struct(outputs(r)), options=_options(r),
                             provider=_provider(r, by_urn), parent=r.parent, dependencies=r.dependencies,
                             propertyDependencies={key: apb.AnalyzerPropertyDependencies(urns=urns)
                                                   for key, urns in r.property_dependencies.items()})
        for r in plan.resources
    ])
    stack_urn = f"urn:pulumi:{plan.spec.name}::skyweave::pulumi:pulumi:Stack::skyweave-{plan.spec.name}"
    found |= {_finding(d, stack_urn) for d in stub.AnalyzeStack(stack_request, timeout=TIMEOUT_S).diagnostics}
    server.stop()  # flushes stderr: every waived line is in by now
    waived = {(policy, stack_urn if where == "the stack" else where, message, reason)
              for policy, where, message, reason in (m.groups() for m in map(WAIVED.match, server.stderr) if m)}
    return found, waived


def _finding(diagnostic: Any, default_urn: str) -> tuple[str, str, str, str]:
    description = METAS[diagnostic.policyName].description
    assert diagnostic.message.startswith(description + "\n"), diagnostic.message
    return (METAS[diagnostic.policyName].id, LEVEL_NAMES[diagnostic.enforcementLevel],
            diagnostic.urn or default_urn, diagnostic.message.removeprefix(description + "\n"))


def test_the_served_pack_reports_what_the_offline_runner_reports(analyzer: Analyzer, tmp_path: Path) -> None:
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    stack = {
        **BASE_STACK,
        "budget": {**BASE_STACK["budget"], "monthly_cap_usd": 1},
        "storage": [{"name": "data", "size_gb": 100}],
        "waivers": [
            {"policy": "SKW-SEC-004", "resource": "test-eu-data", "reason": "owner tag rolls out next sprint",
             "expires": later},
            {"policy": "SKW-COST-001", "resource": "*", "reason": "launch month", "expires": later},
        ],
    }
    plan = plan_stack(write_stack(tmp_path, stack))
    config = policy_config(plan.spec)
    # Stricter settings than the stack's own, so resource and stack policies, levels and waivers all show up.
    config["security-required-tags"] = {**config["security-required-tags"], "enforcementLevel": "advisory",
                                        "requiredTags": ["team", "owner"]}
    config["security-stateful-resources-protected"] = {"minKeyDeletionWindowDays": 31}

    offline = judge(plan, config)
    expected = {(v.id, v.enforcement, v.urn, v.message) for v in offline if v.enforcement != "waived"}
    expected_waived = {(v.id, v.urn, v.message, v.waiver) for v in offline if v.enforcement == "waived"}
    assert {level for _, level, _, _ in expected} == {"mandatory", "advisory"}
    assert {policy for policy, *_ in expected_waived} == {"SKW-SEC-004", "SKW-COST-001"} and len(expected) > 5

    found, waived = engine_run(analyzer, plan, config)
    assert found == expected
    assert waived == expected_waived
