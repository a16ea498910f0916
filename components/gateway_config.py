"""What a gateway is configured with, and the LiteLLM proxy config rendered from it.

The config is rendered by Jinja2 (`templates/litellm_config.yaml.j2`, StrictUndefined, no autoescape;
every scalar goes through JSON quoting, which YAML reads back unchanged) and then parsed, as LiteLLM
parses it (PyYAML's safe loader), and checked before it is used: LiteLLM's own `--validate_config` misses
fallbacks to undefined routes and numbers given as text, so skyweave checks those itself. Secrets appear
only as `os.environ/` references.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from components.vllm_server import VllmServerArgs, service_url
from skyweave.yamlfile import safe_load

LITELLM_IMAGE = "ghcr.io/berriai/litellm-non_root:v1.106.2"
"""LiteLLM's non-root image (runs as `nobody`, Prisma binaries baked in), pinned to the release skyweave tests."""
PROXY_PORT = 4000
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
DATABASE_ENV = "DATABASE_URL"
REDIS_PASSWORD_ENV = "REDIS_PASSWORD"
SECRET_NAME = "litellm-pulumi-secrets"
"""The Secret skyweave fills from Pulumi secrets (existing Secrets are referenced by their own names)."""
ROUTING_STRATEGIES = (
    "simple-shuffle", "least-busy", "latency-based-routing", "cost-based-routing",
    "usage-based-routing-v2", "usage-based-routing", "provider-budget-routing",
)
"""Strategies LiteLLM 1.106 accepts (its own validator lists these)."""
SECRET_KEYS = ("api_key", "master_key", "database_url", "password", "redis_password")
TEMPLATES = Path(__file__).parent / "templates"

_Strict = ConfigDict(extra="forbid", frozen=True)


class GatewayConfigError(ValueError):
    """A rendered LiteLLM config that must not be deployed; lists every problem."""


class GatewayRouteArgs(BaseModel):
    """One route: the model name callers ask for, and the deployment that serves it."""

    model_config = _Strict

    name: str
    """Model name callers use."""
    model: str
    """As the stack file says: `bedrock/...`, `vertex_ai/...`, or the self-hosted workload's name."""
    provider: Literal["bedrock", "vertex_ai", "self_hosted"]
    """Who serves the model."""
    region: str
    """Region the model is served from (residency policies read it from the component's props)."""
    rpm: int | None = Field(default=None, gt=0)
    """Enforced requests per minute."""
    tpm: int | None = Field(default=None, gt=0)
    """Enforced tokens per minute."""
    api_key_env: str | None = None
    """Environment variable holding the provider key, filled from a secret."""


class SecretEnv(BaseModel):
    """An environment variable of the gateway pods whose value comes from a secret, never a manifest."""

    model_config = _Strict

    env: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    """Environment variable name, e.g. `LITELLM_MASTER_KEY`."""
    secret: str | None = None
    """Existing Kubernetes Secret in the gateway's namespace."""
    key: str | None = None
    """Key in that Secret."""
    config: str | None = None
    """Pulumi config key (namespace `skyweave`) whose secret value skyweave puts in its own Secret."""

    @model_validator(mode="after")
    def _one_source(self) -> SecretEnv:
        if not ((self.secret and self.key and not self.config) or (self.config and not self.secret)):
            raise ValueError(f"{self.env}: give secret + key, or config")
        return self


def secret_env(secret: SecretEnv) -> dict:
    """A container env var filled by `secretKeyRef` from the Secret that holds it."""
    ref = {"name": secret.secret, "key": secret.key} if secret.secret else {"name": SECRET_NAME, "key": secret.env}
    return {"name": secret.env, "value_from": {"secret_key_ref": ref}}


class RedisArgs(BaseModel):
    model_config = _Strict

    host: str
    """Redis hostname."""
    port: int = 6379
    """Redis port."""
    tls: bool = True
    """Connect over TLS."""


class TeamArgs(BaseModel):
    model_config = _Strict

    name: str
    """Team ID and alias in the gateway."""
    monthly_budget_usd: float = Field(gt=0)
    """Spend allowed per calendar month."""


