"""Price a stack inside a policy with skyweave's cost model, from the stack spec in the policy config."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pulumi_policy import StackValidationArgs

from policies.planned import planned_resources
from policies.props import is_list, is_map
from policies.rule import CannotVerify, NotConfigured
from skyweave.catalog import Catalog
from skyweave.cost import CostContext, CostSummary, estimate
from skyweave.plan import PlannedResource
from skyweave.spec import StackSpec


def stack_spec(config: Mapping[str, Any]) -> tuple[StackSpec, Catalog]:
    """The stack spec carried in the policy config, and the catalog with its price book applied."""
    stack = config.get("stack")
    if not is_map(stack):
        raise NotConfigured("the policy config has no `stack`; write it with `skyweave policy-config STACK_FILE`")
    return _priced(json.dumps(_plain(stack), sort_keys=True))


@lru_cache(maxsize=8)
def _priced(text: str) -> tuple[StackSpec, Catalog]:
    from skyweave.pipeline import priced_catalog

    spec = StackSpec.model_validate_json(text)
    return spec, priced_catalog(spec)


def price(args: StackValidationArgs) -> tuple[StackSpec, list[PlannedResource], CostSummary]:
    """The stack spec, every resource of the stack with its `monthly_usd` set, and the roll-ups."""
    spec, catalog = stack_spec(args.get_config())
    resources = planned_resources(args.resources)
    try:
        return spec, resources, estimate(resources, CostContext(spec, catalog))
    except (KeyError, ValueError) as exc:  # a pricing function that cannot price what it was given
        raise CannotVerify(f"the cost model cannot price the stack: {exc}") from None


def _plain(value: Any) -> Any:
    if is_map(value):
        return {key: _plain(value[key]) for key in value}
    if is_list(value):
        return [_plain(item) for item in value]
    return value
