"""Which resource types take cost tags/labels, read from the cloud SDK class of the type token.

skyweave's tag transformation decides by the same test (`skyweave.tags.tag_property`), so the policy
requires tags exactly where `pulumi up` would have stamped them. Answers are cached per type.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from pulumi.runtime.rpc import get_resource_module

from skyweave.tags import tag_property


@lru_cache(maxsize=None)
def tag_input(type_token: str) -> str | None:
    """Wire name of the tag/label input of a type (`tags`, `labels`, `resourceLabels`), or None."""
    package, module, _ = (type_token.split(":") + ["", ""])[:3]
    if package not in ("aws", "gcp"):
        return None
    importlib.import_module(f"pulumi_{package}")  # registers the package's resource modules
    registered = get_resource_module(package, module, "")
    class_name = getattr(registered, "mod_info", {}).get("classes", {}).get(type_token)
    if class_name is None:
        return None
    cls = getattr(importlib.import_module(registered.mod_info["fqn"]), class_name)
    name = tag_property(cls, package)
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name) if name else None
