"""`skyweave plan` as a user runs it: formats, the JSON contract, several stacks, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skyweave.cli import app
from tests.conftest import BASE_STACK, ROOT, write_stack

runner = CliRunner()


def test_json_plan_keeps_the_documented_names(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(write_stack(tmp_path, BASE_STACK)), "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert list(plan) == ["stack", "catalog", "resources", "cost", "violations"]
    assert plan["stack"] == "test-eu"
    assert plan["catalog"]["as_of"] == "2026-08-17"
    assert set(plan["resources"][0]) == {"urn", "type", "name", "parent", "cloud", "region", "inputs", "monthly_usd"}
    assert set(plan["cost"]) == {"monthly_usd", "by_component", "by_region"}
    key = next(r for r in plan["resources"] if r["type"] == "aws:kms/key:Key")
    assert (key["region"], key["monthly_usd"]) == ("eu-west-1", 1.0)
    assert plan["cost"]["by_region"] == {"eu-west-1": plan["cost"]["monthly_usd"]}


def test_several_stacks_in_one_run(tmp_path: Path) -> None:
    first = write_stack(tmp_path, BASE_STACK, "a.yaml")
    second = write_stack(tmp_path, {**BASE_STACK, "name": "other-eu"}, "b.yaml")
    result = runner.invoke(app, ["plan", str(first), str(second), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [p["stack"] for p in json.loads(result.stdout)] == ["test-eu", "other-eu"]


def test_table_and_markdown_show_components_regions_and_cost(tmp_path: Path) -> None:
    path = str(write_stack(tmp_path, BASE_STACK))
    table = runner.invoke(app, ["plan", path])
    assert table.exit_code == 0, table.output
    assert "test-eu-aws-budget" in table.stdout and "eu-west-1" in table.stdout
    assert "of a 5,000 cap" in table.stdout
    markdown = runner.invoke(app, ["plan", path, "--format", "markdown"])
    assert "### skyweave plan: `test-eu`" in markdown.stdout
    assert "| test-eu-aws-budget | eu-west-1 | `aws:kms/key:Key` | 1 | 1.00 |" in markdown.stdout


def test_every_example_stack_plans(tmp_path: Path) -> None:
    stacks = sorted(str(p) for p in (ROOT / "stacks").glob("*.yaml"))
    assert len(stacks) >= 2
    result = runner.invoke(app, ["plan", *stacks, "--format", "json"])
    assert result.exit_code == 0, result.output
    for plan in json.loads(result.stdout):
        assert plan["resources"], plan["stack"]
        assert plan["cost"]["monthly_usd"] > 0
