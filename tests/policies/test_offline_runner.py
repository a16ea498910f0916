"""The offline runner hands stack policies what the engine's pack server hands them: each resource linked to
its parent and to the resources its inputs come from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi_policy import StackValidationArgs

from policies.meta import PolicyMeta
from policies.rule import stack_policy
from skyweave.pipeline import plan_stack
from skyweave.policy_config import PolicySettings
from skyweave.policy_eval import evaluate
from tests.conftest import BASE_STACK, write_stack

LOOK = PolicyMeta(id="SKW-GOV-999", name="governance-test-look", title="Looks at the stack.", severity="low",
                  rationale="Test only.", remediation="Nothing to change.", enforcement="advisory")


def test_stack_policies_see_each_resource_parent_and_dependencies(tmp_path: Path) -> None:
    plan = plan_stack(write_stack(tmp_path, {**BASE_STACK, "storage": [{"name": "data", "size_gb": 100}]}))
    seen: dict[str, Any] = {}

    def look(args: StackValidationArgs) -> list:
        seen.update((r.name, r) for r in args.resources)
        return []

    evaluate(plan.resources, {LOOK.name: PolicySettings("advisory", {})}, plan.spec.name, [stack_policy(LOOK, look)])
    versioning = next(r for r in seen.values() if r.resource_type == "aws:s3/bucketVersioning:BucketVersioning"
                      and r.props["bucket"] == seen["test-eu-data"].props["bucket"])
    bucket = seen["test-eu-data"]
    assert versioning.property_dependencies["bucket"] == [bucket]
    assert bucket in versioning.dependencies
    assert versioning.parent is bucket.parent and bucket.parent.resource_type == "skyweave:storage:CompliantBucket"
