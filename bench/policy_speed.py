"""Policy speed: every policy of the pack over a synthetic 10,000-resource plan, offline.

The plan is the offline plan of stacks/prod-eu.yaml (AWS and GCP clusters, GPU pools, storage, gateway,
endpoints, budgets) copied until it holds 10,000 resources, each copy with its own names and URNs and
the same explicit providers. Timed: `skyweave.policy_eval.evaluate` with the stack's reconciled config
(resource policies per resource, stack policies including the cost estimate), best of three; planning
and config generation are not timed. Target: at most 2 s.

    .venv/bin/python bench/policy_speed.py [RESOURCES]
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from pathlib import Path

from policies.pack import POLICIES
from skyweave.pipeline import plan_stack
from skyweave.plan import PlannedResource
from skyweave.policy_config import policy_config, reconcile
from skyweave.policy_eval import evaluate

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
RUNS = 3


def synthetic(resources: list[PlannedResource], size: int) -> list[PlannedResource]:
    """Copies of a plan's resources (providers shared) until there are `size` of them; each copy's S3
    buckets get their own names, so a copy's bucket settings belong to its own bucket."""
    providers = [r for r in resources if r.is_provider]
    others = [r for r in resources if not r.is_provider]
    buckets = sorted({r.inputs["bucket"] for r in others if r.type == "aws:s3/bucket:Bucket"}, key=len, reverse=True)
    out = list(providers)
    copy = 0
    while len(out) < size:
        suffix = f"-c{copy}"
        renamed = {r.urn: r.urn + suffix for r in others}
        for r in others:
            if len(out) == size:
                break
            text = json.dumps(r.inputs)
            for bucket in buckets:  # bucket settings and replication rules name their bucket
                text = re.sub(rf"{re.escape(bucket)}(?![\w-])", bucket + suffix, text)
            inputs = json.loads(text)
            out.append(dataclasses.replace(r, urn=renamed[r.urn], name=r.name + suffix, inputs=inputs,
                                           parent=renamed.get(r.parent, r.parent)))
        copy += 1
    return out


def main(size: int) -> int:
    plan = plan_stack(ROOT / "stacks" / "prod-eu.yaml")
    settings = reconcile(POLICIES, policy_config(plan.spec, plan.catalog))
    resources = synthetic(plan.resources, size)
    evaluate(resources[:200], settings, plan.spec.name, POLICIES)  # imports and caches, not timed
    times, found = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        found = len(evaluate(resources, settings, plan.spec.name, POLICIES))
        times.append(time.perf_counter() - start)
    best = min(times)
    types = len({r.type for r in resources})
    print(f"{len(resources):,} resources of {types} types, {len(POLICIES)} policies: {best:.2f} s "
          f"(best of {RUNS}; {found} findings); target <= {TARGET_S:.1f} s")
    return 0 if best <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
