"""Budget alarms: what a platform team sees in the plan for AWS and GCP."""

from __future__ import annotations

import json

import pytest

from skyweave.plan import PlanError

COST_TAGS = {
    "team": "ml-platform",
    "environment": "test",
    "cost-center": "CC-1042",
    "data-classification": "internal",
    "skyweave-stack": "test-eu",
    "managed-by": "skyweave",
}


def test_aws_budgets_alert_on_actual_and_forecasted_spend_at_each_threshold(plan_of) -> None:
    planned = plan_of()
    topic_arn = "arn:aws:sns:eu-west-1:123456789012:test-eu-aws-budget-alerts"
    for basis in ("actual", "forecasted"):
        budget = planned.one("aws:budgets/budget:Budget", f"test-eu-aws-budget-{basis}")
        assert budget.inputs["name"] == f"test-eu-{basis}"
        assert budget.inputs["budgetType"] == "COST"
        assert budget.inputs["timeUnit"] == "MONTHLY"
        assert budget.inputs["limitAmount"] == "5000.00"
        assert budget.inputs["limitUnit"] == "USD"
        assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:skyweave-stack$test-eu"]}]
        assert [
            (n["notificationType"], n["threshold"], n["thresholdType"], n["comparisonOperator"])
            for n in budget.inputs["notifications"]
        ] == [(basis.upper(), 80.0, "PERCENTAGE", "GREATER_THAN"), (basis.upper(), 100.0, "PERCENTAGE", "GREATER_THAN")]
        for notification in budget.inputs["notifications"]:
            assert notification["subscriberEmailAddresses"] == ["alerts@example.com"]
            assert notification["subscriberSnsTopicArns"] == [topic_arn]
        assert budget.inputs["tags"] == COST_TAGS


def test_alert_topic_is_encrypted_and_only_budget_services_publish(plan_of) -> None:
    planned = plan_of()
    key = planned.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    topic = planned.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    statements = json.loads(planned.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])["Statement"]
    assert statements[0]["Principal"] == {"Service": ["budgets.amazonaws.com", "costalerts.amazonaws.com"]}
    assert statements[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert statements[1]["Effect"] == "Deny" and statements[1]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_anomaly_detection_watches_the_stack_tag(plan_of) -> None:
    planned = plan_of({"budget": {"monthly_cap_usd": 900, "anomaly_threshold_usd": 250}})
    monitor = planned.one("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    assert json.loads(monitor.inputs["monitorSpecification"]) == {
        "Tags": {"Key": "skyweave-stack", "Values": ["test-eu"], "MatchOptions": ["EQUALS"]}
    }
    subscription = planned.one("aws:costexplorer/anomalySubscription:AnomalySubscription")
    assert subscription.inputs["thresholdExpression"]["dimension"] == {
        "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
        "matchOptions": ["GREATER_THAN_OR_EQUAL"],
        "values": ["250"],
    }
    tag = planned.one("aws:costexplorer/costAllocationTag:CostAllocationTag")
    assert (tag.inputs, tag.retain_on_delete) == ({"tagKey": "skyweave-stack", "status": "Active"}, True)


def test_anomaly_detection_can_be_turned_off(plan_of) -> None:
    planned = plan_of({"budget": {"monthly_cap_usd": 900, "anomaly_detection": False}})
    assert planned.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor") == []


GCP = {
    "clouds": ["gcp"],
    "gcp_project": "ml-test-123",
    "residency": {"jurisdictions": ["eu"]},
    "home_regions": {"gcp": "europe-west4"},
}


def test_gcp_budget_has_current_and_forecasted_rules_and_a_pubsub_topic(plan_of) -> None:
    planned = plan_of({**GCP, "budget": {"monthly_cap_usd": 1234.5, "alert_thresholds_pct": [90],
                                         "gcp_billing_account": "01A2B3-C4D5E6-F7A8B9"}})
    budget = planned.one("gcp:billing/budget:Budget")
    assert budget.region == "europe-west4"
    assert budget.inputs["billingAccount"] == "01A2B3-C4D5E6-F7A8B9"
    assert budget.inputs["amount"] == {"specifiedAmount": {"currencyCode": "USD", "units": "1234"}}
    assert budget.inputs["thresholdRules"] == [
        {"thresholdPercent": 0.9, "spendBasis": "CURRENT_SPEND"},
        {"thresholdPercent": 0.9, "spendBasis": "FORECASTED_SPEND"},
    ]
    assert budget.inputs["budgetFilter"] == {
        "projects": ["projects/100000000001"],
        "labels": {"skyweave-stack": "test-eu"},
        "calendarPeriod": "MONTH",
    }
    assert budget.inputs["allUpdatesRule"] == {
        "pubsubTopic": "projects/ml-test-123/topics/test-eu-budget-updates",
        "schemaVersion": "1.0",
    }
    topic = planned.one("gcp:pubsub/topic:Topic")
    assert topic.inputs["labels"]["cost-center"] == "cc-1042"  # GCP labels are lowercase


def test_gcp_billing_account_from_pulumi_config(plan_of) -> None:
    planned = plan_of(GCP, config={"gcpBillingAccount": "0AAAAA-BBBBBB-CCCCCC"})
    assert planned.one("gcp:billing/budget:Budget").inputs["billingAccount"] == "0AAAAA-BBBBBB-CCCCCC"


def test_gcp_budget_without_billing_account_is_a_clear_error(plan_of) -> None:
    with pytest.raises(PlanError, match=r"missing Pulumi config skyweave:gcpBillingAccount"):
        plan_of(GCP)
