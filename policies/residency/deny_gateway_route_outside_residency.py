"""SKW-RES-003: the LLM gateway only routes prompts to models served inside the stack's residency.

Routes are read from two places that must agree: the `skyweave:gateway:Gateway` component's props
(`routes: [{name, model, provider, region}]`, the stack file's intent) and the LiteLLM config rendered into a
Kubernetes ConfigMap (what the proxy will actually call: `aws_region_name`, `vertex_location`, `region_name`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from pulumi_policy import ResourceValidationArgs

from policies.meta import ALLOWED_REGIONS, PolicyMeta
from policies.props import dig, is_map, items
from policies.residency.locations import outside
from policies.rule import required, resource_policy
from skyweave.consistency import bedrock_geography
from skyweave.errors import allowed_list
from skyweave.yamlfile import safe_load

GATEWAY_TYPE = "skyweave:gateway:Gateway"
CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap"
# LiteLLM provider prefixes served by a cloud region; other prefixes are self-hosted or regionless APIs.
_REGIONAL_PROVIDERS = ("bedrock/", "bedrock_converse/", "sagemaker/", "vertex_ai/", "vertex_ai_beta/", "azure/", "azure_ai/")
_SELF_HOSTED_PROVIDERS = ("hosted_vllm/", "openai_compatible/")
_LITELLM_REGION_KEYS = ("aws_region_name", "vertex_location", "region_name")

META = PolicyMeta(
    id="SKW-RES-003",
    name="residency-gateway-routes-inside-residency",
    title="Every LLM gateway route sends prompts to a model served inside the stack's residency.",
    severity="critical",
    rationale=(
        "Prompts and completions are personal data as soon as users type it; a route to a model served "
        "in another jurisdiction transfers that data, however compliant the rest of the stack is."
    ),
    remediation=(
        "Give the route a `region:` inside the residency (Bedrock `aws_region_name`, Vertex `vertex_location`), "
        "serve the model yourself behind the gateway, or remove the route and its fallbacks."
    ),
    config={
        **ALLOWED_REGIONS,
        "allowedGeographies": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Bedrock cross-region inference geographies (eu, us, ...) whose regions are all allowed.",
        },
    },
    required_config=("allowedRegions",),
)


Route = tuple[str, Any, Any, bool]  # (where, model, region, self-hosted)


def check(args: ResourceValidationArgs) -> Iterator[str]:
    config = args.get_config()
    if args.resource_type == GATEWAY_TYPE:
        routes = [
            (f"route {dig(r, 'name')!r}", dig(r, "model"), dig(r, "region"), _self_hosted(r))
            for r in items(args.props.get("routes"))
        ]
    else:
        routes = [
            (f"{key}: model_list entry {dig(e, 'model_name')!r}", dig(e, "litellm_params", "model"),
             _litellm_region(dig(e, "litellm_params")), False)
            for key, document in _litellm_configs(args.props)
            for e in items(dig(document, "model_list"))
            if is_map(e)
        ]
    for route in routes:
        yield from _judge(route, config)


def _judge(route: Route, config: Mapping[str, Any]) -> Iterator[str]:
    where, model, region, self_hosted = route
    model = model if isinstance(model, str) else ""
    allowed = required(config, "allowedRegions")
    if self_hosted or "/" not in model or model.startswith(_SELF_HOSTED_PROVIDERS):
        return  # a self-hosted model (a workload name, hosted_vllm/...) runs in the stack's own cluster
    geography = bedrock_geography(model)
    if geography and geography not in (config.get("allowedGeographies") or []):
        yield (
            f"{where} uses the cross-region inference profile {model!r}, which may run anywhere in {geography!r}; "
            f"use the in-region model ID with a region in: {allowed_list(allowed)}"
        )
    if not model.startswith(_REGIONAL_PROVIDERS):
        yield (
            f"{where} sends prompts to {model!r}, which names no region; route to a model served in one of: "
            f"{allowed_list(allowed)}"
        )
    elif not isinstance(region, str) or not region:
        yield f"{where} ({model}) names no region; set its region to one of: {allowed_list(allowed)}"
    elif outside(region, allowed, []):
        yield (
            f"{where} ({model}) is served from {region!r}, outside the stack's residency; use one of: "
            f"{allowed_list(allowed)}"
        )


def _self_hosted(route: Any) -> bool:
    return dig(route, "provider") == "self_hosted"


def _litellm_region(params: Any) -> Any:
    for key in _LITELLM_REGION_KEYS:
        value = dig(params, key)
        if value:
            return value
    return None


def _litellm_configs(props: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """`(data key, parsed document)` for ConfigMap entries that hold a LiteLLM config (a `model_list`)."""
    data = props.get("data")
    if not is_map(data):
        return
    for key in data:
        text = data[key]
        if not isinstance(text, str) or "model_list" not in text:
            continue
        try:
            document = safe_load(text)  # as LiteLLM reads it
        except yaml.YAMLError:
            continue
        if is_map(document):
            yield f"data[{key!r}]", document


POLICY = resource_policy(META, check, types=(GATEWAY_TYPE, CONFIG_MAP_TYPE))
