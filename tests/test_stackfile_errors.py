"""A bad stack file gets every problem at once: file, line, field path, what was given and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.errors import StackFileError
from skyweave.stackfile import load_stack

GOOD = """\
name: team-eu
environment: prod
owner: {team: search, cost_center: CC-7}
clouds: [aws]
residency: eu
budget:
  monthly_cap_usd: 1000
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    with pytest.raises(StackFileError) as caught:
        load_stack(path)
    return [str(p).replace(str(path), "stack.yaml") for p in caught.value.problems]


def test_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(GOOD)
    spec = load_stack(path)
    assert spec.name == "team-eu"
    assert spec.residency.jurisdictions == ["eu"]
    assert spec.budget.alert_thresholds_pct == [50, 80, 100]


def test_sections_left_out_are_the_same_as_written_out_empty(tmp_path: Path) -> None:
    workload = "workloads:\n  - {name: chat, kind: inference, model: {parameters_b: 8}%s}\n"
    gateway = "gateway:\n  routes: [{name: chat, model: bedrock/anthropic.claude-3-haiku-20240307-v1:0, region: eu-west-1}]%s\n"
    left_out, written = (tmp_path / "left-out.yaml", tmp_path / "written.yaml")
    left_out.write_text(GOOD + workload % "" + gateway % "")
    written.write_text(GOOD + "price_book: {}\nusage: {}\n" + workload % ", capacity: {}, pool: {}"
                       + gateway % "\n  replicas: {}\n  master_key: {config: gatewayMasterKey}")
    assert load_stack(left_out) == load_stack(written)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD + "workloads: [\n  - name: x\n") == [
        "stack.yaml:9: <top>: YAML syntax error: did not find expected node content ('-' at column 3)"
    ]


def test_a_tab_in_the_indentation_is_named(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD + "workloads:\n\t- name: x\n") == [
        "stack.yaml:9: <top>: YAML syntax error: found character that cannot start any token ('\\t' at column 1)"
    ]


def test_a_key_given_twice_names_both_lines(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD + "environment: dev\n") == [
        "stack.yaml:8: <top>: YAML error: key 'environment' is given twice (first on line 2)"
    ]


def test_values_read_as_yaml_1_2(tmp_path: Path) -> None:
    """`on`, `no` and `yes` are words, not booleans: a team called `on` keeps its name."""
    path = tmp_path / "stack.yaml"
    path.write_text(GOOD.replace("team: search", "team: on"))
    assert load_stack(path).owner.team == "on"


def test_not_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "- a\n- b\n") == [
        "stack.yaml:1: <top>: a stack file is a YAML mapping (name:, owner:, ...)"
    ]


def test_unknown_key_suggests_the_close_match(tmp_path: Path) -> None:
    text = GOOD.replace("monthly_cap_usd: 1000", "monthly_cap_usdd: 1000")
    assert problems(tmp_path, text) == [
        "stack.yaml:6: budget.monthly_cap_usd: required field is missing",
        "stack.yaml:7: budget.monthly_cap_usdd: unknown field 'monthly_cap_usdd' (did you mean 'monthly_cap_usd'?); "
        "allowed: alert_thresholds_pct, anomaly_detection, anomaly_threshold_usd, gcp_billing_account, "
        "monthly_cap_usd, notify_emails",
    ]


def test_every_schema_error_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace("clouds: [aws]", "clouds: [aws, azure]")
        .replace("monthly_cap_usd: 1000", "monthly_cap_usd: -5")
        .replace("name: team-eu", "name: Team_EU")
    )
    text += "workloads:\n  - name: chat\n    kind: inferense\n    model: {parameters_b: 8, precison: bf16}\n"
    assert problems(tmp_path, text) == [
        "stack.yaml:1: name: given 'Team_EU'; use lowercase letters, digits and '-', starting with a letter (2-40 characters)",
        "stack.yaml:4: clouds[1]: given 'azure'; allowed: 'aws' or 'gcp'",
        "stack.yaml:7: budget.monthly_cap_usd: Input should be greater than 0; given -5",
        "stack.yaml:10: workloads[0].kind: given 'inferense' (did you mean 'inference'?); "
        "allowed: 'inference', 'training', 'batch' or 'serverless'",
        "stack.yaml:11: workloads[0].model.precison: unknown field 'precison' (did you mean 'precision'?); "
        "allowed: concurrency, context_tokens, gpu_memory_gb, name, parameters_b, precision",
    ]


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace("monthly_cap_usd: 1000", "monthly_cap_usd: lots")
    assert problems(tmp_path, text) == [
        "stack.yaml:7: budget.monthly_cap_usd: Input should be a valid number, unable to parse string as a number; "
        "given 'lots'"
    ]


