"""Turn a check function and its metadata into a CrossGuard policy, with waivers and unknown values handled.

A check yields plain messages (resource policies) or `(urn, message)` pairs (stack policies, `urn` None
for the stack as a whole). Every finding goes through the same gate:

* a value unknown at preview raises `UnknownValueError`; CrossGuard would turn that into an advisory
  "can't run policy" note, so it is caught here and reported at the policy's own level as "cannot verify";
* a finding matched by an active waiver (reason given, not expired) is reported as waived instead of
  failing: to the offline runner through its reporter's `waived` method, under the Pulumi engine as a
  line on stderr, which the CLI shows as an info message.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policies.meta import PolicyMeta

ResourceCheck = Callable[[ResourceValidationArgs], Iterable[str]]
StackFinding = tuple[str | None, str]
StackCheck = Callable[[StackValidationArgs], Iterable[StackFinding]]


class NotConfigured(Exception):
    """The policy config lacks what the policy needs; reported as a finding, never a silent pass."""


class CannotVerify(Exception):
    """The policy cannot judge what it sees (e.g. a resource it cannot price); reported as a finding."""


class SkyweaveResourcePolicy(ResourceValidationPolicy):
    """A CrossGuard resource policy that carries its skyweave metadata and the resource types it judges."""

    def __init__(self, meta: PolicyMeta, validate: Callable[[ResourceValidationArgs, ReportViolation], None],
                 types: frozenset[str] | None = None):
        super().__init__(validate=validate, **meta.crossguard_kwargs())
        self.meta = meta
        self.types = types
        """Resource types the policy judges (None: every type); the offline runner hands it no others."""


class SkyweaveStackPolicy(StackValidationPolicy):
    """A CrossGuard stack policy that carries its skyweave metadata."""

    def __init__(self, meta: PolicyMeta, validate: Callable[[StackValidationArgs, ReportViolation], None]):
        super().__init__(validate=validate, **meta.crossguard_kwargs())
        self.meta = meta


SkyweavePolicy = SkyweaveResourcePolicy | SkyweaveStackPolicy


def resource_policy(meta: PolicyMeta, check: ResourceCheck, types: Iterable[str] | None = None) -> SkyweaveResourcePolicy:
    """A resource policy that runs `check` on resources of `types` (all resources when None)."""
    wanted = frozenset(types) if types is not None else None

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        gate = _Gate(meta, args.get_config(), report_violation)
        gate.run(lambda: ((args.urn, message) for message in check(args)), args.urn)

    return SkyweaveResourcePolicy(meta, validate, wanted)


def stack_policy(meta: PolicyMeta, check: StackCheck) -> SkyweaveStackPolicy:
    """A stack policy; `check` sees every resource of the stack (their outputs, under the engine)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        _Gate(meta, args.get_config(), report_violation).run(lambda: check(args), None)

    return SkyweaveStackPolicy(meta, validate)


def required(config: Mapping[str, Any], key: str) -> Any:
    """A config property the policy cannot judge without."""
    value = config.get(key)
    if value is None:
        raise NotConfigured(f"the policy config has no `{key}`; write it with `skyweave policy-config STACK_FILE`")
    return value


def per_resource(resources: Iterable[Any], check: Callable[[Any], Iterable[str]], meta: PolicyMeta) -> Iterator[StackFinding]:
    """Run a per-resource check inside a stack policy; an unknown value stops only its own resource."""
    for resource in resources:
        try:
            for message in check(resource):
                yield resource.urn, message
        except UnknownValueError as exc:
            yield resource.urn, cannot_verify(meta, exc)


def cannot_verify(meta: PolicyMeta, exc: UnknownValueError) -> str:
    return (
        f"cannot verify: {exc.message}; make the value known at preview (a literal in the stack file or "
        f"component, not another resource's output) or waive {meta.id} for this resource with a reason"
    )


def active_waiver(waivers: Iterable[Mapping[str, Any]], urn: str | None, today: dt.date | None = None) -> Mapping[str, Any] | None:
    """The first waiver that covers the resource, has a reason and has not expired."""
    today = today or dt.date.today()
    name = urn.rsplit("::", 1)[-1] if urn else ""
    for waiver in waivers:
        glob = str(waiver.get("resource") or "*")
        if not (fnmatch.fnmatchcase(name, glob) or (urn and fnmatch.fnmatchcase(urn, glob))):
            continue
        if waiver_problem(waiver, today) is None:
            return waiver
    return None


def waiver_problem(waiver: Mapping[str, Any], today: dt.date) -> str | None:
    """Why a waiver does not apply (no reason, bad or past expiry date), or None when it does."""
    if not str(waiver.get("reason") or "").strip():
        return "has no reason; say why the finding is accepted"
    try:
        expires = dt.date.fromisoformat(str(waiver.get("expires")))
    except ValueError:
        return f"expiry {waiver.get('expires')!r} is not a date (YYYY-MM-DD)"
    if expires < today:
        return f"expired on {expires.isoformat()}; fix the finding or renew the waiver with a new date"
    return None


class _Gate:
    """Sends each finding to CrossGuard, or to the waived channel when an active waiver covers it."""

    def __init__(self, meta: PolicyMeta, config: Mapping[str, Any], report_violation: ReportViolation):
        self.meta = meta
        self.waivers = list(config.get("waivers") or ())
        self.report_violation = report_violation

    def run(self, findings: Callable[[], Iterable[StackFinding]], urn: str | None) -> None:
        """Report every finding; a check that cannot finish is itself a finding on `urn`."""
        try:
            for where, message in findings():
                self.report(where, message)
        except UnknownValueError as exc:
            self.report(urn, cannot_verify(self.meta, exc))
        except NotConfigured as exc:
            self.report(urn, f"not configured: {exc}")
        except CannotVerify as exc:
            self.report(urn, f"cannot verify: {exc}")

    def report(self, urn: str | None, message: str) -> None:
        waiver = active_waiver(self.waivers, urn) if self.waivers else None
        if waiver is None:
            self.report_violation(message, urn)
            return
        waived = getattr(self.report_violation, "waived", None)
        if waived is not None:
            waived(message, urn, str(waiver["reason"]))
        else:
            where = urn or "the stack"
            print(f"skyweave: waived {self.meta.id} on {where}: {message} (waiver: {waiver['reason']}; "
                  f"expires {waiver['expires']})", file=sys.stderr, flush=True)
