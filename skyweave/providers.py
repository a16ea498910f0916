"""One explicit provider per cloud and region; nothing in a stack uses a default provider.

Providers are made on first use, so a stack that never touches GCP never imports pulumi_gcp.
"""

from __future__ import annotations

import pulumi

from skyweave.spec import StackSpec


class Providers:
    """Cache of the stack's explicit providers, keyed by (cloud, region)."""

    def __init__(self, spec: StackSpec):
        self._spec = spec
        self._made: dict[tuple[str, str], pulumi.ProviderResource] = {}

    def get(self, cloud: str, region: str) -> pulumi.ProviderResource:
        key = (cloud, region)
        if key not in self._made:
            self._made[key] = self._aws(region) if cloud == "aws" else self._gcp(region)
        return self._made[key]

    def _aws(self, region: str) -> pulumi.ProviderResource:
        import pulumi_aws as aws

        return aws.Provider(f"aws-{region}", region=region)

    def _gcp(self, region: str) -> pulumi.ProviderResource:
        import pulumi_gcp as gcp

        # Labels are stamped per resource; the provider pins project and region.
        return gcp.Provider(f"gcp-{region}", project=self._spec.gcp_project, region=region)
