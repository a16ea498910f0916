"""The floor a plan is measured against: a bare Pulumi program, without skyweave, that imports the same
SDK modules and registers the same resources (the SDKs' own classes, with the recorded inputs, parents
and explicit providers) under Pulumi's stock mocks. Usage: plan_floor.py RESOURCES.json, a list of
stacks, each {"stack", "resources": [{"urn", "type", "name", "parent", "provider", "inputs"}]}."""

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


def sdk_class(type_token: str) -> type | None:
    """The SDK class of a type token, imported as a program would; None for component types."""
    package, module_path, cls = type_token.split(":")
    if package == "pulumi":  # pulumi:providers:aws is pulumi_aws.Provider
        return importlib.import_module(f"pulumi_{cls}").Provider
    if package == "skyweave":
        return None
    if package == "kubernetes":  # "networking.k8s.io/v1" lives in pulumi_kubernetes.networking.v1
        group, version = module_path.split("/")
        module = f"pulumi_kubernetes.{group.split('.')[0]}.{version}"
    else:
        first = module_path.split("/")[0]
        module = f"pulumi_{package}" + ("" if first == "index" else f".{first}")
    return getattr(importlib.import_module(module), cls)


def keyword_names(cls: type) -> dict[str, str]:
    """Wire name → Python keyword of the class's constructor (wire names it does not take are dropped,
    such as a Kubernetes object's apiVersion and kind, which the class sets itself)."""
    accepted = set(inspect.signature(cls._internal_init).parameters)
    # camelCase of each keyword, then the SDK's own names where it has them (providers have none)
    wire_to_py = {re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), py): py for py in accepted}
    wire_to_py.update(_types.resource_pulumi_to_py_names(cls))
    return {wire: py for wire, py in wire_to_py.items() if py in accepted}


def register(resources: list[dict]) -> None:
    made: dict[str, pulumi.Resource] = {}
    classes: dict[str, tuple[type | None, dict[str, str]]] = {}
    for r in resources:
        if r["type"] not in classes:
            cls = sdk_class(r["type"])
            classes[r["type"]] = (cls, keyword_names(cls) if cls else {})
        cls, names = classes[r["type"]]
        provider = made.get(r["provider"])
        opts = pulumi.ResourceOptions(parent=made.get(r["parent"]), provider=provider)
        if cls is None:
            made[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], None, opts)
        else:
            kwargs = {names[k]: v for k, v in r["inputs"].items() if k in names}
            made[r["urn"]] = cls(r["name"], opts=opts, **kwargs)


def main() -> None:
    stacks = json.load(open(sys.argv[1]))
    for index, stack in enumerate(stacks):
        pulumi.runtime.settings.ROOT.set(None)
        mocks.set_mocks(EchoMocks(), project="skyweave", stack=f"{stack['stack']}-{index}", preview=False)
        _sync_await(run_pulumi_func(lambda: register(stack["resources"])))
    print(f"{time.perf_counter() - start:.3f}")
    gc.freeze()


main()
