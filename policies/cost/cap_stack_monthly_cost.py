"""SKW-COST-001: the stack's estimated monthly cost, by skyweave's cost model, stays under its cap."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import StackValidationArgs

from policies.cost.pricing import price
from policies.meta import MONTHLY_CAP, STACK_SPEC, PolicyMeta
from policies.rule import StackFinding, required, stack_policy

META = PolicyMeta(
    id="SKW-COST-001",
    name="cost-stack-under-cap",
    title="The stack's estimated monthly cost is at most its monthly cap.",
    severity="high",
    rationale=(
        "GPU capacity is the largest line on the bill and scales by the node; a change that pushes an "
        "environment over its budget should be a reviewed decision, not a surprise on the invoice."
    ),
    remediation=(
        "Lower node counts, pick cheaper instance types or spot capacity, or raise `budget.monthly_cap_usd` "
        "in the stack file (a reviewed change)."
    ),
    config={**MONTHLY_CAP, **STACK_SPEC},
    required_config=("monthlyCapUsd", "stack"),
)


def check(args: StackValidationArgs) -> Iterator[StackFinding]:
    cap = float(required(args.get_config(), "monthlyCapUsd"))
    _, _, summary = price(args)
    if summary.unpriced_types:
        yield None, (
            f"cannot verify the cap: skyweave has no price for {', '.join(summary.unpriced_types)}; "
            f"register a pricing function for each type in skyweave/cost/"
        )
    if summary.monthly_usd > cap:
        top = sorted(summary.by_component.items(), key=lambda kv: -kv[1])[:3]
        biggest = ", ".join(f"{name} {usd:,.2f}" for name, usd in top)
        yield None, (
            f"estimated {summary.monthly_usd:,.2f} USD/month is {summary.monthly_usd - cap:,.2f} over the cap of "
            f"{cap:,.2f} USD/month (largest: {biggest}); reduce capacity or raise budget.monthly_cap_usd"
        )


POLICY = stack_policy(META, check)
