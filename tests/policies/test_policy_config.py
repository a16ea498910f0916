"""The pack's settings from a stack file, and the engine's reconciliation of a --policy-pack-config."""

from __future__ import annotations

import pytest

from policies.pack import POLICIES
from skyweave.catalog import load_catalog
from skyweave.policy_config import PolicyConfigError, multi_regions, policy_config, reconcile
from skyweave.spec import StackSpec

SPEC = StackSpec.model_validate({
    "name": "test-eu",
    "environment": "test",
    "owner": {"team": "ml-platform", "cost_center": "CC-1042"},
    "clouds": ["aws"],
    "residency": {"jurisdictions": ["eu"], "regions": ["eu-west-1"]},
    "budget": {"monthly_cap_usd": 5000},
    "workloads": [{"name": "chat", "kind": "inference", "model": {"name": "llama-3.1-8b"},
                   "capacity": {"max_nodes": 9}, "monthly_cap_usd": 2500}],
    "waivers": [{"policy": "SKW-SEC-008", "resource": "test-eu-logs", "reason": "rebuilt daily", "expires": "2099-01-01"}],
})


def test_settings_come_from_the_stack_file() -> None:
    config = policy_config(SPEC)
    assert config["residency-region-inside-residency"] == {"allowedRegions": ["eu-west-1"], "allowedMultiRegions": []}
    assert config["residency-gateway-routes-inside-residency"]["allowedRegions"] == ["eu-west-1"]
    assert config["residency-gateway-routes-inside-residency"]["allowedGeographies"] == []  # narrowed to one region
    assert config["cost-stack-under-cap"]["monthlyCapUsd"] == 5000
    assert StackSpec.model_validate(config["cost-stack-under-cap"]["stack"]) == SPEC
    assert config["cost-workload-under-cap"]["workloadCaps"] == {"chat": 2500}
    assert config["cost-node-pool-max-size"] == {"maxNodesPerPool": 9}
    assert "g5.xlarge" in config["cost-allowed-instance-types"]["allowedInstanceTypes"]
    assert "ml.g5.xlarge" in config["cost-allowed-instance-types"]["allowedInstanceTypes"]
    assert config["security-stateful-resources-protected"] == {"waivers": [
        {"policy": "SKW-SEC-008", "resource": "test-eu-logs", "reason": "rebuilt daily", "expires": "2099-01-01"}
    ]}
    assert config["governance-valid-waivers"]["allWaivers"] == config["security-stateful-resources-protected"]["waivers"]
    assert "security-tls-only" not in config  # nothing to set: the defaults apply


def test_multi_regions_are_allowed_only_when_every_region_they_use_is() -> None:
    catalog = load_catalog()
    eu = {r.name for r in catalog.regions("gcp") if r.jurisdiction == "eu"}
    assert multi_regions(eu, catalog) == ["EU", "EUR4"]
    assert multi_regions({"europe-west4"}, catalog) == []
    assert multi_regions({"europe-north1", "europe-west4"}, catalog) == ["EUR4"]


def test_reconcile_applies_defaults_all_and_per_policy_entries() -> None:
    settings = reconcile(POLICIES, {**policy_config(SPEC), "all": "advisory", "security-tls-only": "disabled"})
    assert settings["cost-stack-under-cap"].level == "advisory"
    assert settings["security-tls-only"].level == "disabled"
    assert settings["security-instance-metadata-protected"].props == {"maxHopLimit": 2}
    assert settings["security-stateful-resources-protected"].props["minKeyDeletionWindowDays"] == 30
    default = reconcile(POLICIES, policy_config(SPEC))
    assert {s.level for s in default.values()} == {"mandatory"}


def test_a_config_the_engine_would_refuse_is_bad_input() -> None:
    config = policy_config(SPEC)
    config["cost-stack-under-cap"] = {**config["cost-stack-under-cap"], "monthlyCapUsd": "lots"}
    config["cost-node-pool-max-size"] = {}
    config["security-required-tag"] = {"requiredTags": []}
    config["all"] = "strict"
    with pytest.raises(PolicyConfigError) as error:
        reconcile(POLICIES, config)
    assert error.value.problems == [
        "all: 'strict' is not an enforcement level (advisory, mandatory, remediate, disabled)",
        "security-required-tag: no such policy in the pack",
        "cost-stack-under-cap.monthlyCapUsd: expected number, got str 'lots'",
        "cost-node-pool-max-size.maxNodesPerPool: required property is missing",
    ]
