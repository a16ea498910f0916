"""Stack templates as a product team uses them: `skyweave new`, `skyweave templates`, and what gets written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.pipeline import plan_stack
from skyweave.stackfile import load_stack
from skyweave.templates import TemplateError, list_templates, load_template, new_stack, next_commands, yaml_value
from tests.conftest import ROOT

runner = CliRunner()
TEMPLATES = ["inference-eu", "inference-us-hipaa", "serverless-dev", "training-spot"]
PLAN_CONFIG = {"gatewayMasterKey": "sk-skyweave-template-test-1c9e"}
"""Pulumi config a stack with a gateway gets with `pulumi config set --secret` before `pulumi up`."""

# Values at the edges of what each template allows: other regions and clouds, the smallest pools, long
# retention, other instance types.
EDGE_VALUES = {
    "inference-eu": ["region=eu-central-1", "max_nodes=8", "monthly_cap_usd=15000.5", "log_retention_days=1",
                     "notify_emails=a@example.com,b@example.com", "environment=staging"],
    "inference-us-hipaa": ["region=us-west-2", "replica_region=us-east-2", "retention_days=3650", "max_nodes=3"],
    "serverless-dev": ["cloud=gcp", "region=europe-west4", "gcp_project=team-dev-123456", "monthly_cap_usd=50"],
    "training-spot": ["instance_type=p5.48xlarge", "nodes=1", "region=us-west-2", "checkpoint_size_gb=0"],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty skyweave project: the Pulumi project file and nothing else."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    return tmp_path


def _new(project: Path, *args: str):
    return runner.invoke(app, ["new", *args, "--project-dir", str(project)])


def test_every_template_is_listed_with_its_parameters() -> None:
    assert [t.name for t in list_templates()] == TEMPLATES
    result = runner.invoke(app, ["templates"])
    assert result.exit_code == 0, result.output
    for template in list_templates():
        assert f"{template.name}:" in result.stdout
        for param in template.params:
            assert param.name in result.stdout
    assert "cloud" in result.stdout and "one of aws, gcp" in result.stdout
    assert "list, default [ml-platform-alerts@example.com]" in result.stdout


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("values", ["defaults", "edges"])
def test_template_renders_validates_plans_and_passes_the_policies(project: Path, template: str, values: str) -> None:
    sets = [] if values == "defaults" else EDGE_VALUES[template]
    result = _new(project, template, "--name", "team-env", *sum((["--set", s] for s in sets), []))
    assert result.exit_code == 0, result.output

    path = project / "stacks" / "team-env.yaml"
    spec = load_stack(path)
    assert spec.name == "team-env"
    # The config the printed commands set is all the plan needs.
    secrets = re.findall(r"pulumi config set --secret skyweave:(\S+) <value>", result.stdout)
    plan = plan_stack(path, {key: f"sk-test-{key}" for key in secrets})
    assert [(v.id, v.urn, v.message) for v in plan.violations if v.enforcement != "waived"] == []
    assert 0 < plan.cost.monthly_usd <= spec.budget.monthly_cap_usd
    assert any(r.type.startswith("skyweave:") and r.type != "skyweave:cost:BudgetAlarm" for r in plan.resources)


def test_parameters_reach_the_stack_file(project: Path) -> None:
    result = _new(project, "inference-eu", "--name", "search-prod", "--set", "team=search",
                  "--set", "monthly_cap_usd=20000", "--set", "region=eu-central-1")
    assert result.exit_code == 0, result.output
    spec = load_stack(project / "stacks" / "search-prod.yaml")
    assert spec.owner.team == "search"
    assert spec.budget.monthly_cap_usd == 20000
    assert spec.residency.regions == ["eu-central-1"]
    assert {b.region for b in spec.storage} == {"eu-central-1"}
    assert [r.region for r in spec.gateway.routes if r.region] == ["eu-central-1"]


def test_written_files_stay_commented_yaml_for_editors_and_pulumi(project: Path) -> None:
    result = _new(project, "training-spot", "--name", "research-train")
    assert result.exit_code == 0, result.output
    text = (project / "stacks" / "research-train.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../docs/stack-file.schema.json"
    assert (ROOT / "stacks" / "../docs/stack-file.schema.json").resolve().is_file()
    assert "# research-train: distributed training on spot GPUs" in text
    assert "efa: true             # EFA interfaces" in text
    assert "{{" not in text and "{%" not in text
    settings = YAML(typ="safe").load((project / "Pulumi.research-train.yaml").read_text())
    assert settings == {"config": {"skyweave:stackFile": "stacks/research-train.yaml"}}


def test_new_prints_the_next_commands(project: Path) -> None:
    result = _new(project, "inference-eu", "--name", "search-prod")
    assert result.exit_code == 0, result.output
    assert [line.strip() for line in result.stdout.splitlines()] == [
        f"wrote {project}/stacks/search-prod.yaml and {project}/Pulumi.search-prod.yaml from template inference-eu",
        "next:",
        f"cd {project}",
        "pulumi stack init search-prod",
        "pulumi config set --secret skyweave:gatewayMasterKey <value>",
        "skyweave plan stacks/search-prod.yaml",
        "pulumi preview --policy-pack policies",
        "pulumi up",
    ]


def test_the_printed_plan_command_works_once_the_printed_config_is_set(project: Path, monkeypatch) -> None:
    assert _new(project, "inference-eu", "--name", "search-prod").exit_code == 0
    monkeypatch.chdir(project)
    # What `pulumi config set --secret skyweave:gatewayMasterKey ...` leaves in the stack settings.
    settings = Path("Pulumi.search-prod.yaml")
    settings.write_text(settings.read_text() + "  skyweave:gatewayMasterKey:\n    secure: v1:9f2Kc0aQ==\n")
    result = runner.invoke(app, ["plan", "stacks/search-prod.yaml"])
    assert result.exit_code == 0, result.output
    assert "policies: no findings" in result.stdout


def test_a_stack_without_config_is_planned_first(project: Path) -> None:
    result = _new(project, "training-spot", "--name", "research-train")
    assert result.exit_code == 0, result.output
    assert [line.strip() for line in result.stdout.splitlines()][2:] == [
        f"cd {project}",
        "skyweave plan stacks/research-train.yaml",
        "pulumi stack init research-train",
        "pulumi preview --policy-pack policies",
        "pulumi up",
    ]


def test_next_commands_ask_for_the_config_the_stack_does_not_carry(project: Path) -> None:
    new = new_stack("serverless-dev", "gcp-dev", ["cloud=gcp", "region=europe-west4"], project)
    assert new.spec.budget.gcp_billing_account == "01A2B3-C4D5E6-F7A8B9"
    assert not any("gcpBillingAccount" in c for c in next_commands(new))
    budget = new.spec.budget.model_copy(update={"gcp_billing_account": None})
    without = new._replace(spec=new.spec.model_copy(update={"budget": budget}))
    assert "pulumi config set skyweave:gcpBillingAccount <billing account ID>" in next_commands(without)


def test_new_never_overwrites(project: Path) -> None:
    assert _new(project, "serverless-dev", "--name", "my-dev").exit_code == 0
    stack = project / "stacks" / "my-dev.yaml"
    stack.write_text(stack.read_text() + "# my own edit\n")

    again = _new(project, "serverless-dev", "--name", "my-dev", "--set", "monthly_cap_usd=100")
    assert again.exit_code == 2
    assert "my-dev.yaml already exists; skyweave new never overwrites" in again.output
    assert stack.read_text().endswith("# my own edit\n")


def test_an_existing_pulumi_stack_file_stops_new_before_anything_is_written(project: Path) -> None:
    (project / "Pulumi.my-dev.yaml").write_text("config: {}\n")
    result = _new(project, "serverless-dev", "--name", "my-dev")
    assert result.exit_code == 2
    assert "Pulumi.my-dev.yaml already exists" in result.output
    assert not (project / "stacks" / "my-dev.yaml").exists()
    assert (project / "Pulumi.my-dev.yaml").read_text() == "config: {}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "tem=search"], "--set tem: unknown parameter (did you mean 'team'?); inference-eu takes: "),
        (["--set", "monthly_cap_usd=lots"], "--set monthly_cap_usd: 'lots' is not a number (type number)"),
        (["--set", "max_nodes=2.5"], "--set max_nodes: '2.5' is not an integer (type integer)"),
        (["--set", "monthly_cap_usd=inf"], "--set monthly_cap_usd: 'inf' is not a number (type number)"),
        (["--set", "team"], "--set team: write key=value, e.g. --set team=search"),
        (["--set", "name=other"], "--set name: the stack name is given with --name"),
    ],
)
def test_bad_parameters_are_clear_errors(project: Path, args: list[str], message: str) -> None:
    result = _new(project, "inference-eu", "--name", "search-prod", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (project / "stacks").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "team=Search"], "template inference-eu: owner.team: given 'Search'; use lowercase letters"),
        (["--set", "region=us-east-1"], "template inference-eu: clouds[0]: aws has no region inside the residency"),
        (["--set", "monthly_cap_usd=-5"],
         "template inference-eu: budget.monthly_cap_usd: Input should be greater than 0"),
        (["--set", "model=gpt-7"], "template inference-eu: workload chat: model 'gpt-7' is not a known model"),
        (["--set", "max_nodes=1", "--set", "throughput_tokens_per_s=20000"],
         "template inference-eu: workload chat: cheapest feasible"),
    ],
)
def test_values_the_stack_checks_reject_name_the_field_and_the_values_given(
    project: Path, args: list[str], message: str
) -> None:
    result = _new(project, "inference-eu", "--name", "search-prod", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    given = " ".join(f"--set {pair}" for pair in args[1::2])
    assert f"the stack inference-eu renders with {given} is not valid; change those values" in result.output
    assert not (project / "stacks").exists()


def test_every_bad_parameter_is_reported_at_once(project: Path) -> None:
    result = _new(project, "inference-eu", "--name", "x-eu", "--set", "tem=a", "--set", "max_nodes=many")
    assert result.exit_code == 2
    assert "--set tem: unknown parameter" in result.output
    assert "--set max_nodes: 'many' is not an integer" in result.output


def test_choices_are_enforced(project: Path) -> None:
    result = _new(project, "serverless-dev", "--name", "my-dev", "--set", "cloud=azure")
    assert result.exit_code == 2
    assert "--set cloud: given 'azure'; allowed: aws, gcp" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inference-e", "--name", "x-eu"], "no template 'inference-e' (did you mean 'inference-eu'?); templates: "),
        (["inference-eu", "--name", "../etc"], "--name '../etc': use lowercase letters, digits and '-'"),
        (["inference-eu", "--name", "Search"], "--name 'Search': use lowercase letters"),
    ],
)
def test_bad_template_or_name(project: Path, args: list[str], message: str) -> None:
    result = _new(project, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_new_outside_a_project_refuses(tmp_path: Path) -> None:
    result = _new(tmp_path, "inference-eu", "--name", "x-eu")
    assert result.exit_code == 2
    assert "has no Pulumi.yaml: run skyweave new in the skyweave project or pass --project-dir" in result.output


def test_a_template_using_an_undeclared_parameter_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml.j2").write_text("name: {{ name }}\nowner: {team: {{ teem }}}\n")
    (tmp_path / "broken.params.yaml").write_text(
        "description: d\nparams:\n  team: {type: string, default: a, help: the team}\n"
    )
    with pytest.raises(TemplateError) as error:
        load_template("broken", tmp_path)
    assert any("{{ teem }} is not a declared parameter" in p for p in error.value.problems)
    assert any("parameter 'team' is declared but never used" in p for p in error.value.problems)


def test_a_default_of_the_wrong_type_or_outside_its_choices_is_refused(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml.j2").write_text("name: {{ name }}\nx: {{ size }}\ny: {{ cloud }}\n")
    (tmp_path / "odd.params.yaml").write_text(
        "description: d\nparams:\n"
        "  size: {type: integer, default: big, help: nodes}\n"
        "  cloud: {type: string, default: azure, choices: [aws, gcp], help: cloud}\n"
    )
    with pytest.raises(TemplateError) as error:
        load_template("odd", tmp_path)
    assert error.value.problems == [
        f"{tmp_path / 'odd.params.yaml'}: size.default: 'big' is not of type integer",
        f"{tmp_path / 'odd.params.yaml'}: cloud.default: 'azure' is not one of its choices",
    ]


def test_a_parameter_without_type_help_or_default_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bare.yaml.j2").write_text("name: {{ name }}\nx: {{ size }}\n")
    (tmp_path / "bare.params.yaml").write_text("description: d\nparams:\n  size: {type: int}\n")
    with pytest.raises(TemplateError) as error:
        load_template("bare", tmp_path)
    assert error.value.problems == [
        f"{tmp_path / 'bare.params.yaml'}: size.type: given 'int'; allowed: string, integer, number, boolean, list",
        f"{tmp_path / 'bare.params.yaml'}: size.help: say what the parameter sets",
        f"{tmp_path / 'bare.params.yaml'}: size.default: give a default",
    ]


@given(st.text())
def test_any_string_value_loads_back_as_itself(value: str) -> None:
    # A parameter value can never add keys or change types in the stack file.
    document = YAML(typ="safe").load(f"key: {yaml_value(value)}\nother: 1\n")
    assert document == {"key": value, "other": 1}


@given(st.lists(st.text(), max_size=4))
def test_any_list_value_loads_back_as_itself(values: list[str]) -> None:
    assert YAML(typ="safe").load(f"key: {yaml_value(values)}\n") == {"key": values}


def test_values_render_plain_when_yaml_reads_them_back_unchanged() -> None:
    assert yaml_value("eu-west-1") == "eu-west-1"
    assert yaml_value("anthropic.claude-3-haiku-20240307-v1:0") == "anthropic.claude-3-haiku-20240307-v1:0"
    assert yaml_value("true") == '"true"'
    assert yaml_value("2026-01-31") == '"2026-01-31"'
    assert yaml_value(20000.0) == "20000"
    assert yaml_value(0.5) == "0.5"


# Example environments -----------------------------------------------------------------------------


EXAMPLES = sorted(p.stem for p in (ROOT / "stacks").glob("*.yaml"))


def test_the_example_environments_exist() -> None:
    assert {"dev", "staging", "prod-eu", "prod-us"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_environment_loads_plans_and_passes_the_policies(name: str) -> None:
    path = ROOT / "stacks" / f"{name}.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=../docs/stack-file.schema.json\n")
    plan = plan_stack(path, PLAN_CONFIG)
    assert plan.spec.name == name
    assert [(v.id, v.urn, v.message) for v in plan.violations if v.enforcement != "waived"] == []
    assert 0 < plan.cost.monthly_usd <= plan.spec.budget.monthly_cap_usd


VIOLATING = ROOT / "tests" / "fixtures" / "violating"


def test_a_residency_violation_is_refused_with_file_line_and_field() -> None:
    result = runner.invoke(app, ["plan", str(VIOLATING / "residency.yaml")])
    assert result.exit_code == 2
    assert (
        f"{VIOLATING / 'residency.yaml'}:31: gateway.routes[1].model: "
        "'bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0' is a cross-region inference profile"
    ) in result.output
    assert (
        f"{VIOLATING / 'residency.yaml'}:24: storage[0].replication_regions[0]: no copy may leave the residency"
    ) in result.output


@pytest.mark.parametrize(
    ("family", "expected"), [("cost", {"SKW-COST-001", "SKW-COST-002"}), ("security", {"SKW-SEC-006"})]
)
def test_violating_fixture_fails_only_its_own_rule_family(family: str, expected: set[str]) -> None:
    plan = plan_stack(VIOLATING / f"{family}.yaml")
    assert {v.id for v in plan.mandatory_violations} == expected


def test_a_violating_stack_fails_the_plan_command() -> None:
    result = runner.invoke(app, ["plan", str(VIOLATING / "cost.yaml")])
    assert result.exit_code == 1
    assert "SKW-COST-001" in result.stdout


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_sources_carry_the_schema_line_relative_to_themselves(template: str) -> None:
    source = (ROOT / "stacks" / "templates" / f"{template}.yaml.j2").read_text()
    first = source.splitlines()[0]
    assert re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    relative = first.split("=", 1)[1]
    assert (ROOT / "stacks" / "templates" / relative).resolve() == (ROOT / "docs" / "stack-file.schema.json")
