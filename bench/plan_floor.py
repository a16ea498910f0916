"""The floor a plan is measured against: a bare Pulumi program, without skyweave, that imports the same
SDK modules, makes the same invokes and registers the same resources (the SDKs' own classes, with the
recorded inputs, parents, explicit providers and dependencies) under Pulumi's stock mocks.

Each input that the plan took from other resources' outputs is passed as an output of those resources here
too, so the engine sees the same dependency graph (a literal ID would declare a different deployment).
Usage: plan_floor.py RESOURCES.json, a list of stacks, each {"stack", "invokes": [{"token", "args"}],
"resources": [{"urn", "type", "name", "parent", "provider", "inputs", "dependencies",
"property_dependencies"}]}."""

from __future__ import annotations

import gc

gc.disable()  # the same collector settings as the skyweave command (see skyweave.cli.main)

import importlib  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

start = time.perf_counter()

import pulumi  # noqa: E402
from pulumi import _types  # noqa: E402
from pulumi.runtime import mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402


class EchoMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", args.inputs

    def call(self, args: mocks.MockCallArgs) -> dict:
        return {}


def sdk_module(token: str) -> str:
    """The SDK module of a resource or function token ("aws:s3/bucket:Bucket" → pulumi_aws.s3)."""
    package, module_path, _ = token.split(":")
    if package == "kubernetes":  # "networking.k8s.io/v1" lives in pulumi_kubernetes.networking.v1
        group, version = module_path.split("/")
        return f"pulumi_kubernetes.{group.split('.')[0]}.{version}"
    first = module_path.split("/")[0]
    return f"pulumi_{package}" + ("" if first == "index" else f".{first}")


def sdk_class(type_token: str) -> type | None:
    """The SDK class of a type token, imported as a program would; None for component types."""
    package, _, cls = type_token.split(":")
    if package == "pulumi":  # pulumi:providers:aws is pulumi_aws.Provider
        return importlib.import_module(f"pulumi_{cls}").Provider
    if package == "skyweave":
        return None
    return getattr(importlib.import_module(sdk_module(type_token)), cls)


def keyword_names(cls: type) -> dict[str, str]:
    """Wire name → Python keyword of the class's constructor (wire names it does not take are dropped,
    such as a Kubernetes object's apiVersion and kind, which the class sets itself)."""
    accepted = set(inspect.signature(cls._internal_init).parameters)
    # camelCase of each keyword, then the SDK's own names where it has them (providers have none)
    wire_to_py = {re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), py): py for py in accepted}
    wire_to_py.update(_types.resource_pulumi_to_py_names(cls))
    return {wire: py for wire, py in wire_to_py.items() if py in accepted}


def dependencies_first(resources: list[dict]) -> list[dict]:
    """Each resource after its parent, its provider and the resources it depends on."""
    by_urn = {r["urn"]: r for r in resources}
    ordered: list[dict] = []
    placed: set[str] = set()

    def place(r: dict) -> None:
        if r["urn"] in placed:
            return
        placed.add(r["urn"])
        for urn in (r["parent"], r["provider"], *r["dependencies"]):
            if urn in by_urn:
                place(by_urn[urn])
        ordered.append(r)

    for r in resources:
        place(r)
    return ordered


def from_outputs(value: object, upstream: list[pulumi.Resource]) -> object:
    """`value` as an output of the resources it came from, as a program passes `bucket.id` or an ARN."""
    if not upstream:
        return value
    if len(upstream) == 1:
        return upstream[0].urn.apply(lambda _: value)
    return pulumi.Output.all(*(u.urn for u in upstream)).apply(lambda _: value)


def register(stack: dict) -> None:
    for call in stack["invokes"]:
        importlib.import_module(sdk_module(call["token"]))
        pulumi.runtime.invoke_output(call["token"], call["args"])
    made: dict[str, pulumi.Resource] = {}
    classes: dict[str, tuple[type | None, dict[str, str]]] = {}
    for r in dependencies_first(stack["resources"]):
        if r["type"] not in classes:
            cls = sdk_class(r["type"])
            classes[r["type"]] = (cls, keyword_names(cls) if cls else {})
        cls, names = classes[r["type"]]
        kwargs, wired = {}, set()
        for key, value in r["inputs"].items():
            if key in names:
                upstream = r["property_dependencies"].get(key, [])
                kwargs[names[key]] = from_outputs(value, [made[u] for u in upstream])
                wired.update(upstream)
        opts = pulumi.ResourceOptions(parent=made.get(r["parent"]), provider=made.get(r["provider"]),
                                      depends_on=[made[u] for u in r["dependencies"] if u not in wired])
        if cls is None:
            made[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], None, opts)
        else:
            made[r["urn"]] = cls(r["name"], opts=opts, **kwargs)


def main() -> None:
    stacks = json.load(open(sys.argv[1]))
    for index, stack in enumerate(stacks):
        pulumi.runtime.settings.ROOT.set(None)
        mocks.set_mocks(EchoMocks(), project="skyweave", stack=f"{stack['stack']}-{index}", preview=False)
        _sync_await(run_pulumi_func(lambda: register(stack)))
    print(f"{time.perf_counter() - start:.3f}")
    gc.freeze()


main()
