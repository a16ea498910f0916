"""Where in the stack file a finding belongs, so code scanning can annotate the right line."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from skyweave.pipeline import StackPlan, Violation
from skyweave.yamlfile import YamlError, line_of, load

# The stack-file section a policy area is about, when no named entry matches the resource.
_SECTIONS = {"RES": ("residency",), "COST": ("budget",), "SEC": ("name",), "GOV": ("waivers",)}
_WAIVER_INDEX = re.compile(r"^waivers\[(\d+)\]")
_WORKLOAD_NAME = re.compile(r"^workload '([^']+)'")


def stack_line(plan: StackPlan, violation: Violation) -> int:
    """1-based line of the stack-file entry a finding is about (the section of its area otherwise)."""
    document = _document(plan.path)
    if document is None:
        return 1
    return line_of(document, _location(plan, violation)) or 1


def _location(plan: StackPlan, violation: Violation) -> tuple[str | int, ...]:
    waiver = _WAIVER_INDEX.match(violation.message)
    if violation.id.startswith("SKW-GOV") and waiver:
        return ("waivers", int(waiver.group(1)))
    named = _WORKLOAD_NAME.match(violation.message)
    name = violation.urn.rsplit("::", 1)[-1].removeprefix(f"{plan.spec.name}-")
    sections: dict[str, list[str]] = {
        "workloads": [w.name for w in plan.spec.workloads],
        "storage": [b.name for b in plan.spec.storage],
    }
    for section, names in sections.items():
        for index, entry in sorted(enumerate(names), key=lambda e: -len(e[1])):
            if (named and named.group(1) == entry) or re.search(rf"(^|-){re.escape(entry)}(-|$)", name):
                return (section, index)
    if violation.id == "SKW-RES-003" and plan.spec.gateway is not None:
        return ("gateway", "routes")
    return _SECTIONS.get(violation.id.split("-")[1], ("name",))


@lru_cache(maxsize=32)
def _document(path: str) -> Any:
    try:
        return load(Path(path).read_text(encoding="utf-8"))
    except (OSError, YamlError):
        return None
