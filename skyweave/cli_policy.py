"""`skyweave check` and `skyweave policy-config`: the policy pack offline, and its settings for Pulumi."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from skyweave.cli import app, fail_on_bad_input
from skyweave.console import stdout
from skyweave.errors import StackFileError


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


OutputFile = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.", dir_okay=False)
]


@app.command()
def check(
    stack_files: Annotated[
        list[Path], typer.Argument(help="Stack files to judge.", show_default=False, metavar="STACK_FILE")
    ],
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Report format.")] = CheckFormat.table,
    output: OutputFile = None,
    policy_config: Annotated[
        Path | None,
        typer.Option(help="Judge with this --policy-pack-config JSON instead of the stack's own settings.",
                     dir_okay=False, exists=True),
    ] = None,
    compare_to: Annotated[
        Path | None,
        typer.Option(help="Base plan (`skyweave plan --format json` on the base branch) for the cost change.",
                     dir_okay=False, metavar="BASE_PLAN.json"),
    ] = None,
) -> None:
    """Judge stacks with the policy pack, offline: the same policies and settings as `pulumi preview --policy-pack`.

    Exit codes: 0 no mandatory finding, 1 a mandatory finding, 2 bad input.
    """
    from skyweave.pipeline import plan_stack
    from skyweave.plan import PlanError
    from skyweave.policy_config import PolicyConfigError
    from skyweave.policy_eval import judge
    from skyweave.report.compare import BasePlanError, load_base_plans

    try:
        config = _read_json(policy_config) if policy_config else None
        base = load_base_plans(compare_to) if compare_to else None
        plans = [plan_stack(path) for path in stack_files]
        if config is not None:
            for plan in plans:
                plan.violations = judge(plan, config)
    except (StackFileError, PlanError, PolicyConfigError, BasePlanError) as exc:
        raise fail_on_bad_input(exc) from None
    if format is CheckFormat.table:
        _print_table(plans, base, output)
    else:
        _emit(_render(plans, format, base), output)
    if any(p.mandatory_violations for p in plans):
        raise typer.Exit(code=1)


@app.command("policy-config")
def policy_config_command(
    stack_file: Annotated[
        Path, typer.Argument(help="Stack file whose settings to write.", show_default=False, metavar="STACK_FILE")
    ],
    output: OutputFile = None,
) -> None:
    """Write the `--policy-pack-config` JSON that makes `pulumi preview --policy-pack policies` judge a stack
    with the same settings as `skyweave check`: allowed regions, caps, instance allow-list, waivers.

    Exit codes: 0 written, 2 bad input.
    """
    from skyweave.policy_config import policy_config
    from skyweave.stackfile import load_stack

    try:
        spec = load_stack(stack_file)
    except StackFileError as exc:
        raise fail_on_bad_input(exc) from None
    _emit(json.dumps(policy_config(spec), indent=2) + "\n", output)


def _read_json(path: Path) -> Any:
    from skyweave.policy_config import PolicyConfigError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise PolicyConfigError([f"{path}: not JSON ({exc})"]) from None


def _print_table(plans: list, base: dict | None, output: Path | None) -> None:
    from rich.console import Console

    from skyweave.report.text import print_check

    if output is None:
        print_check(plans, stdout(), base)
        return
    with output.open("w", encoding="utf-8") as handle:
        print_check(plans, Console(file=handle, width=160, color_system=None), base)


def _render(plans: list, format: CheckFormat, base: dict | None) -> str:
    from importlib.metadata import version

    from skyweave.report import junit, markdown, sarif, text

    if format is CheckFormat.json:
        return json.dumps(text.check_json(plans, base), indent=2) + "\n"
    if format is CheckFormat.sarif:
        return json.dumps(sarif.to_sarif(plans, version("skyweave")), indent=2) + "\n"
    if format is CheckFormat.junit:
        return junit.to_junit(plans)
    return markdown.pr_comment(plans, base)


def _emit(report: str, output: Path | None) -> None:
    if output is None:
        print(report, end="")
    else:
        output.write_text(report, encoding="utf-8")
