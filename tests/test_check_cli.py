"""`skyweave check` and `skyweave policy-config` as CI runs them: verdicts, exit codes and every report format."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

from typer.testing import CliRunner

from policies.pack import POLICIES
from skyweave.cli import app
from skyweave.policy_config import reconcile
from tests.conftest import BASE_STACK, write_stack

runner = CliRunner()
OVER_CAP = {**BASE_STACK, "budget": {**BASE_STACK["budget"], "monthly_cap_usd": 0.5}}
COST_FINDING = (
    "estimated 1.00 USD/month is 0.50 over the cap of 0.50 USD/month (largest: test-eu-aws-budget 1.00); "
    "reduce capacity or raise budget.monthly_cap_usd"
)
STACK_URN = "urn:pulumi:test-eu::skyweave::pulumi:pulumi:Stack::skyweave-test-eu"
LATER = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def check(*args: str) -> object:
    return runner.invoke(app, ["check", *args])


def budget_line(path: Path) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("budget:"))


def test_clean_stack_passes(tmp_path: Path) -> None:
    result = check(str(write_stack(tmp_path, BASE_STACK)))
    assert result.exit_code == 0, result.output
    assert "test-eu" in result.stdout and "0 mandatory, 0 advisory, 0 waived" in result.stdout


def test_stack_over_its_cap_fails_with_exit_code_1(tmp_path: Path) -> None:
    path = write_stack(tmp_path, OVER_CAP)
    result = check(str(path), "--format", "json")
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert report["counts"] == {"mandatory": 1, "advisory": 0, "waived": 0}
    assert report["findings"] == [{
        "id": "SKW-COST-001", "policy": "cost-stack-under-cap", "severity": "high", "enforcement": "mandatory",
        "urn": STACK_URN, "message": COST_FINDING, "waiver": None, "line": budget_line(path),
    }]


def test_a_waived_finding_is_reported_and_passes(tmp_path: Path) -> None:
    waiver = {"policy": "SKW-COST-001", "resource": "*", "reason": "launch month, cap raised next sprint", "expires": LATER}
    result = check(str(write_stack(tmp_path, {**OVER_CAP, "waivers": [waiver]})), "--format", "json")
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert [(f["id"], f["enforcement"], f["waiver"]) for f in report["findings"]] == [
        ("SKW-COST-001", "waived", "launch month, cap raised next sprint")
    ]


def test_an_expired_waiver_no_longer_applies_and_is_a_finding(tmp_path: Path) -> None:
    waiver = {"policy": "SKW-COST-001", "resource": "*", "reason": "launch month", "expires": "2024-01-31"}
    result = check(str(write_stack(tmp_path, {**OVER_CAP, "waivers": [waiver]})), "--format", "json")
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert [(f["id"], f["enforcement"], f["message"]) for f in report["findings"]] == [
        ("SKW-COST-001", "mandatory", COST_FINDING),
        ("SKW-GOV-001", "mandatory",
         "waivers[0] (SKW-COST-001 on *) expired on 2024-01-31; fix the finding or renew the waiver with a new date"),
    ]


def test_plan_shows_the_same_findings(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(write_stack(tmp_path, OVER_CAP)), "--format", "json"])
    assert result.exit_code == 1
    assert [v["message"] for v in json.loads(result.stdout)["violations"]] == [COST_FINDING]


def test_sarif_annotates_the_stack_file(tmp_path: Path) -> None:
    path = write_stack(tmp_path, OVER_CAP)
    out = tmp_path / "skyweave.sarif"
    result = check(str(path), "--format", "sarif", "--output", str(out))
    assert result.exit_code == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [p.meta.id for p in POLICIES]
    assert rules[4]["help"]["text"].startswith("Lower node counts")
    [result_] = run["results"]
    assert result_["ruleId"] == "SKW-COST-001" and rules[result_["ruleIndex"]]["id"] == "SKW-COST-001"
    assert result_["level"] == "error"
    assert result_["message"]["text"] == f"test-eu: skyweave-test-eu: {COST_FINDING}"
    location = result_["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": str(path)}, "region": {"startLine": budget_line(path)}}
    assert "suppressions" not in result_


def test_sarif_marks_waived_findings_as_suppressed(tmp_path: Path) -> None:
    waiver = {"policy": "SKW-COST-001", "resource": "*", "reason": "launch month", "expires": LATER}
    result = check(str(write_stack(tmp_path, {**OVER_CAP, "waivers": [waiver]})), "--format", "sarif")
    [result_] = json.loads(result.stdout)["runs"][0]["results"]
    assert result_["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "launch month"}]


def test_junit_fails_the_policy_with_a_mandatory_finding(tmp_path: Path) -> None:
    result = check(str(write_stack(tmp_path, OVER_CAP)), "--format", "junit")
    assert result.exit_code == 1
    suite = ET.fromstring(result.stdout).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (str(len(POLICIES)), "1", "0")
    failed = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["SKW-COST-001 The stack's estimated monthly cost is at most its monthly cap."]
    assert failed[0].find("failure").get("message") == f"1 finding(s): {COST_FINDING}"


def test_markdown_comment_with_the_cost_change_against_the_base(tmp_path: Path) -> None:
    base_plan = runner.invoke(app, ["plan", str(write_stack(tmp_path, BASE_STACK, "base.yaml")), "--format", "json"])
    base = tmp_path / "base.json"
    base.write_text(base_plan.stdout)
    head = {**OVER_CAP, "storage": [{"name": "data", "size_gb": 1000}]}
    result = check(str(write_stack(tmp_path, head)), "--format", "markdown", "--compare-to", str(base))
    assert result.exit_code == 1
    text = result.stdout
    base_usd = json.loads(base_plan.stdout)["cost"]["monthly_usd"]
    head_usd = float(re.search(r"Estimated \*\*([\d,.]+) USD/month\*\*", text).group(1).replace(",", ""))
    assert head_usd > base_usd
    assert text.startswith("<!-- skyweave-check -->\n## skyweave check: **1 mandatory finding(s)**, the merge is blocked")
    assert (f"Change against the base: **{head_usd - base_usd:+,.2f} USD/month** ({base_usd:,.2f} → {head_usd:,.2f})."
            in text)
    assert "| component | base | this change | difference |" in text
    assert "| region | base | this change | difference |" in text
    assert "| **mandatory** | SKW-COST-001 | `skyweave-test-eu` |" in text
    assert "Lower node counts, pick cheaper instance types or spot capacity" in text


def test_policy_config_writes_what_the_engine_reconciles(tmp_path: Path) -> None:
    out = tmp_path / "policy.json"
    result = runner.invoke(app, ["policy-config", str(write_stack(tmp_path, BASE_STACK)), "--output", str(out)])
    assert result.exit_code == 0, result.output
    config = json.loads(out.read_text())
    assert config["residency-region-inside-residency"]["allowedRegions"] == ["eu-west-1"]
    assert set(reconcile(POLICIES, config)) == {p.name for p in POLICIES}


def test_check_with_an_explicit_policy_config(tmp_path: Path) -> None:
    path = write_stack(tmp_path, OVER_CAP)
    config = json.loads(runner.invoke(app, ["policy-config", str(path)]).stdout)
    config["all"] = "advisory"
    (tmp_path / "policy.json").write_text(json.dumps(config))
    result = check(str(path), "--policy-config", str(tmp_path / "policy.json"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [f["enforcement"] for f in json.loads(result.stdout)[0]["findings"]] == ["advisory"]


def test_bad_input_exits_2(tmp_path: Path) -> None:
    broken = write_stack(tmp_path, {**BASE_STACK, "residency": {"jurisdictions": ["moon"]}})
    assert check(str(broken)).exit_code == 2
    good = write_stack(tmp_path, BASE_STACK, "good.yaml")
    (tmp_path / "bad.json").write_text('{"cost-stack-under-cap": {"monthlyCapUsd": "lots"}}')
    result = check(str(good), "--policy-config", str(tmp_path / "bad.json"))
    assert result.exit_code == 2
    assert "cost-stack-under-cap.monthlyCapUsd: expected number, got str 'lots'" in result.output
    (tmp_path / "plan.json").write_text("{}")
    result = check(str(good), "--compare-to", str(tmp_path / "plan.json"))
    assert result.exit_code == 2
    assert "not a skyweave plan; write it with `skyweave plan --format json`" in result.output
    assert runner.invoke(app, ["policy-config", str(broken)]).exit_code == 2
