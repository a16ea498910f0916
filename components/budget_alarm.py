"""Budget alarms for one environment on one cloud: alerts on actual and forecasted spend.

AWS: two AWS Budgets (actual, forecasted) filtered on the environment's `skyweave-stack` cost tag, an
encrypted SNS topic that AWS Budgets and Cost Anomaly Detection may publish to, and optionally an anomaly
monitor. GCP: a Cloud Billing budget with current and forecasted threshold rules and a Pub/Sub topic for
programmatic responses (e.g. a function that scales GPU pools to zero).
"""

from __future__ import annotations

import json
from typing import Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, model_validator

STACK_TAG = "skyweave-stack"


class BudgetAlarmArgs(BaseModel):
    """Inputs of a `BudgetAlarm`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud: Literal["aws", "gcp"]
    """Cloud whose spend is watched."""
    stack_name: str
    """Environment whose `skyweave-stack` tag/label scopes the budget."""
    monthly_limit_usd: float = Field(gt=0)
    """Budgeted monthly spend in USD."""
    thresholds_pct: list[int] = Field(min_length=1, max_length=5)
    """Percent of the limit at which alerts fire. AWS Budgets allow five notifications per budget."""
    notify_emails: list[str] = Field(default=[], max_length=10)
    """Email recipients (AWS Budgets allow ten per notification)."""
    anomaly_detection: bool = True
    """AWS only: also watch the environment's spend with Cost Anomaly Detection."""
    anomaly_threshold_usd: float = 100.0
    """AWS only: total impact in USD that makes an anomaly worth an alert."""
    gcp_billing_account: str | None = None
    """GCP only: billing account ID the budget belongs to."""
    gcp_project: str | None = None
    """GCP only: project ID whose spend the budget watches."""

    @model_validator(mode="after")
    def _gcp_needs_billing(self) -> BudgetAlarmArgs:
        if self.cloud == "gcp" and not (self.gcp_billing_account and self.gcp_project):
            raise ValueError("a GCP budget needs gcp_billing_account and gcp_project")
        return self


class BudgetAlarm(pulumi.ComponentResource):
    """Budget alarms for one environment on one cloud."""

    topic: pulumi.Output[str]
    """ARN of the SNS topic (AWS) or ID of the Pub/Sub topic (GCP) that receives budget updates."""

    def __init__(self, name: str, args: BudgetAlarmArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyweave:cost:BudgetAlarm", name, args.model_dump(), opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = _aws(name, args, child) if args.cloud == "aws" else _gcp(name, args, child)
        self.register_outputs({"topic": self.topic})


def _aws(name: str, args: BudgetAlarmArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    import pulumi_aws as aws

    from components.aws_account import account_id

    account = account_id(child)
    publishers = ["budgets.amazonaws.com", "costalerts.amazonaws.com"]
    key = aws.kms.Key(
        f"{name}-alerts-key",
        description=f"Encrypts budget alerts of {args.stack_name}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=account.apply(lambda acct: json.dumps(_key_policy(acct, publishers))),
        opts=child,
    )
    topic = aws.sns.Topic(f"{name}-alerts", kms_master_key_id=key.arn, opts=child)
    aws.sns.TopicPolicy(
        f"{name}-alerts-policy",
        arn=topic.arn,
        policy=pulumi.Output.all(topic.arn, account).apply(lambda v: json.dumps(_topic_policy(v[0], v[1], publishers))),
        opts=child,
    )
    # Budgets only see spend of activated cost-allocation tags; keep it active if this stack goes away.
    aws.costexplorer.CostAllocationTag(
        f"{name}-stack-tag", tag_key=STACK_TAG, status="Active",
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True)),
    )
    for basis in ("ACTUAL", "FORECASTED"):
        aws.budgets.Budget(
            f"{name}-{basis.lower()}",
            name=f"{args.stack_name}-{basis.lower()}",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.monthly_limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:{STACK_TAG}${args.stack_name}"]}],
            notifications=[
                {
                    "comparison_operator": "GREATER_THAN",
                    "notification_type": basis,
                    "threshold": float(pct),
                    "threshold_type": "PERCENTAGE",
                    "subscriber_email_addresses": args.notify_emails or None,
                    "subscriber_sns_topic_arns": [topic.arn],
                }
                for pct in args.thresholds_pct
            ],
            opts=child,
        )
    if args.anomaly_detection:
        _anomaly_detection(name, args, topic, child)
    return topic.arn


def _anomaly_detection(name: str, args: BudgetAlarmArgs, topic: pulumi.Resource, child: pulumi.ResourceOptions) -> None:
    import pulumi_aws as aws

    spec = {"Tags": {"Key": STACK_TAG, "Values": [args.stack_name], "MatchOptions": ["EQUALS"]}}
    monitor = aws.costexplorer.AnomalyMonitor(
        f"{name}-anomalies", name=f"{args.stack_name}-spend", monitor_type="CUSTOM",
        monitor_specification=json.dumps(spec), opts=child,
    )
    aws.costexplorer.AnomalySubscription(
        f"{name}-anomaly-alerts",
        name=f"{args.stack_name}-anomalies",
        frequency="IMMEDIATE",  # immediate alerts go to SNS only; daily digests would need email
        monitor_arn_lists=[monitor.arn],
        subscribers=[{"type": "SNS", "address": topic.arn}],
        threshold_expression={
            "dimension": {
                "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                "match_options": ["GREATER_THAN_OR_EQUAL"],
                "values": [f"{args.anomaly_threshold_usd:g}"],
            }
        },
        opts=child,
    )


def _key_policy(account: str, publishers: list[str]) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "BudgetPublishers", "Effect": "Allow", "Principal": {"Service": publishers},
             "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        ],
    }


def _topic_policy(topic_arn: str, account: str, publishers: list[str]) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "BudgetPublishers", "Effect": "Allow", "Principal": {"Service": publishers},
             "Action": "SNS:Publish", "Resource": topic_arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "SNS:Publish", "Resource": topic_arn,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }


def _gcp(name: str, args: BudgetAlarmArgs, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    import pulumi_gcp as gcp

    # Cloud Billing budgets name projects by number, not ID.
    project = gcp.organizations.get_project_output(
        project_id=args.gcp_project, opts=pulumi.InvokeOptions(parent=child.parent)
    )
    topic = gcp.pubsub.Topic(f"{name}-budget-updates", name=f"{args.stack_name}-budget-updates", opts=child)
    rules = [
        {"threshold_percent": pct / 100, "spend_basis": basis}
        for pct in args.thresholds_pct
        for basis in ("CURRENT_SPEND", "FORECASTED_SPEND")
    ]
    gcp.billing.Budget(
        f"{name}-budget",
        billing_account=args.gcp_billing_account,
        display_name=f"{args.stack_name} monthly"[:60],
        amount={"specified_amount": {"currency_code": "USD", "units": str(int(args.monthly_limit_usd))}},
        budget_filter={
            "projects": [project.number.apply(lambda number: f"projects/{number}")],
            "labels": {STACK_TAG: args.stack_name},
            "calendar_period": "MONTH",
        },
        threshold_rules=rules,
        all_updates_rule={"pubsub_topic": topic.id, "schema_version": "1.0"},
        opts=child,
    )
    return topic.id
