"""Human views of a plan: a terminal table and a Markdown summary for pull requests."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.console import Console
from rich.table import Table

from skyweave.cost.core import top_component
from skyweave.diagram import mermaid
from skyweave.pipeline import StackPlan


def _groups(plan: StackPlan) -> list[tuple[str, str, str, int, float]]:
    """(component, region, type, count, monthly USD) rows, ordered by component then region."""
    by_urn = {r.urn: r for r in plan.resources}
    counts: Counter[tuple[str, str, str]] = Counter()
    costs: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in plan.resources:
        if not r.custom or r.is_provider:
            continue
        key = (top_component(r, by_urn), r.region or "global", r.type)
        counts[key] += 1
        costs[key] += r.monthly_usd or 0.0
    return [(*key, counts[key], costs[key]) for key in sorted(counts)]


def print_table(plan: StackPlan, console: Console) -> None:
    table = Table(title=f"skyweave plan: {plan.spec.name} ({plan.path})", title_justify="left")
    table.add_column("component")
    table.add_column("region")
    table.add_column("resource type", overflow="fold")
    table.add_column("count", justify="right")
    table.add_column("USD/month", justify="right")
    for component, region, type_token, count, usd in _groups(plan):
        table.add_row(component, region, type_token, str(count), f"{usd:,.2f}")
    console.print(table)
    regions = ", ".join(f"{k} {v:,.2f}" for k, v in sorted(plan.cost.by_region.items())) or "none"
    cap = plan.spec.budget.monthly_cap_usd
    console.print(
        f"{sum(1 for r in plan.resources if r.custom and not r.is_provider)} resources · "
        f"estimated [bold]{plan.cost.monthly_usd:,.2f} USD/month[/] of a {cap:,.0f} cap · by region: {regions} · "
        f"prices as of {plan.catalog.as_of}"
    )
    _print_violations(plan, console)


def _print_violations(plan: StackPlan, console: Console) -> None:
    if not plan.violations:
        console.print("[green]policies: no findings[/]")
        return
    table = Table(title="policy findings", title_justify="left")
    for column in ("id", "severity", "enforcement", "resource", "message"):
        table.add_column(column)
    for v in plan.violations:
        table.add_row(v.id, v.severity, v.enforcement, v.urn.rsplit("::", 1)[-1], v.message)
    console.print(table)


def markdown(plan: StackPlan) -> str:
    lines = [
        f"### skyweave plan: `{plan.spec.name}`",
        "",
        f"Estimated **{plan.cost.monthly_usd:,.2f} USD/month** (cap {plan.spec.budget.monthly_cap_usd:,.0f}); "
        f"prices as of {plan.catalog.as_of}.",
        "",
        "| component | region | resource type | count | USD/month |",
        "|---|---|---|---:|---:|",
    ]
    lines += [f"| {c} | {r} | `{t}` | {n} | {usd:,.2f} |" for c, r, t, n, usd in _groups(plan)]
    lines += ["", "#### What gets deployed", "", "```mermaid", mermaid(plan).rstrip("\n"), "```"]
    lines += ["", "#### Policy findings", ""]
    if not plan.violations:
        lines.append("No findings.")
    else:
        lines += ["| id | severity | enforcement | resource | message |", "|---|---|---|---|---|"]
        lines += [
            f"| {v.id} | {v.severity} | {v.enforcement} | `{v.urn.rsplit('::', 1)[-1]}` | {v.message} |"
            for v in plan.violations
        ]
    return "\n".join(lines) + "\n"
