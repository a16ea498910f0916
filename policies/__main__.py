"""Entry point the Pulumi engine runs (`python -m pulumi.policy <engine> .`): serve the pack over gRPC.

Constructing `PolicyPack` starts the analyzer server and blocks, so this file only builds it.
"""

from pulumi_policy import PolicyPack

from policies.pack import PACK_DESCRIPTION, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=list(POLICIES), description=PACK_DESCRIPTION)
