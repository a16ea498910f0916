"""The offline policy runner: the pack's own policies, judged over the offline plan as the engine would.

Each planned resource becomes what the engine sends the pack: `ResourceValidationArgs` with the wire-form
inputs as props, the explicit provider (with its inputs) and `protect`; then one `StackValidationArgs`
over every resource with its outputs as props (the plan's inputs plus the computed outputs the offline
plan answers with), its parent and its dependencies. Settings come from `reconcile` over the stack's
policy config, exactly what `Configure` gets under `pulumi preview --policy-pack`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
)

from skyweave import mock_outputs
from skyweave.pipeline import StackPlan, Violation
from skyweave.plan import PROJECT, PlannedResource
from skyweave.policy_config import PolicySettings, policy_config, reconcile


def judge(plan: StackPlan, config: Mapping[str, Any] | None = None) -> list[Violation]:
    """Findings of the whole pack over a plan; `config` defaults to the stack's own policy config."""
    from policies.pack import POLICIES

    settings = reconcile(POLICIES, config if config is not None else policy_config(plan.spec, plan.catalog))
    return evaluate(plan.resources, settings, plan.spec.name, POLICIES)


def evaluate(
    resources: Sequence[PlannedResource], settings: Mapping[str, PolicySettings], stack: str, policies: Sequence[Any]
) -> list[Violation]:
    """Run every enabled policy: resource policies per resource, then stack policies once."""
    by_urn = {r.urn: r for r in resources}
    providers = {r.urn: _provider(r, by_urn) for r in resources}
    options = {r.urn: _options(r) for r in resources}
    analyzed = [(r.type, r.inputs, r.urn, r.name, options[r.urn], providers[r.urn]) for r in resources]
    stack_resources = _stack_resources(resources, providers, options)
    stack_urn = f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"
    violations: list[Violation] = []
    for policy in policies:
        setting = settings[policy.name]
        if setting.level == "disabled":
            continue
        report = _Reporter(policy.meta, setting.level, stack_urn, violations)
        if isinstance(policy, StackValidationPolicy):
            policy.validate(StackValidationArgs(stack_resources, setting.props), report)
            continue
        for resource_type, props, urn, name, opts, provider in analyzed:
            if policy.types is not None and resource_type not in policy.types:
                continue  # the policy would return at once: its types are not this one
            report.urn = urn
            policy.validate(ResourceValidationArgs(resource_type, props, urn, name, opts, provider, setting.props), report)
    return violations


class _Reporter:
    """The `report_violation` callback; also takes the waived findings the policies report to it."""

    def __init__(self, meta: Any, level: str, stack_urn: str, into: list[Violation]):
        self.meta, self.stack_urn, self.into = meta, stack_urn, into
        self.enforcement = "mandatory" if level == "remediate" else level  # as the engine downgrades it
        self.urn = stack_urn

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.into.append(self._violation(message, urn, self.enforcement, None))

    def waived(self, message: str, urn: str | None, reason: str) -> None:
        self.into.append(self._violation(message, urn, "waived", reason))

    def _violation(self, message: str, urn: str | None, enforcement: str, waiver: str | None) -> Violation:
        return Violation(self.meta.id, self.meta.name, self.meta.severity, enforcement, urn or self.urn, message, waiver)


def _options(r: PlannedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(r.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], r.parent or None)


def _provider(r: PlannedResource, by_urn: Mapping[str, PlannedResource]) -> PolicyProviderResource | None:
    found = by_urn.get(r.provider) if r.provider else None
    return PolicyProviderResource(found.type, found.inputs, found.urn, found.name) if found else None


def outputs(r: PlannedResource) -> dict[str, Any]:
    """What the engine hands stack policies: the resource's outputs (a component's are its registered
    outputs, which the offline plan does not keep)."""
    if not r.custom or r.is_provider:
        return dict(r.inputs) if r.is_provider else {}
    state = mock_outputs.outputs_for(r.type, r.name, r.inputs, r.region or "")  # inputs included
    return {**state, "id": mock_outputs.physical_id(r.type, r.name, r.inputs)}


def _stack_resources(
    resources: Sequence[PlannedResource],
    providers: Mapping[str, PolicyProviderResource | None],
    options: Mapping[str, PolicyResourceOptions],
) -> list[PolicyResource]:
    by_urn = {
        r.urn: PolicyResource(r.type, outputs(r), r.urn, r.name, options[r.urn], providers[r.urn], None, [], {})
        for r in resources
    }
    for r in resources:  # parents and dependencies as resource objects, as the engine's pack server links them
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent)
        resource.dependencies = [by_urn[u] for u in r.dependencies if u in by_urn]
        resource.property_dependencies = {
            key: [by_urn[u] for u in urns if u in by_urn] for key, urns in r.property_dependencies.items()
        }
    return list(by_urn.values())