class GatewayArgs(BaseModel):
    """Inputs of a `Gateway`; registered as its props, so policies see routes and their regions."""

    model_config = _Strict

    stack_name: str
    """Environment the gateway belongs to."""
    cloud: Literal["aws", "gcp"]
    """Cloud of the cluster the gateway runs in."""
    region: str
    """Region of that cluster."""
    namespace: str = "skyweave-gateway"
    """Namespace created for the gateway and its self-hosted models."""
    routes: list[GatewayRouteArgs] = Field(min_length=1)
    """Routes callers can reach, with the region each is served from."""
    self_hosted: list[VllmServerArgs] = []
    """vLLM servers this gateway runs for its self-hosted routes."""
    fallbacks: dict[str, list[str]] = {}
    """Route → routes tried in order when it fails."""
    context_window_fallbacks: dict[str, list[str]] = {}
    """Route → routes tried when a prompt exceeds its context window."""
    routing_strategy: str = "simple-shuffle"
    """LiteLLM routing strategy."""
    num_retries: int = Field(default=2, ge=0)
    """Retries within a route before falling back."""
    allowed_fails: int = Field(default=3, ge=1)
    """Failures per minute before a deployment cools down."""
    cooldown_seconds: int = Field(default=30, ge=1)
    """Cooldown of a failing deployment."""
    request_timeout_seconds: int = Field(default=600, ge=1)
    """Timeout of one model call."""
    provider_budgets: dict[str, float] = {}
    """Provider → monthly USD cap, enforced by the router."""
    gcp_project: str | None = None
    """Project Vertex AI routes bill to."""
    secrets: list[SecretEnv] = Field(min_length=1)
    """Secret environment variables: the master key, and the database URL, Redis password, provider keys."""
    redis: RedisArgs | None = None
    """Shared Redis for counters across pods and the response cache."""
    cache_ttl_seconds: int | None = None
    """Response cache TTL; needs Redis."""
    teams: list[TeamArgs] = []
    """Teams with monthly budgets; need the database."""
    min_replicas: int = Field(default=2, ge=1)
    """Pods kept running."""
    max_replicas: int = Field(default=6, ge=1)
    """Ceiling for the CPU autoscaler."""
    pod_cpu: float = Field(default=1.0, gt=0)
    """CPU cores requested per pod."""
    pod_memory_gib: float = Field(default=2.0, gt=0)
    """Memory requested per pod in GiB."""
    service_account_annotations: dict[str, str] = {}
    """Annotations binding the pods' service account to a cloud identity (Bedrock / Vertex AI access)."""
    image: str = LITELLM_IMAGE
    """LiteLLM image, pinned."""

    @model_validator(mode="after")
    def _complete(self) -> GatewayArgs:
        envs = {s.env for s in self.secrets}
        needed = {MASTER_KEY_ENV} | {r.api_key_env for r in self.routes if r.api_key_env}
        if self.teams:
            needed.add(DATABASE_ENV)
        if missing := sorted(needed - envs):
            raise ValueError(f"gateway {self.stack_name}: no secret given for {', '.join(missing)}")
        if self.cache_ttl_seconds and self.redis is None:
            raise ValueError(f"gateway {self.stack_name}: the response cache needs redis")
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"gateway {self.stack_name}: min_replicas is above max_replicas")
        return self

    def env_of(self, name: str) -> str | None:
        return name if any(s.env == name for s in self.secrets) else None


def render_litellm_config(args: GatewayArgs) -> str:
    """The proxy's config.yaml for one gateway, checked; raises GatewayConfigError if it is unusable."""
    text = _template().render(_context(args))
    check_litellm_config(text)
    return text


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,  # a missing value is an error, never an empty string
        autoescape=False,  # YAML, not HTML; every scalar is JSON-quoted by the `q` filter instead
        keep_trailing_newline=True,
    )
    env.filters["q"] = lambda value: json.dumps(value, ensure_ascii=False)
    return env.get_template("litellm_config.yaml.j2")


def _context(args: GatewayArgs) -> dict:
    redis = None
    if args.redis:
        redis = {**args.redis.model_dump(), "password_env": args.env_of(REDIS_PASSWORD_ENV)}
    return {
        "stack": args.stack_name,
        "cloud": args.cloud,
        "region": args.region,
        "routes": [_route(args, r) for r in args.routes],
        "request_timeout": args.request_timeout_seconds,
        "routing_strategy": args.routing_strategy,
        "num_retries": args.num_retries,
        "allowed_fails": args.allowed_fails,
        "cooldown_time": args.cooldown_seconds,
        "fallbacks": [{k: v} for k, v in args.fallbacks.items()],
        "context_window_fallbacks": [{k: v} for k, v in args.context_window_fallbacks.items()],
        "rate_limited": any(r.rpm or r.tpm for r in args.routes),
        "provider_budgets": args.provider_budgets,
        "redis": redis,
        "cache_ttl": args.cache_ttl_seconds,
        "master_key_env": MASTER_KEY_ENV,
        "database_env": args.env_of(DATABASE_ENV),
    }


