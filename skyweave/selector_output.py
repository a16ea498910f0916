"""What `skyweave select` shows: JSON for scripts and a terminal view for people."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from skyweave.selector import CAPACITY_WORDS, Placement, Selection

# Rejections beyond this many are summarised in one line; the JSON keeps them all.
REJECTIONS_SHOWN = 12


def _placement_json(placement: Placement) -> dict:
    return {
        "cloud": placement.cloud,
        "regions": list(placement.regions),
        "instance_type": placement.instance_type,
        "count": placement.nodes,
        "capacity_type": placement.capacity_type,
        "monthly_usd": round(placement.monthly_usd, 2),
    }


def selection_json(selections: Sequence[Selection]) -> list[dict]:
    """One object per workload; ``count`` is nodes per region."""
    return [
        {
            "workload": selection.workload,
            **_placement_json(selection.pick),
            "alternatives": [_placement_json(alternative) for alternative in selection.alternatives],
            "rejected": [{"instance_type": r.subject, "reason": r.reason} for r in selection.rejected],
        }
        for selection in selections
    ]


def _options_table(selection: Selection) -> Table:
    title = f"workload {selection.workload}" + (" (pinned)" if selection.pinned else "")
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("", "left"),
        ("cloud", "left"),
        ("regions", "left"),
        ("instance type", "left"),
        ("accelerators", "left"),
        ("nodes/region", "right"),
        ("capacity", "left"),
        ("USD/hour", "right"),
        ("USD/month", "right"),
    ):
        table.add_column(column, justify=justify)
    rows = [("pick", selection.pick)] + [(f"alt {i}", a) for i, a in enumerate(selection.alternatives, 1)]
    for label, placement in rows:
        sizing = placement.sizing
        table.add_row(
            f"[bold]{label}[/]" if label == "pick" else label,
            placement.cloud,
            ", ".join(placement.regions),
            placement.instance_type,
            f"{sizing.accelerator_count} x {placement.accelerator}, {sizing.accelerators_per_replica} per replica",
            str(placement.nodes),
            CAPACITY_WORDS[placement.capacity_type],
            f"{placement.hourly_usd:,.2f}",
            f"{placement.monthly_usd:,.2f}",
        )
    return table


def render_selection_table(console: Console, selections: Sequence[Selection]) -> None:
    """Per workload: the pick and alternatives, why, the sizing arithmetic, and what was ruled out."""
    for selection in selections:
        console.print(_options_table(selection))
        console.print("[bold]why[/]")
        for reason in selection.pick.reasons:
            console.print(f"  - {reason}", markup=False)
        console.print("[bold]sizing[/]")
        for line in selection.explain():
            console.print(f"  {line}", markup=False)
        if selection.rejected:
            console.print("[bold]ruled out[/]")
            for rejection in selection.rejected[:REJECTIONS_SHOWN]:
                console.print(f"  {rejection.subject}: {rejection.reason}", markup=False)
            hidden = len(selection.rejected) - REJECTIONS_SHOWN
            if hidden > 0:
                console.print(f"  ... and {hidden} more (--format json lists all)", markup=False)
        console.print()
