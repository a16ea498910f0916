"""Terminal and JSON views of `skyweave check` results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from skyweave.pipeline import StackPlan
from skyweave.report.compare import cost_diff
from skyweave.report.locate import stack_line


def counts(plan: StackPlan) -> dict[str, int]:
    found = {"mandatory": 0, "advisory": 0, "waived": 0}
    for v in plan.violations:
        found[v.enforcement] = found.get(v.enforcement, 0) + 1
    return found


def print_check(plans: Sequence[StackPlan], console: Console, base: Mapping[str, dict[str, Any]] | None) -> None:
    for plan in plans:
        found = counts(plan)
        cap = plan.spec.budget.monthly_cap_usd
        change = ""
        if base is not None:
            change = f" ({cost_diff(plan, base.get(plan.spec.name, {})).diff:+,.2f} against the base)"
        console.print(
            f"[bold]{plan.spec.name}[/] ({plan.path}): {found['mandatory']} mandatory, {found['advisory']} advisory, "
            f"{found['waived']} waived · estimated {plan.cost.monthly_usd:,.2f} USD/month of a {cap:,.0f} cap{change}",
            highlight=False,
        )
        if not plan.violations:
            continue
        table = Table(show_lines=False)
        for column in ("line", "id", "level", "resource", "finding"):
            table.add_column(column, overflow="fold")
        for v in plan.violations:
            finding = v.message + (f" [dim](waiver: {v.waiver})[/]" if v.waiver else "")
            table.add_row(str(stack_line(plan, v)), v.id, v.enforcement, v.urn.rsplit("::", 1)[-1], finding)
        console.print(table)


def check_json(plans: Sequence[StackPlan], base: Mapping[str, dict[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for plan in plans:
        entry: dict[str, Any] = {
            "stack": plan.spec.name,
            "path": plan.path,
            "counts": counts(plan),
            "cost": plan.cost.to_json(),
            "findings": [{**v.to_json(), "line": stack_line(plan, v)} for v in plan.violations],
        }
        if base is not None:
            diff = cost_diff(plan, base.get(plan.spec.name, {}))
            entry["cost_change"] = {
                "monthly_usd": round(diff.diff, 2),
                "by_component": {c.key: round(c.diff, 2) for c in diff.by_component},
                "by_region": {c.key: round(c.diff, 2) for c in diff.by_region},
            }
        out.append(entry)
    return out
