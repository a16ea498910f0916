"""A Cloud KMS key ring and key, rotated, with one Google service agent allowed to use the key.

GKE secrets encryption and GCS CMEK both need this shape; only names and the agent differ.
"""

from __future__ import annotations

import pulumi

KEY_ROTATION = f"{90 * 86_400}s"  # CIS / checkov CKV_GCP_43: rotate at least every 90 days


def granted_key(
    ring: tuple[str, str],
    key: tuple[str, str],
    grant: str,
    location: str,
    project: str,
    agent: pulumi.Output[str],
    key_opts: pulumi.ResourceOptions,
    grant_opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """The key's ID, resolving only once the agent's grant exists, so users of the key wait for it.

    `ring` and `key` are (logical name, physical name); `agent` is the IAM member, e.g. `serviceAccount:...`.
    Key rings and keys cannot be deleted in Cloud KMS; `key_opts` should protect them, so Pulumi's state
    stays honest too.
    """
    import pulumi_gcp as gcp

    key_ring = gcp.kms.KeyRing(ring[0], name=ring[1], location=location, project=project, opts=key_opts)
    crypto_key = gcp.kms.CryptoKey(key[0], name=key[1], key_ring=key_ring.id, rotation_period=KEY_ROTATION,
                                   purpose="ENCRYPT_DECRYPT", opts=key_opts)
    member = gcp.kms.CryptoKeyIAMMember(
        grant, crypto_key_id=crypto_key.id, role="roles/cloudkms.cryptoKeyEncrypterDecrypter", member=agent,
        opts=grant_opts,
    )
    return member.crypto_key_id
