"""skyweave's CrossGuard policy pack: residency, cost caps and a security baseline.

`policies.pack.POLICIES` is the explicit list; `__main__.py` only builds the `PolicyPack` from it (building
a pack starts a gRPC server, so nothing else may import `__main__`).
"""
