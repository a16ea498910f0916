"""Plan speed against its floor, for each example stack and for synthetic stacks of 100, 500 and 1,000
resources. The floor (bench/plan_floor.py) is a bare process that imports the same SDK modules, makes
the same invokes and registers the same resources (the SDK classes, with the planned inputs, parents,
providers and dependencies) under Pulumi's stock mocks, without skyweave, with the same garbage-collector
settings as the skyweave command. Wall-clock times of whole processes, best of nine. The rounds go over
every row in turn (plan and floor of a row back to back), so each row's nine samples are spread over the
whole run instead of sharing one stretch of machine load. The spread column (median over best run) shows
how steady the machine was while a row ran.

Targets: each plan <= 1.2x its floor; a second stack in the same process <= 15% of the first;
1,000 resources <= 10 s; time linear in resources.
"""

from __future__ import annotations

import compileall
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
STEADY = 0.10  # spread above which the figures are flagged as taken on an unsteady machine


def walls(rows: dict[str, tuple[list[str], ...]]) -> dict[str, list[list[float]]]:
    """Wall-clock times of each command of each row over RUNS rounds; a round runs every row's commands
    back to back, so that a change in machine load hits a row's commands alike and no row depends on one
    stretch of load."""
    times = {label: [[] for _ in cmds] for label, cmds in rows.items()}
    for _ in range(RUNS):
        for label, cmds in rows.items():
            for cmd, runs in zip(cmds, times[label]):
                start = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
                runs.append(time.perf_counter() - start)
    return times


def spread(runs: list[float]) -> float:
    """How far a command's typical run lies above its best: near 0 on a steady machine; a large spread
    means the machine's speed changed during the bench, and a best time may have missed every fast
    stretch."""
    return statistics.median(runs) / min(runs) - 1


def plan_cmd(*stacks: Path) -> list[str]:
    return [sys.executable, "-m", "skyweave", "plan", *map(str, stacks), "--format", "json"]


def floor_input(stack: Path, out: Path) -> int:
    """Write what the floor does for a stack: the invokes its program makes and the resources it registers
    (parents, providers and what each input depends on); return the number of resources."""
    from skyweave import mock_outputs
    from skyweave.pipeline import plan_stack

    invokes: list[dict] = []
    answers = dict(mock_outputs.INVOKES)
    for token, answer in answers.items():  # the offline plan answers every invoke from this table
        mock_outputs.INVOKES[token] = lambda args, token=token, answer=answer: (
            invokes.append({"token": token, "args": args}) or answer(args))
    try:
        plan = plan_stack(stack)
    finally:
        mock_outputs.INVOKES.update(answers)
    resources = [
        {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "provider": r.provider,
         "inputs": r.inputs, "dependencies": r.dependencies, "property_dependencies": r.property_dependencies}
        for r in plan.resources
    ]
    out.write_text(json.dumps([{"stack": plan.spec.name, "invokes": invokes, "resources": resources}]))
    return len(resources)


def synthetic_stack(units: int, directory: Path) -> Path:
    """A stack whose size grows with `units`: one budget per cloud plus `units` buckets and
    region-pinned GPU workloads spread over the EU regions."""
    regions = ["eu-west-1", "eu-central-1", "eu-north-1"]
    data = {
        "name": f"synthetic-{units}",
        "environment": "bench",
        "owner": {"team": "ml-platform", "cost_center": "CC-1"},
        "clouds": ["aws"],
        "residency": "eu",
        "budget": {"monthly_cap_usd": 10_000_000},
        "storage": [{"name": f"data-{i}", "region": regions[i % 3]} for i in range(units)],
        "workloads": [
            {
                "name": f"pool-{i}",
                "kind": "inference",
                "model": {"parameters_b": 8, "precision": "int8", "concurrency": 8},
                "hardware": {"cloud": "aws", "regions": [regions[i % 3]], "instance_type": "g5.xlarge"},
            }
            for i in range(units)
        ],
    }
    path = directory / f"synthetic-{units}.yaml"
    with path.open("w") as handle:
        YAML().dump(data, handle)
    return path


def units_for(resources: int, directory: Path) -> int:
    """Units that give about `resources` resources, from the sizes of a 5-unit and a 15-unit stack (past
    the fixed part: budgets, and one cluster per region shared by all pools)."""
    five = floor_input(synthetic_stack(5, directory), directory / "five.json")
    fifteen = floor_input(synthetic_stack(15, directory), directory / "fifteen.json")
    per_unit = (fifteen - five) / 10
    return max(1, round(5 + (resources - five) / per_unit))


def floor_cmd(plan_file: Path) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "plan_floor.py"), str(plan_file)]


def compile_project() -> None:
    """Compile skyweave's own modules to bytecode first, as pip does for an installed package and as the SDKs
    already are: an editable checkout run with PYTHONDONTWRITEBYTECODE would otherwise compile every module
    from source on each run, a cost the floor never pays."""
    for package in ("skyweave", "components", "policies"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main() -> None:
    compile_project()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        examples = sorted((ROOT / "stacks").glob("*.yaml"))
        stacks = {stack.name: stack for stack in examples}
        for target in (100, 500, 1000):
            stacks[f"synthetic ~{target}"] = synthetic_stack(units_for(target, directory), directory)
        counts, rows = {}, {}
        for label, stack in stacks.items():
            plan_file = directory / f"{stack.stem}.json"
            counts[label] = floor_input(stack, plan_file)
            rows[label] = (plan_cmd(stack), floor_cmd(plan_file))
        # A second stack of the same shape (same SDK modules): what the shared process saves.
        twice = f"{examples[0].name} twice"
        rows[twice] = (plan_cmd(examples[0]), plan_cmd(examples[0], examples[0]))
        print(f"{len(rows)} rows, {RUNS} rounds over all of them ...", file=sys.stderr)
        samples = walls(rows)
        best = {label: [min(runs) for runs in row] for label, row in samples.items()}
        spreads = {label: max(map(spread, row)) for label, row in samples.items()}

        print(f"{'stack':<26} {'resources':>6} {'plan s':>8} {'floor s':>8} {'ratio':>8} {'spread':>8}")
        for label, count in counts.items():
            plan_s, floor_s = best[label]
            print(f"{label:<26} {count:>6} {plan_s:>8.2f} {floor_s:>8.2f} {plan_s / floor_s:>7.2f}x "
                  f"{spreads[label]:>8.0%}")
        first, both = best[twice]
        print(f"\nsecond stack in the same process ({twice}): +{both - first:.2f} s = "
              f"{(both - first) / first:.0%} of the first ({first:.2f} s)")
        sizes = [(counts[label], best[label][0]) for label in counts if label.startswith("synthetic")]
        (n1, t1), (mid_n, mid_t), (n2, t2) = sizes
        print(f"marginal cost: {(t2 - t1) / (n2 - n1) * 1000:.2f} ms per resource between {n1} and {n2} resources")
        predicted = t1 + (t2 - t1) * (mid_n - n1) / (n2 - n1)
        print(f"linearity: {mid_n} resources took {mid_t:.2f} s, the line through the ends predicts {predicted:.2f} s")
        unsteady = max(spreads.values())
        if unsteady > STEADY:
            print(f"\nthe machine was unsteady: a command's median run was up to {unsteady:.0%} above its best "
                  f"(spread column); a ratio may be off by that much, so rerun before trusting one")


if __name__ == "__main__":
    main()
