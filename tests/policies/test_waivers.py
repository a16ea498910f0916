"""Waivers: an active waiver turns a finding into a waived one; an expired or reason-less one is a finding."""

from __future__ import annotations

import datetime as dt

import pytest
from policy_helpers import Reports, resource_args, run, stack

from policies.governance import deny_invalid_waivers
from policies.pack import POLICIES
from policies.security import require_protection

PROTECTION = require_protection.POLICY
FINDING = "is not protected; create it with protect=True so no deploy can delete it"
URN = "urn:pulumi:test::skyweave::aws:s3/bucket:Bucket::data-logs"
LATER = (dt.date.today() + dt.timedelta(days=30)).isoformat()


def waiver(resource: str = "data-*", reason: str = "log bucket is rebuilt from CloudTrail", expires: str = LATER) -> dict:
    return {"policy": "SKW-SEC-008", "resource": resource, "reason": reason, "expires": expires}


def bucket_args(*waivers: dict) -> object:
    return resource_args("aws:s3/bucket:Bucket", {"bucket": "logs"}, {"waivers": list(waivers)}, name="data-logs")


def test_an_active_waiver_reports_the_finding_as_waived() -> None:
    reports = run(PROTECTION, bucket_args(waiver()))
    assert reports.violations == []
    assert reports.waived_findings == [(URN, FINDING, "log bucket is rebuilt from CloudTrail")]


def test_a_waiver_for_another_resource_does_not_apply() -> None:
    assert run(PROTECTION, bucket_args(waiver(resource="model-*"))).violations == [(URN, FINDING)]


@pytest.mark.parametrize("bad", [waiver(expires="2020-01-01"), waiver(reason="  ")])
def test_an_expired_or_reasonless_waiver_does_not_apply(bad: dict) -> None:
    reports = run(PROTECTION, bucket_args(bad))
    assert reports.violations == [(URN, FINDING)]
    assert reports.waived_findings == []


def test_under_the_engine_a_waived_finding_is_a_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    found: list[str] = []
    PROTECTION.validate(bucket_args(waiver()), lambda message, urn=None: found.append(message))
    assert found == []
    assert capsys.readouterr().err == (
        f"skyweave: waived SKW-SEC-008 on {URN}: {FINDING} (waiver: log bucket is rebuilt from CloudTrail; "
        f"expires {LATER})\n"
    )


def governance(*waivers: dict) -> Reports:
    ids = [p.meta.id for p in POLICIES]
    return run(deny_invalid_waivers.POLICY, stack([], {"allWaivers": list(waivers), "policyIds": ids}))


def test_valid_waivers_pass_governance() -> None:
    assert governance(waiver()).violations == []


def test_expired_reasonless_and_unknown_waivers_are_findings() -> None:
    unknown = {**waiver(), "policy": "SKW-SEC-999"}
    assert governance(waiver(expires="2020-01-01"), waiver(reason=""), unknown).messages == [
        "waivers[0] (SKW-SEC-008 on data-*) expired on 2020-01-01; fix the finding or renew the waiver with a new date",
        "waivers[1] (SKW-SEC-008 on data-*) has no reason; say why the finding is accepted",
        "waivers[2] (SKW-SEC-999 on data-*) names no policy of the pack; use one of: "
        + ", ".join(sorted(p.meta.id for p in POLICIES)),
    ]
