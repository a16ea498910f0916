"""The floor a plan is measured against: a bare process that imports the same SDK modules and registers
the same resources under Pulumi's stock mocks, without skyweave. Usage: plan_floor.py PLAN.json"""

from __future__ import annotations

import importlib
import json
import sys
import time

start = time.perf_counter()

import pulumi  # noqa: E402
from pulumi.runtime import mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402


class EchoMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", args.inputs

    def call(self, args: mocks.MockCallArgs) -> dict:
        return {}


def load_sdk_class(type_token: str) -> None:
    """Import the SDK module of a type and touch its class, as the real program does."""
    package, module_path, cls = type_token.split(":")
    if package in ("pulumi", "skyweave"):
        return
    if package == "kubernetes":  # "networking.k8s.io/v1" lives in pulumi_kubernetes.networking.v1
        group, version = module_path.split("/")
        module = f"pulumi_kubernetes.{group.split('.')[0]}.{version}"
    else:
        first = module_path.split("/")[0]
        module = f"pulumi_{package}" + ("" if first == "index" else f".{first}")
    getattr(importlib.import_module(module), cls)


def register(resources: list[dict]) -> None:
    made: dict[str, pulumi.Resource] = {}
    for r in resources:
        parent = made.get(r["parent"])
        opts = pulumi.ResourceOptions(parent=parent)
        if r["type"].startswith("pulumi:providers:"):
            made[r["urn"]] = pulumi.ProviderResource(r["type"].rsplit(":", 1)[1], r["name"], r["inputs"], opts)
        elif r["type"].startswith("skyweave:"):
            made[r["urn"]] = pulumi.ComponentResource(r["type"], r["name"], None, opts)
        else:
            made[r["urn"]] = pulumi.CustomResource(r["type"], r["name"], r["inputs"], opts)


def main() -> None:
    plans = json.load(open(sys.argv[1]))
    for index, plan in enumerate(plans if isinstance(plans, list) else [plans]):
        for r in plan["resources"]:
            load_sdk_class(r["type"])
        pulumi.runtime.settings.ROOT.set(None)
        mocks.set_mocks(EchoMocks(), project="skyweave", stack=f"{plan['stack']}-{index}", preview=False)
        _sync_await(run_pulumi_func(lambda: register(plan["resources"])))
    print(f"{time.perf_counter() - start:.3f}")


main()
