"""The offline plan: run the real Pulumi program under Pulumi's mock runtime and record every resource.

No cloud account and no Pulumi CLI are needed. The program is the same one `pulumi up` runs; only the
engine is replaced by a recording monitor that answers with realistic outputs (`mock_outputs`). The plan
refuses duplicate URNs and resources that would use a default provider, since both would break or
mislead a real deployment.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from skyweave import mock_outputs
from skyweave.spec import StackSpec

PROJECT = "skyweave"
SECRET_MASK = "[secret]"


class PlanError(Exception):
    """The program cannot be deployed as written (duplicate URNs, default providers, missing config)."""


@dataclass
class PlannedResource:
    """One resource `pulumi up` would create, as the engine would see it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    cloud: str | None
    region: str | None
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    dependencies: list[str] = field(default_factory=list)
    """URNs of the custom resources this one waits for: where its inputs come from, and `depends_on`."""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    """For each input, the URNs of the resources its value comes from."""
    monthly_usd: float | None = None

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def is_component(self) -> bool:
        return not self.custom


@dataclass
class Recording:
    """Everything the recording monitor saw, in registration order."""

    resources: dict[str, PlannedResource] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    unanswered_invokes: list[str] = field(default_factory=list)


class _Mocks(mocks.Mocks):
    def __init__(self, recording: Recording):
        self.recording = recording

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        raise AssertionError("the recording monitor answers registrations itself")

    def call(self, args: mocks.MockCallArgs) -> dict:
        answer = mock_outputs.INVOKES.get(args.token)
        if answer is None:
            self.recording.unanswered_invokes.append(args.token)
            return {}
        return answer(args.args)


class _RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that records each registration with its parent, provider and options."""

    def __init__(self, recording: Recording):
        super().__init__(_Mocks(recording))
        self.recording = recording

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        cloud, region, project = self._place(request.type, request.provider, inputs)
        if urn in self.recording.resources:
            self.recording.duplicates.append(urn)
        self.recording.resources[urn] = PlannedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
            cloud=cloud,
            region=region,
            inputs=mask_secrets(inputs),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            dependencies=sorted(request.dependencies),  # sorted: the SDK gathers them in a set
            property_dependencies={k: sorted(v.urns) for k, v in request.propertyDependencies.items()},
        )
        # GCP resources take their project from the provider, as the real provider does.
        seen = {"project": project, **inputs} if project else inputs
        state = mock_outputs.outputs_for(request.type, request.name, seen, region or "")  # inputs included
        resource_id = ""
        if request.custom:  # an `id` among the computed outputs is the provider's ID format
            resource_id = str(state.pop("id", "")) or mock_outputs.physical_id(request.type, request.name, inputs)
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=_encode(state))

    def _place(self, type_token: str, provider_ref: str, inputs: dict[str, Any]) -> tuple[str | None, ...]:
        """Cloud, region and project of a resource: a provider's own inputs, or the provider it uses."""
        if type_token.startswith("pulumi:providers:"):
            return type_token.rsplit(":", 1)[1], inputs.get("region"), inputs.get("project")
        provider = self.recording.resources.get(provider_ref.rsplit("::", 1)[0]) if provider_ref else None
        if provider is None:
            return None, None, None
        return provider.cloud, provider.region, provider.inputs.get("project")


def _encode(state: dict[str, Any]) -> struct_pb2.Struct:
    """A resource's state as the engine sends it back. The state is plain data (inputs as the SDK sent them
    plus computed outputs), which protobuf encodes directly; the SDK's awaitable serializer, with a turn of an
    event loop per resource, is kept for what is not plain data (assets, resource references)."""
    struct = struct_pb2.Struct()
    try:  # null properties are left out, as the SDK leaves them out
        struct.update({key: value for key, value in state.items() if value is not None})
    except ValueError:
        return _sync_await(rpc.serialize_properties(state, {}))
    return struct


def mask_secrets(value: Any) -> Any:
    """Replace every Pulumi secret by a mask so no plan output ever carries its value."""
    if isinstance(value, dict):  # a secret travels as a dict with the secret signature
        if rpc.is_rpc_secret(value):
            return SECRET_MASK
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def record(
    spec: StackSpec, config: dict[str, str] | None = None, secret_keys: list[str] | None = None
) -> list[PlannedResource]:
    """Run the stack's program under mocks and return its resources; raise PlanError if undeployable."""
    from skyweave.program import build

    return run_program(spec.name, partial(build, spec), config, secret_keys)


