"""Typed metadata of a skyweave policy, written once and reused by the pack, the reports and the docs.

The policy ID (`SKW-RES-001`) is what users see in findings and what waivers name; the policy name is the
CrossGuard name (kebab case, unique in the pack); config properties are JSON-schema snippets that
`skyweave policy-config` fills from the stack file and the engine validates before `Configure`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, Severity

ID_PATTERN = re.compile(r"^SKW-(RES|COST|SEC|GOV)-\d{3}$")
NAME_PATTERN = re.compile(r"^(residency|cost|security|governance)-[a-z0-9]+(-[a-z0-9]+)*$")

Level = Literal["advisory", "mandatory", "disabled"]
SeverityName = Literal["low", "medium", "high", "critical"]

_SEVERITIES = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH, "critical": Severity.CRITICAL}
_LEVELS = {
    "advisory": EnforcementLevel.ADVISORY,
    "mandatory": EnforcementLevel.MANDATORY,
    "disabled": EnforcementLevel.DISABLED,
}

WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Accepted findings of this policy (from the stack file's `waivers:`).",
    "items": {
        "type": "object",
        "properties": {
            "policy": {"type": "string"},
            "resource": {"type": "string"},
            "reason": {"type": "string"},
            "expires": {"type": "string"},
        },
        "required": ["resource", "expires"],
    },
}


class PolicyMeta(NamedTuple):
    """Everything a user or a report needs to know about one policy."""

    id: str
    """Stable ID, `SKW-<AREA>-<nnn>`; waivers and reports use it."""
    name: str
    """CrossGuard policy name: `<area>-<what is required>`, kebab case."""
    title: str
    """One sentence that states the requirement."""
    severity: SeverityName
    rationale: str
    """Why the requirement exists."""
    remediation: str
    """What to change in the stack file or component when the policy fails."""
    enforcement: Level = "mandatory"
    """Default enforcement level; the policy config may override it."""
    config: Mapping[str, Mapping[str, Any]] = MappingProxyType({})
    """JSON schema of the policy's own config properties (waivers are added to every policy)."""
    required_config: tuple[str, ...] = ()

    @property
    def area(self) -> str:
        return self.id.split("-")[1]

    @property
    def description(self) -> str:
        """What CrossGuard prints above every violation message."""
        return f"{self.id}: {self.title}"

    @property
    def enforcement_level(self) -> EnforcementLevel:
        return _LEVELS[self.enforcement]

    @property
    def severity_level(self) -> Severity:
        return _SEVERITIES[self.severity]

    def config_schema(self) -> PolicyConfigSchema:
        return PolicyConfigSchema({**self.config, "waivers": WAIVERS_SCHEMA}, list(self.required_config) or None)

    def crossguard_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by resource and stack policies."""
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.enforcement_level,
            "config_schema": self.config_schema(),
            "severity": self.severity_level,
            "remediation_steps": self.remediation,
            "tags": [self.id, self.area.lower()],
        }


# Config properties shared by several policies, so the schema is written once.
ALLOWED_REGIONS = {
    "allowedRegions": {
        "type": "array",
        "items": {"type": "string"},
        "description": "AWS and GCP regions inside the stack's residency.",
    },
    "allowedMultiRegions": {
        "type": "array",
        "items": {"type": "string"},
        "description": "GCP multi- and dual-region location codes (e.g. EU, EUR4) whose member regions are all allowed.",
        "default": [],
    },
}
MONTHLY_CAP = {"monthlyCapUsd": {"type": "number", "description": "Monthly cost cap of the stack in USD."}}
STACK_SPEC = {
    "stack": {
        "type": "object",
        "description": "The stack file as JSON; the cost policies price resources with its usage and price book.",
    }
}
