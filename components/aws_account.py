"""The AWS account a provider deploys into, asked once per provider.

Keys, buckets, roles, topics and budgets name their own account in their policies. Each
`getCallerIdentity` is an STS call in a real deploy, so one answer per provider serves every resource
of its region instead of one call per resource.
"""

from __future__ import annotations

import weakref

import pulumi
import pulumi_aws as aws

_TOKEN = "aws:index/getCallerIdentity:getCallerIdentity"
_ACCOUNTS: weakref.WeakKeyDictionary[pulumi.ProviderResource, pulumi.Output[str]] = weakref.WeakKeyDictionary()


def account_id(child: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """ID of the account that the AWS provider passed down by `child`'s parent deploys into."""
    parent = child.parent
    provider = parent.get_provider(_TOKEN) if parent is not None else None
    if provider is None:  # no provider to share the answer with: ask as the parent would
        return aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=parent)).account_id
    if provider not in _ACCOUNTS:
        _ACCOUNTS[provider] = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(provider=provider)).account_id
    return _ACCOUNTS[provider]
