"""SKW-SEC-007: no secret is written into a Kubernetes manifest or the gateway's config.

Secrets belong in Kubernetes Secrets (read through `secretKeyRef`) or in Pulumi secrets; a value in a pod
spec or a ConfigMap is readable by anyone who can read the namespace, and lands in Git via exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies.meta import PolicyMeta
from policies.props import dig, is_map, items, known_strings
from policies.rule import resource_policy

META = PolicyMeta(
    id="SKW-SEC-007",
    name="security-no-inline-secrets",
    title="No API key, password or token is written into a pod spec, a ConfigMap or the gateway's props.",
    severity="critical",
    rationale=(
        "Manifests and ConfigMaps are readable by anyone with read access to the namespace, are exported "
        "for scanning, and end up in logs and Git; a provider key there is a key published."
    ),
    remediation=(
        "Reference the secret instead: `os.environ/NAME` in the LiteLLM config, `valueFrom.secretKeyRef` in "
        "pod env, with the value in a Kubernetes Secret or in Pulumi config set with `--secret`."
    ),
)

_WORKLOADS = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
}
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
GATEWAY = "skyweave:gateway:Gateway"
# Shapes of real credentials: OpenAI/Anthropic-style keys, AWS access keys, Google API keys, GitHub and
# Slack tokens, PEM private keys, URLs with a password in them.
_KEY_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@)"
)
_SECRET_WORDS = r"(?:api[_-]?key|secret|token(?!s)|password|passwd|credential|master[_-]?key|private[_-]?key)"
_SECRET_NAME = re.compile(_SECRET_WORDS, re.IGNORECASE)
# `key: value` lines of a YAML/INI/env config whose key names a secret.
_SECRET_LINE = re.compile(rf"^\s*([\w.-]*{_SECRET_WORDS}[\w.-]*)\s*[:=]\s*[\"']?([^\s\"'#]+)", re.IGNORECASE | re.MULTILINE)
_REFERENCE = ("os.environ/", "${", "$(")
MASK = "[secret]"


def check(args: ResourceValidationArgs) -> Iterator[str]:
    if args.resource_type in _WORKLOADS:
        pod = dig(args.props, *_WORKLOADS[args.resource_type])
        for group in ("initContainers", "containers"):
            for container in items(dig(pod, group)):
                yield from _env(container, group)
    elif args.resource_type == CONFIG_MAP:
        data = args.props.get("data")
        for key in data if is_map(data) else []:
            yield from _text(f"data[{key!r}]", data[key])
    else:
        for path, text in known_strings(args.props):
            if _KEY_SHAPES.search(text):
                yield f"{path} holds what looks like a credential; pass it as a secret reference instead"


def _env(container: Any, group: str) -> Iterator[str]:
    name = dig(container, "name")
    for variable in items(dig(container, "env")):
        env, value = dig(variable, "name"), dig(variable, "value")
        if not isinstance(value, str) or not value or value.startswith(_REFERENCE):
            continue
        where = f"{group} {name!r} env {env}"
        if value == MASK:
            yield f"{where} takes a secret value inline; use valueFrom.secretKeyRef"
        elif _KEY_SHAPES.search(value):
            yield f"{where} holds what looks like a credential; use valueFrom.secretKeyRef"
        elif isinstance(env, str) and _SECRET_NAME.search(env):
            yield f"{where} names a secret but sets its value inline; use valueFrom.secretKeyRef"


def _text(where: str, text: Any) -> Iterator[str]:
    if not isinstance(text, str):
        return
    if MASK in text or _KEY_SHAPES.search(text):
        yield f"{where} holds what looks like a credential; reference it (os.environ/NAME) instead"
        return
    for match in _SECRET_LINE.finditer(text):
        key, value = match.group(1), match.group(2)
        if value.lower() in ("null", "none", "~", "true", "false") or value.startswith(_REFERENCE):
            continue
        if not value.replace(".", "", 1).isdigit():
            yield f"{where} sets {key} inline; reference it (os.environ/NAME) instead"


POLICY = resource_policy(META, check, types=(*_WORKLOADS, CONFIG_MAP, GATEWAY))
