"""SARIF 2.1.0 for GitHub code scanning: one rule per policy, one result per finding on the stack file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from skyweave.pipeline import StackPlan, Violation
from skyweave.report.locate import stack_line

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub ranks security alerts by this property (CVSS-like 0-10 scale).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVELS = {"mandatory": "error", "advisory": "warning"}


def to_sarif(plans: Sequence[StackPlan], version: str) -> dict[str, Any]:
    from policies.pack import POLICIES

    metas = [p.meta for p in POLICIES]
    index = {m.id: i for i, m in enumerate(metas)}
    rules = [
        {
            "id": m.id,
            "name": m.name,
            "shortDescription": {"text": m.title},
            "fullDescription": {"text": m.rationale},
            "help": {"text": m.remediation, "markdown": f"**Fix:** {m.remediation}\n\n**Why:** {m.rationale}"},
            "defaultConfiguration": {"level": LEVELS.get(m.enforcement, "note")},
            "properties": {"security-severity": SECURITY_SEVERITY[m.severity], "tags": ["skyweave", m.area.lower()]},
        }
        for m in metas
    ]
    results = [_result(plan, v, index) for plan in plans for v in plan.violations]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "skyweave", "version": version, "rules": rules}},
            "results": results,
        }],
    }


def _result(plan: StackPlan, violation: Violation, index: dict[str, int]) -> dict[str, Any]:
    resource = violation.urn.rsplit("::", 1)[-1]
    result: dict[str, Any] = {
        "ruleId": violation.id,
        "ruleIndex": index[violation.id],
        "level": LEVELS.get(violation.enforcement, "warning"),
        "message": {"text": f"{plan.spec.name}: {resource}: {violation.message}"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": plan.path.replace("\\", "/")},
                "region": {"startLine": stack_line(plan, violation)},
            },
            "logicalLocations": [{"fullyQualifiedName": violation.urn, "name": resource, "kind": "resource"}],
        }],
        "partialFingerprints": {"skyweaveFinding/v1": _fingerprint(plan, violation)},
    }
    if violation.enforcement == "waived":
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": violation.waiver or ""}]
    return result


def _fingerprint(plan: StackPlan, violation: Violation) -> str:
    # Stable across runs and line moves, so code scanning tracks one alert per finding.
    text = "\0".join((plan.spec.name, violation.id, violation.urn, violation.message))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
