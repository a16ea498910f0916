"""The `skyweave` command: plan stacks offline, list the catalog, pick hardware."""

from __future__ import annotations

import gc
import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from skyweave.catalog.cli import app as catalog_app
from skyweave.console import stderr, stdout
from skyweave.errors import StackFileError

app = typer.Typer(
    help="Infrastructure as code for AI workloads: offline plans, costs and policies for Pulumi stacks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog", help="List GPU offerings, prices and regions; refresh prices.")


DEFAULT_STACK = Path("stacks/prod-eu.yaml")


class PlanFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


StackFiles = Annotated[
    list[Path] | None,
    typer.Argument(help="Stack files to plan (default: stacks/prod-eu.yaml).", show_default=False),
]


@app.callback()
def _commands() -> None:
    """skyweave: GPU pools, inference endpoints, compliant storage, an LLM gateway and budgets on Pulumi."""


def fail_with(problems: list[Any]) -> typer.Exit:
    """Print every problem of bad input, no traceback; exit code 2."""
    from rich.markup import escape

    for problem in problems:  # escaped: messages quote values like [eu-west-1] that are not markup
        stderr().print(f"[red]error[/]: {escape(str(problem))}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def fail_on_bad_input(exc: Exception) -> typer.Exit:
    """Print every problem of a bad stack file (or the error of an undeployable one); exit code 2."""
    return fail_with(exc.problems if isinstance(exc, StackFileError) else [str(exc)])


@app.command()
def plan(
    stack_files: StackFiles = None,
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.table,
    manifests: Annotated[
        Path | None,
        typer.Option(help="Also write the Kubernetes manifests (secrets masked) to DIR/<stack>/<component>.yaml.",
                     metavar="DIR", file_okay=False),
    ] = None,
) -> None:
    """Plan stacks offline: every resource `pulumi up` would create, its monthly cost and policy findings.

    Exit codes: 0 clean, 1 a mandatory policy violation, 2 bad input.
    """
    from skyweave.pipeline import plan_stack
    from skyweave.plan import PlanError

    plans = []
    for path in stack_files or [DEFAULT_STACK]:
        try:
            plans.append(plan_stack(path))
        except (StackFileError, PlanError) as exc:
            raise fail_on_bad_input(exc) from None
    if manifests is not None:
        from skyweave.manifests import write_manifests

        for p in plans:
            write_manifests(p, manifests)
    _print_plans(plans, format)
    if any(p.mandatory_violations for p in plans):
        raise typer.Exit(code=1)


class SelectFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def select(
    stack_file: Annotated[Path, typer.Argument(help="Stack file whose workloads to place.")] = DEFAULT_STACK,
    format: Annotated[SelectFormat, typer.Option("--format", "-f", help="Output format.")] = SelectFormat.table,
) -> None:
    """Show, per workload, the cheapest hardware and regions that meet its needs, the alternatives and why
    other offerings were rejected."""
    from skyweave.selector import SelectionError, select_stack
    from skyweave.selector_output import render_selection_table, selection_json
    from skyweave.stackfile import load_stack

    try:
        selections = select_stack(load_stack(stack_file))
    except (StackFileError, SelectionError) as exc:
        raise fail_on_bad_input(exc) from None
    if format is SelectFormat.json:
        print(json.dumps(selection_json(selections), indent=2))
    else:
        render_selection_table(stdout(), selections)


def _print_plans(plans: list, format: PlanFormat) -> None:
    if format is PlanFormat.json:
        data = [p.to_json() for p in plans]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=False))
        return
    from skyweave.render import markdown, print_table  # rich, for the human formats only

    if format is PlanFormat.markdown:
        print("\n".join(markdown(p) for p in plans))
    else:
        for p in plans:
            print_table(p, stdout())


def main() -> None:
    # The cloud SDKs leave millions of long-lived objects behind their imports, and the cyclic collector
    # would walk them hundreds of times during a plan and once more at exit, for almost no garbage (a
    # 3,300-resource plan peaks at the same memory either way). So commands run without it, and what is
    # left at exit is frozen out of the final collection.
    gc.disable()
    try:
        app()
    finally:
        gc.freeze()


# Commands for stack authors (new, templates, schema, docs) register themselves on `app`.
from skyweave import cli_templates  # noqa: E402, F401
from skyweave import cli_policy  # noqa: E402, F401  (check, policy-config)
