"""Monthly cost of a planned stack, per resource and rolled up by component and region.

Each area registers the resource types it prices (`register`); types that cost nothing are listed as
free. A type that is neither makes the estimate say so instead of silently counting zero.
"""

from skyweave.cost.core import CostContext, CostSummary, estimate, is_priced, register, register_free
from skyweave.cost import platform as _platform  # noqa: F401  (registers the types it prices)
from skyweave.cost import compute as _compute  # noqa: F401  (clusters and node pools)
from skyweave.cost import gateway as _gateway  # noqa: F401  (gateway pods and Kubernetes objects)
from skyweave.cost import storage as _storage  # noqa: F401  (buckets, keys, log buckets)
from skyweave.cost import serverless as _serverless  # noqa: F401  (serverless endpoints)

__all__ = ["CostContext", "CostSummary", "estimate", "is_priced", "register", "register_free"]