def run_program(
    stack: str,
    program: Callable[[], object],
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
) -> list[PlannedResource]:
    """Run any Pulumi program function under the recording monitor (a fresh runtime each time).

    Config keys without a namespace belong to the `skyweave` namespace."""
    recording = Recording()

    def full(key: str) -> str:
        return key if ":" in key else f"{PROJECT}:{key}"

    config = {full(k): v for k, v in (config or {}).items()}
    try:
        _ProgramThread(stack, program, recording, config, [full(k) for k in secret_keys or []]).run_to_end()
    except pulumi.ConfigMissingError as exc:
        raise PlanError(f"missing Pulumi config {exc.key}: set it with `pulumi config set {exc.key} ...`") from None
    except ValueError as exc:  # component argument checks (pydantic ValidationError is a ValueError)
        raise PlanError(str(exc)) from None
    resources = tree_order(list(recording.resources.values()))
    _check_deployable(recording, resources)
    place_components(resources)
    return resources


class _ProgramThread(threading.Thread):
    """Runs a program under the recording monitor at the bottom of a new thread's stack.

    Pulumi copies the caller's whole Python stack into every resource registration (source positions for
    the engine), so each frame beneath the program is paid for once per resource; under the command line's
    frames each resource would pay for some twenty more. A new thread also starts from a fresh context (no
    root stack, config or transformation of a previous plan) and gets its own event loop."""

    def __init__(self, stack: str, program: Callable[[], object], recording: Recording,
                 config: dict[str, str], secret_keys: list[str]):
        # A daemon, so an interrupted plan does not keep the process alive.
        super().__init__(name="skyweave-plan", daemon=True)
        self.stack, self.program, self.recording = stack, program, recording
        self.config, self.secret_keys = config, secret_keys
        self.failure: BaseException | None = None

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            mocks.set_mocks(_Mocks(self.recording), project=PROJECT, stack=self.stack, preview=False,
                            monitor=_RecordingMonitor(self.recording))
            pulumi.runtime.set_all_config(self.config, self.secret_keys)
            _sync_await(run_pulumi_func(self.program))
        except BaseException as exc:  # noqa: BLE001 handed to the calling thread
            self.failure = exc
        finally:
            loop.close()

    def run_to_end(self) -> None:
        """Run the program and raise what it raised."""
        self.start()
        self.join()
        if self.failure is not None:
            raise self.failure


def tree_order(resources: list[PlannedResource]) -> list[PlannedResource]:
    """Parents before their children, siblings providers first and then by type and name.

    The monitor sees registrations in whatever order their inputs resolve on Pulumi's worker threads, which
    differs from run to run; a plan (and the manifests written from it) must read the same every time."""
    known = {r.urn for r in resources}
    children: dict[str, list[PlannedResource]] = {}
    for r in resources:
        children.setdefault(r.parent if r.parent in known else "", []).append(r)
    ordered: list[PlannedResource] = []

    def visit(parent: str) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (not r.is_provider, r.type, r.name)):
            ordered.append(r)
            visit(r.urn)

    visit("")
    return ordered


def _check_deployable(recording: Recording, resources: list[PlannedResource]) -> None:
    problems = [f"duplicate URN {urn}" for urn in recording.duplicates]
    problems += [f"the offline plan has no answer for invoke {token}" for token in recording.unanswered_invokes]
    problems += [
        f"{r.urn} would use a default provider; pass the explicit provider of its region"
        for r in resources
        if r.custom and not r.is_provider and not r.provider
    ]
    if problems:
        raise PlanError("\n".join(problems))


def place_components(resources: list[PlannedResource]) -> None:
    """Kubernetes objects sit where their cluster's provider does; a component sits where its children
    do, when they agree."""
    by_urn = {r.urn: r for r in resources}
    for r in resources:
        if r.region is None and r.type == "pulumi:providers:kubernetes" and r.parent in by_urn:
            r.region = by_urn[r.parent].region or _first_region_below(by_urn[r.parent], resources)
    for r in resources:
        provider = by_urn.get(r.provider)
        if provider is not None and provider.type == "pulumi:providers:kubernetes":
            r.cloud, r.region = "kubernetes", provider.region
    by_parent: dict[str, list[PlannedResource]] = {}
    for r in resources:
        by_parent.setdefault(r.parent, []).append(r)
    for r in reversed(resources):  # children register after parents, so nested components come first
        if r.region is None and r.is_component:
            children = [c for c in by_parent.get(r.urn, []) if c.region]
            regions = {c.region for c in children}
            if len(regions) == 1:
                # A cluster's own Kubernetes objects don't make it a Kubernetes component.
                clouds = {c.cloud for c in children} - {"kubernetes"} or {"kubernetes"}
                r.region = regions.pop()
                r.cloud = clouds.pop() if len(clouds) == 1 else None


def _first_region_below(component: PlannedResource, resources: list[PlannedResource]) -> str | None:
    return next((r.region for r in resources if r.parent == component.urn and r.region), None)


def dumps_inputs(inputs: dict[str, Any]) -> str:
    return json.dumps(inputs, sort_keys=True, default=str)
