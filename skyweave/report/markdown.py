"""The pull-request comment of `skyweave check`: verdict, findings with their fix, and the cost change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from skyweave.pipeline import StackPlan, Violation
from skyweave.report.compare import CostChange, cost_diff
from skyweave.report.locate import stack_line

MARKER = "<!-- skyweave-check -->"
"""First line of the comment, so CI updates its own comment instead of adding one per push."""


def pr_comment(plans: Sequence[StackPlan], base: Mapping[str, dict[str, Any]] | None = None) -> str:
    mandatory = sum(len(p.mandatory_violations) for p in plans)
    verdict = f"**{mandatory} mandatory finding(s)**, the merge is blocked" if mandatory else "**no mandatory findings**"
    lines = [MARKER, f"## skyweave check: {verdict}", ""]
    for plan in plans:
        lines += _stack_section(plan, None if base is None else base.get(plan.spec.name, {}))
    return "\n".join(lines).rstrip() + "\n"


def _stack_section(plan: StackPlan, base: dict[str, Any] | None) -> list[str]:
    from policies.pack import BY_ID

    cap = plan.spec.budget.monthly_cap_usd
    share = plan.cost.monthly_usd / cap * 100 if cap else 0.0
    lines = [f"### `{plan.spec.name}` ({plan.path})", "",
             f"Estimated **{plan.cost.monthly_usd:,.2f} USD/month**, {share:.0f}% of the {cap:,.0f} USD cap "
             f"(prices as of {plan.catalog.as_of})."]
    if base is not None:
        lines += _cost_change(plan, base)
    active = [v for v in plan.violations if v.enforcement != "waived"]
    waived = [v for v in plan.violations if v.enforcement == "waived"]
    lines += ["", "#### Findings", ""]
    if not active:
        lines.append("None.")
    else:
        lines += ["| | Policy | Resource | Finding | Fix |", "|---|---|---|---|---|"]
        lines += [
            f"| {_badge(v)} | {v.id} | `{_resource(v)}` | {_cell(v.message)} (line {stack_line(plan, v)}) | "
            f"{_cell(BY_ID[v.id].remediation)} |"
            for v in active
        ]
    if waived:
        lines += ["", "<details><summary>Waived findings</summary>", "",
                  "| Policy | Resource | Finding | Waiver |", "|---|---|---|---|"]
        lines += [f"| {v.id} | `{_resource(v)}` | {_cell(v.message)} | {_cell(v.waiver or '')} |" for v in waived]
        lines += ["", "</details>"]
    return lines + [""]


def _cost_change(plan: StackPlan, base: dict[str, Any]) -> list[str]:
    diff = cost_diff(plan, base)
    lines = ["", f"Change against the base: **{_signed(diff.diff)} USD/month** "
                 f"({diff.base_total:,.2f} → {diff.head_total:,.2f})."]
    for title, changes in (("component", diff.by_component), ("region", diff.by_region)):
        if changes:
            lines += ["", f"| {title} | base | this change | difference |", "|---|---:|---:|---:|"]
            lines += [_change_row(c) for c in changes]
    return lines


def _change_row(change: CostChange) -> str:
    return f"| {change.key} | {change.base:,.2f} | {change.head:,.2f} | {_signed(change.diff)} |"


def _signed(value: float) -> str:
    return f"{value:+,.2f}"


def _badge(violation: Violation) -> str:
    return "**mandatory**" if violation.enforcement == "mandatory" else violation.enforcement


def _resource(violation: Violation) -> str:
    return violation.urn.rsplit("::", 1)[-1]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
