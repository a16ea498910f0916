"""JUnit XML: a test suite per stack, a test case per policy; mandatory findings fail, waived ones skip."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from skyweave.pipeline import StackPlan, Violation


def to_junit(plans: Sequence[StackPlan]) -> str:
    from policies.pack import POLICIES

    suites = ET.Element("testsuites", name="skyweave check")
    for plan in plans:
        suite = ET.SubElement(suites, "testsuite", name=f"{plan.spec.name} ({plan.path})", tests=str(len(POLICIES)))
        failures = skipped = 0
        for policy in POLICIES:
            meta = policy.meta
            found = [v for v in plan.violations if v.id == meta.id]
            case = ET.SubElement(suite, "testcase", classname=f"skyweave.{plan.spec.name}", name=f"{meta.id} {meta.title}")
            mandatory = [v for v in found if v.enforcement == "mandatory"]
            if mandatory:
                failures += 1
                failure = ET.SubElement(case, "failure", message=f"{len(mandatory)} finding(s): {mandatory[0].message}",
                                        type=meta.name)
                failure.text = "\n".join(_line(v) for v in mandatory) + f"\nFix: {meta.remediation}"
            elif found and all(v.enforcement == "waived" for v in found):
                skipped += 1
                ET.SubElement(case, "skipped", message="waived: " + "; ".join(sorted({v.waiver or "" for v in found})))
            others = [v for v in found if v.enforcement != "mandatory"]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(_line(v) for v in others)
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _line(violation: Violation) -> str:
    waiver = f" (waived: {violation.waiver})" if violation.waiver else ""
    return f"[{violation.enforcement}] {violation.urn.rsplit('::', 1)[-1]}: {violation.message}{waiver}"
