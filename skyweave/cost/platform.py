"""Prices of the stack-wide resources: keys, alert topics, budgets."""

from __future__ import annotations

from skyweave.cost.core import CostContext, register, register_free
from skyweave.plan import PlannedResource

register_free(
    # AWS Budgets without actions cost nothing per budget-day (price list, BudgetsUsage).
    "aws:budgets/budget:Budget",
    "aws:costexplorer/costAllocationTag:CostAllocationTag",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor",
    "aws:costexplorer/anomalySubscription:AnomalySubscription",
    # SNS and Pub/Sub bill per message; budget alerts are a handful a month, well inside free tiers.
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "gcp:pubsub/topic:Topic",
    "gcp:billing/budget:Budget",
)


@register("aws:kms/key:Key")
def _kms_key(resource: PlannedResource, ctx: CostContext) -> float:
    price = ctx.catalog.unit_price("aws", "kms_key_month", resource.region or "us-east-1")
    return price.value if price else 0.0
