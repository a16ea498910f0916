"""Build what the engine hands a policy (resource or stack args), run one policy, collect what it reports."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, unknown_checking_proxy

UNKNOWN = UNKNOWN_STRING_VALUE
UNKNOWN_NUMBER = UNKNOWN_NUMBER_VALUE
STACK = "test"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::skyweave::{type_token}::{name}"


def provider(cloud: str, region: str | None, **props: Any) -> PolicyProviderResource:
    type_token = f"pulumi:providers:{cloud}"
    name = f"{cloud}-{region}" if region else cloud
    return PolicyProviderResource(type_token, {**({"region": region} if region else {}), **props}, urn(type_token, name), name)


def options(protect: bool = False, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def resource_args(
    type_token: str,
    props: dict[str, Any],
    config: dict[str, Any] | None = None,
    *,
    name: str = "res",
    region: str | None = "eu-west-1",
    protect: bool = False,
    the_provider: PolicyProviderResource | None = None,
    preview: bool = False,
) -> ResourceValidationArgs:
    """Args of one resource with the explicit provider of `region` (AWS/GCP/Kubernetes types)."""
    cloud = type_token.split(":", 1)[0]
    if the_provider is None and cloud in ("aws", "gcp", "kubernetes"):
        the_provider = provider(cloud, region if cloud != "kubernetes" else None)
    shown = unknown_checking_proxy(props) if preview else props
    return ResourceValidationArgs(type_token, shown, urn(type_token, name), name, options(protect), the_provider, config or {})


def stack_resource(
    type_token: str,
    props: dict[str, Any],
    *,
    name: str,
    region: str | None = "eu-west-1",
    protect: bool = False,
    preview: bool = False,
    depends: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    cloud = type_token.split(":", 1)[0]
    the_provider = provider(cloud, region) if cloud in ("aws", "gcp") else None
    shown = unknown_checking_proxy(props) if preview else props
    return PolicyResource(type_token, shown, urn(type_token, name), name, options(protect), the_provider, None, [],
                          depends or {})


class Reports:
    """The `report_violation` callback, with the `waived` channel the offline runner offers."""

    def __init__(self) -> None:
        self.violations: list[tuple[str | None, str]] = []
        self.waived_findings: list[tuple[str | None, str, str]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.violations.append((urn, message))

    def waived(self, message: str, urn: str | None, reason: str) -> None:
        self.waived_findings.append((urn, message, reason))

    @property
    def messages(self) -> list[str]:
        return [message for _, message in self.violations]


def run(policy: Any, args: Any) -> Reports:
    reports = Reports()
    policy.validate(args, reports)
    return reports


def messages(policy: Any, args: Any) -> list[str]:
    """Violation messages only."""
    return run(policy, args).messages


def stack(resources: list[PolicyResource], config: dict[str, Any]) -> StackValidationArgs:
    return StackValidationArgs(resources, config)
