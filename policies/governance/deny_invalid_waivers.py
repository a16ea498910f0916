"""SKW-GOV-001: every waiver names a policy of the pack, says why, and has not expired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pulumi_policy import StackValidationArgs

from policies.meta import WAIVERS_SCHEMA, PolicyMeta
from policies.rule import StackFinding, stack_policy, waiver_problem

META = PolicyMeta(
    id="SKW-GOV-001",
    name="governance-valid-waivers",
    title="Every waiver names a policy of the pack, gives a reason and has not expired.",
    severity="medium",
    rationale=(
        "A waiver accepts a risk for a while; without a reason no reviewer can judge it, and an expired one "
        "means the risk was never fixed. Either way it must not silently keep findings quiet."
    ),
    remediation=(
        "Fix the finding and delete the waiver, or give it a `reason:` and a new `expires:` date in the stack "
        "file's `waivers:` (a reviewed change)."
    ),
    config={
        "allWaivers": {**WAIVERS_SCHEMA, "description": "Every waiver of the stack file, to be judged."},
        "policyIds": {"type": "array", "items": {"type": "string"}, "description": "IDs of the pack's policies."},
    },
)


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    config = args.get_config()
    known = set(config.get("policyIds") or [])
    today = dt.date.today()
    for index, waiver in enumerate(config.get("allWaivers") or []):
        label = f"waivers[{index}] ({waiver.get('policy')} on {waiver.get('resource') or '*'})"
        if known and waiver.get("policy") not in known:
            yield None, f"{label} names no policy of the pack; use one of: {', '.join(sorted(known))}"
        problem = waiver_problem(waiver, today)
        if problem:
            yield None, f"{label} {problem}"


POLICY = stack_policy(META, check)
