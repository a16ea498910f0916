"""The pack as a library: unique IDs, complete metadata, a pinned list, docs generated from the metadata."""

from __future__ import annotations

import re
from pathlib import Path

from policies.docs import render_policy_docs
from policies.meta import ID_PATTERN, NAME_PATTERN
from policies.pack import PACK_NAME, POLICIES

ROOT = Path(__file__).resolve().parents[2]
PINNED = [
    ("SKW-RES-001", "residency-region-inside-residency"),
    ("SKW-RES-002", "residency-explicit-provider"),
    ("SKW-RES-003", "residency-gateway-routes-inside-residency"),
    ("SKW-RES-004", "residency-replication-inside-residency"),
    ("SKW-COST-001", "cost-stack-under-cap"),
    ("SKW-COST-002", "cost-workload-under-cap"),
    ("SKW-COST-003", "cost-node-pool-max-size"),
    ("SKW-COST-004", "cost-allowed-instance-types"),
    ("SKW-COST-005", "cost-budget-alarm-for-gpus"),
    ("SKW-SEC-001", "security-customer-managed-keys"),
    ("SKW-SEC-002", "security-no-public-buckets"),
    ("SKW-SEC-003", "security-tls-only"),
    ("SKW-SEC-004", "security-required-tags"),
    ("SKW-SEC-005", "security-instance-metadata-protected"),
    ("SKW-SEC-006", "security-private-cluster-endpoint"),
    ("SKW-SEC-007", "security-no-inline-secrets"),
    ("SKW-SEC-008", "security-stateful-resources-protected"),
    ("SKW-GOV-001", "governance-valid-waivers"),
]


def test_the_pack_holds_exactly_the_pinned_policies_in_order() -> None:
    # Adding, removing or renumbering a policy changes what gates every pull request: update this list on purpose.
    assert [(p.meta.id, p.name) for p in POLICIES] == PINNED
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", PACK_NAME)


def test_ids_and_names_are_unique_and_well_formed() -> None:
    ids = [p.meta.id for p in POLICIES]
    names = [p.name for p in POLICIES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    for policy in POLICIES:
        assert ID_PATTERN.fullmatch(policy.meta.id), policy.meta.id
        assert NAME_PATTERN.fullmatch(policy.name), policy.name
        assert policy.name.split("-")[0][:3].upper() == policy.meta.area[:3], (policy.meta.id, policy.name)


def test_metadata_is_complete() -> None:
    for policy in POLICIES:
        meta = policy.meta
        for text in (meta.title, meta.rationale, meta.remediation):
            assert text[:1].isupper() and text.endswith("."), (meta.id, text)
        assert meta.severity in ("low", "medium", "high", "critical")
        assert meta.enforcement in ("advisory", "mandatory")
        assert policy.description == f"{meta.id}: {meta.title}"
        assert policy.remediation_steps == meta.remediation
        schema = policy.config_schema
        assert set(meta.required_config) <= set(schema.properties), meta.id
        assert "waivers" in schema.properties
        for key, prop in meta.config.items():
            assert prop.get("description") and prop.get("type"), (meta.id, key)


def test_each_policy_lives_in_its_own_file_named_for_its_rule() -> None:
    files = {p.stem: p for p in (ROOT / "policies").glob("*/*.py") if p.stem != "__init__"}
    owners = {}
    for stem, path in files.items():
        text = path.read_text(encoding="utf-8")
        found = re.search(r'^"""(SKW-[A-Z]+-\d{3}):', text)
        if found:
            owners[found.group(1)] = stem
            assert re.fullmatch(r"(deny|require|cap)_[a-z0-9_]+", stem), stem
    assert sorted(owners) == sorted(p.meta.id for p in POLICIES)


def test_docs_are_generated_from_the_metadata() -> None:
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert committed == render_policy_docs(), "docs/policies.md is stale: python -m policies.docs > docs/policies.md"
    for policy in POLICIES:
        assert f"## {policy.meta.id}: {policy.meta.title}" in committed