def _route(args: GatewayArgs, route: GatewayRouteArgs) -> dict:
    params: dict[str, object] = {}
    if route.provider == "self_hosted":
        model = f"hosted_vllm/{route.model}"
        params["api_base"] = service_url(route.model, args.namespace)
    else:
        model = route.model
        if route.provider == "bedrock":
            params["aws_region_name"] = route.region
        else:
            params["vertex_location"] = route.region
            if args.gcp_project:
                params["vertex_project"] = args.gcp_project
    if route.api_key_env:
        params["api_key"] = f"os.environ/{route.api_key_env}"
    params.update({k: v for k, v in (("rpm", route.rpm), ("tpm", route.tpm)) if v})
    return {"name": route.name, "provider": route.provider, "region": route.region, "litellm_model": model,
            "params": params}


def check_litellm_config(text: str) -> dict:
    """Parse a rendered config and check its shape; returns it, or raises GatewayConfigError."""
    try:
        config = safe_load(text)
    except yaml.YAMLError as exc:
        raise GatewayConfigError(f"rendered LiteLLM config is not YAML: {exc}") from None
    problems = _problems(config) if isinstance(config, dict) else ["the config is not a mapping"]
    if problems:
        raise GatewayConfigError("rendered LiteLLM config is unusable: " + "; ".join(problems))
    return config


def _problems(config: dict) -> list[str]:
    problems = [f"unknown section {k!r}" for k in config
                if k not in ("model_list", "router_settings", "litellm_settings", "general_settings")]
    models = config.get("model_list")
    if not isinstance(models, list) or not models:
        return [*problems, "model_list must be a non-empty list"]
    names = set()
    for i, entry in enumerate(models):
        params = entry.get("litellm_params") if isinstance(entry, dict) else None
        if not isinstance(params, dict) or not isinstance(params.get("model"), str) or not entry.get("model_name"):
            problems.append(f"model_list[{i}] needs model_name and litellm_params.model")
            continue
        names.add(entry["model_name"])
        problems += [f"model_list[{i}].litellm_params.{k} must be a positive integer"
                     for k in ("rpm", "tpm", "timeout") if k in params and not _positive_int(params[k])]
    router = config.get("router_settings") or {}
    if router.get("routing_strategy", "simple-shuffle") not in ROUTING_STRATEGIES:
        problems.append(f"routing_strategy {router.get('routing_strategy')!r} is not one of {', '.join(ROUTING_STRATEGIES)}")
    problems += [f"router_settings.{k} must be a non-negative integer" for k in ("num_retries", "allowed_fails", "cooldown_time")
                 if k in router and not (_positive_int(router[k]) or router[k] == 0)]
    for kind in ("fallbacks", "context_window_fallbacks"):
        for rule in router.get(kind) or []:
            for source, targets in (rule.items() if isinstance(rule, dict) else [(rule, [])]):
                problems += [f"{kind}: {name!r} is not a model_name" for name in [source, *targets] if name not in names]
    for provider, budget in (router.get("provider_budget_config") or {}).items():
        limit = budget.get("budget_limit") if isinstance(budget, dict) else None
        if not (isinstance(limit, int | float) and limit > 0 and isinstance(budget.get("time_period"), str)):
            problems.append(f"provider_budget_config.{provider} needs a positive budget_limit and a time_period")
    limited = any(("rpm" in m["litellm_params"] or "tpm" in m["litellm_params"]) for m in models if isinstance(m, dict))
    if limited and "enforce_model_rate_limits" not in (router.get("optional_pre_call_checks") or []):
        problems.append("rpm/tpm limits are set but not enforced (enforce_model_rate_limits is missing)")
    if not str((config.get("general_settings") or {}).get("master_key", "")).startswith("os.environ/"):
        problems.append("general_settings.master_key must be an os.environ/ reference")
    problems += [f"{path} holds a literal secret; use an os.environ/ reference" for path in _literal_secrets(config)]
    return problems


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _literal_secrets(node: object, path: str = "") -> list[str]:
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key in SECRET_KEYS and value is not None and not str(value).startswith("os.environ/"):
                found.append(where)
            found += _literal_secrets(value, where)
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _literal_secrets(item, f"{path}[{i}]")]
    return []