def test_impossible_combination(tmp_path: Path) -> None:
    text = GOOD.replace("monthly_cap_usd: 1000", "monthly_cap_usd: 1000\n  alert_thresholds_pct: []")
    text += "workloads:\n  - name: chat\n    kind: inference\n    model: {precision: int4}\n"
    text += "    capacity: {min_nodes: 5, max_nodes: 2}\n"
    assert problems(tmp_path, text) == [
        "stack.yaml:8: budget.alert_thresholds_pct: give at least one threshold, e.g. [80, 100]",
        "stack.yaml:12: workloads[0].model: say how big the model is: give name, parameters_b or gpu_memory_gb",
        "stack.yaml:13: workloads[0].capacity: min_nodes 5 is above max_nodes 2",
    ]


def test_unknown_regions_and_jurisdictions(tmp_path: Path) -> None:
    text = GOOD.replace("residency: eu", "residency: {jurisdictions: [eu, europe], regions: [eu-west-9, eu-west-1]}")
    found = problems(tmp_path, text)
    assert found[0].startswith("stack.yaml:5: residency.jurisdictions[1]: unknown jurisdiction 'europe'; allowed: ")
    assert "eea" in found[0] and "uk" in found[0]
    assert found[1] == "stack.yaml:5: residency.regions[0]: unknown region 'eu-west-9' for clouds aws (did you mean 'eu-west-3'?)"
    assert len(found) == 2


def test_pinned_hardware_is_checked_against_the_catalog_and_residency(tmp_path: Path) -> None:
    text = GOOD + (
        "workloads:\n"
        "  - name: chat\n    kind: inference\n    model: {parameters_b: 8}\n"
        "    redundancy_regions: 2\n"
        "    hardware: {cloud: aws, regions: [us-east-1], instance_type: g6e.12xlarg, capacity_type: spot}\n"
    )
    assert problems(tmp_path, text) == [
        "stack.yaml:13: workloads[0].hardware.instance_type: unknown aws instance type 'g6e.12xlarg' "
        "(did you mean 'g6e.12xlarge'?)",
        "stack.yaml:13: workloads[0].hardware.regions[0]: region 'us-east-1' is outside the stack's residency; "
        "allowed aws regions: eu-central-1, eu-north-1, eu-south-1, eu-south-2, eu-west-1, eu-west-3",
        "stack.yaml:13: workloads[0].hardware.regions: 1 region(s) pinned but redundancy_regions is 2",
        "stack.yaml:13: workloads[0].hardware.capacity_type: spot capacity is pinned but the workload has spot: false",
    ]


def test_gcp_needs_a_project_and_residency_must_leave_room(tmp_path: Path) -> None:
    text = GOOD.replace("clouds: [aws]", "clouds: [aws, gcp]").replace(
        "residency: eu", "residency: {regions: [eu-west-1]}"
    )
    assert problems(tmp_path, text) == [
        "stack.yaml:1: gcp_project: required when clouds include gcp: the GCP project ID, e.g. ml-prod-123456",
        "stack.yaml:4: clouds[1]: gcp has no region inside the residency; remove gcp from clouds or widen residency",
    ]


def test_cli_prints_problems_and_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(GOOD.replace("clouds: [aws]", "clouds: [aws, azure]"))
    result = CliRunner().invoke(app, ["plan", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}:4: clouds[1]: given 'azure'; allowed: 'aws' or 'gcp'" in result.output
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "cannot read the file: No such file or directory" in result.output
