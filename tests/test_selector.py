"""The selector: what a user sees picked, ranked and ruled out for a workload.

Exact cases run on small synthetic catalogs; a few end-to-end picks and the
residency property run on the shipped catalog.
"""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from skyweave.catalog import Catalog, Offering, Region, load_catalog
from skyweave.selector import (
    Pin,
    Rejection,
    SelectionError,
    SelectionRequest,
    request_from_spec,
    select,
    select_stack,
)
from skyweave.selector_output import render_selection_table, selection_json
from skyweave.sizing import estimate_memory
from skyweave.spec import StackSpec

HOURS = 730
EU = {"aws": ("eu-central-1", "eu-north-1", "eu-west-1")}
LLAMA_8B = estimate_memory("llama-3.1-8b")  # 38.0 GB per replica

ACCELERATORS = {  # name: (memory GB, bandwidth GB/s)
    "NVIDIA A10G": (24, 600),
    "NVIDIA L40S": (48, 864),
    "NVIDIA H100": (80, 3350),
    "NVIDIA A100 80GB": (80, 2039),
    "AWS Inferentia2": (32, 820),
}


def offer(instance_type, region, ondemand, spot=None, accelerator="NVIDIA L40S", count=1, cloud="aws"):
    memory_gb, bandwidth = ACCELERATORS[accelerator]
    family = instance_type.split(".")[0].split("-")[0]
    return Offering(
        cloud, instance_type, family, accelerator, count, memory_gb, bandwidth, 8, 64, region,
        ondemand, spot, (), "2026-01-01", "test",
    )


def catalog(*offers: Offering, carbon: dict[str, float] | None = None) -> Catalog:
    names = {(o.cloud, o.region) for o in offers}
    regions = [
        Region(cloud, name, name, "", "", "us" if name.startswith("us") else "eu", (carbon or {}).get(name), "", "")
        for cloud, name in names
    ]
    return Catalog(offers, regions, [])


def request(**overrides) -> SelectionRequest:
    fields = dict(workload="chat", memory=LLAMA_8B, allowed_regions=EU, residency="eu")
    return SelectionRequest(**{**fields, **overrides})


# One H100 node at $6/h (968 tokens/s, 16.5 ms per token for llama-3.1-8b) and one L40S node at
# $1.8/h (250 tokens/s, 64.1 ms per token).
H100_AND_L40S = (
    offer("g6e.xlarge", "eu-west-1", 1.8), offer("p5.4xlarge", "eu-west-1", 6.0, accelerator="NVIDIA H100")
)


# --- picks ---------------------------------------------------------------------------------------


def test_picks_the_cheapest_type_in_its_cheapest_region_and_prices_the_month():
    cat = catalog(
        offer("g6e.xlarge", "eu-west-1", 2.0),
        offer("g6e.xlarge", "eu-central-1", 1.8),
        offer("p4de.24xlarge", "eu-west-1", 30.0, accelerator="NVIDIA A100 80GB", count=8),
    )
    selection = select(request(), cat)
    pick = selection.pick
    assert (pick.cloud, pick.regions, pick.instance_type, pick.capacity_type) == (
        "aws", ("eu-central-1",), "g6e.xlarge", "on_demand",
    )
    assert (pick.nodes, pick.accelerators_per_replica) == (1, 1)
    assert pick.hourly_usd == pytest.approx(1.8)
    assert pick.monthly_usd == pytest.approx(1.8 * HOURS)
    assert [a.instance_type for a in selection.alternatives] == ["p4de.24xlarge"]
    assert pick.reasons[:3] == (
        "cheapest of 2 feasible (instance type, capacity type) options in eu regions",
        "1 cheapest region(s) for it: eu-central-1 $1.800/node-hour",
        "on-demand capacity",
    )


def test_too_small_nodes_are_ruled_out_with_their_memory():
    cat = catalog(
        offer("g5.xlarge", "eu-west-1", 1.0, accelerator="NVIDIA A10G"), offer("g6e.xlarge", "eu-west-1", 2.0)
    )
    selection = select(request(), cat)
    assert selection.pick.instance_type == "g6e.xlarge"
    assert selection.rejected[-1] == Rejection("g5.xlarge", "24 GB per node < 38.0 GB needed")


def test_only_regions_inside_the_residency_are_used():
    cat = catalog(
        offer("g6e.xlarge", "us-east-1", 0.5),
        offer("g6e.xlarge", "eu-west-1", 2.0),
        offer("p5.4xlarge", "us-east-1", 0.4, accelerator="NVIDIA H100"),
    )
    selection = select(request(), cat)
    assert selection.pick.regions == ("eu-west-1",)
    assert Rejection("p5.4xlarge", "not offered in any eu region in the catalog") in selection.rejected


def test_neuron_accelerators_are_only_used_when_pinned():
    cat = catalog(
        offer("inf2.xlarge", "eu-west-1", 0.1, accelerator="AWS Inferentia2", count=2),
        offer("g6e.xlarge", "eu-west-1", 2.0),
    )
    selection = select(request(), cat)
    assert selection.pick.instance_type == "g6e.xlarge"
    neuron = Rejection("inf2.xlarge", "AWS Inferentia2 needs Neuron-compiled models; pin it to use it")
    assert neuron in selection.rejected


# --- spot ----------------------------------------------------------------------------------------


def test_spot_is_ruled_out_when_the_workload_does_not_tolerate_interruption():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0, spot=0.6))
    selection = select(request(spot_ok=False), cat)
    assert selection.pick.capacity_type == "on_demand"
    assert selection.rejected[0] == Rejection("spot", "workload does not tolerate interruption (spot: false)")


def test_spot_is_picked_when_tolerated_and_cheaper_with_on_demand_as_alternative():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0, spot=0.6))
    selection = select(request(spot_ok=True), cat)
    assert (selection.pick.capacity_type, selection.pick.monthly_usd) == ("spot", pytest.approx(0.6 * HOURS))
    assert [(a.instance_type, a.capacity_type) for a in selection.alternatives] == [("g6e.xlarge", "on_demand")]
    assert "spot: the workload tolerates interruption" in selection.pick.reasons


# --- redundancy ----------------------------------------------------------------------------------


def test_redundancy_takes_the_n_cheapest_distinct_regions_of_one_type():
    cat = catalog(
        offer("g6e.xlarge", "eu-west-1", 2.0),
        offer("g6e.xlarge", "eu-central-1", 1.8),
        offer("g6e.xlarge", "eu-north-1", 2.2),
    )
    pick = select(request(redundancy_regions=2), cat).pick
    assert pick.regions == ("eu-central-1", "eu-west-1")
    assert pick.monthly_usd == pytest.approx((1.8 + 2.0) * HOURS)


def test_redundancy_beyond_the_regions_offering_a_type_says_how_far_to_lower_it():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0), offer("g6e.xlarge", "eu-central-1", 1.8))
    with pytest.raises(SelectionError) as error:
        select(request(redundancy_regions=3), cat)
    assert str(error.value) == (
        "workload chat: redundancy_regions 3 but only 2 eu region(s) offer g6e.xlarge at a known price: "
        "lower redundancy_regions to 2 ($2,774.00/month), or widen the residency"
    )


# --- infeasibility messages ----------------------------------------------------------------------


def test_model_larger_than_every_node_names_the_largest_node():
    cat = catalog(offer("p4de.24xlarge", "eu-west-1", 40.0, accelerator="NVIDIA A100 80GB", count=8))
    with pytest.raises(SelectionError) as error:
        select(request(memory=estimate_memory("llama-3.1-405b")), cat)
    assert str(error.value) == (
        "workload chat: no offering in eu has 978.3 GB of GPU memory per node; the largest is 640 GB "
        "(p4de.24xlarge): the weights alone do not fit: serve a lower precision or a smaller model"
    )


def test_kv_cache_too_large_suggests_the_concurrency_that_fits():
    cat = catalog(offer("g6e.12xlarge", "eu-west-1", 10.0, accelerator="NVIDIA A100 80GB", count=4))
    with pytest.raises(SelectionError) as error:
        select(request(memory=estimate_memory("llama-3.1-70b", concurrency=64)), cat)
    assert str(error.value) == (
        "workload chat: no offering in eu has 348.9 GB of GPU memory per node; the largest is 320 GB "
        "(g6e.12xlarge): lower concurrency to 54 or context_tokens, or serve a lower precision"
    )


def test_throughput_beyond_max_nodes_names_the_cheapest_feasible_and_both_relaxations():
    cat = catalog(*H100_AND_L40S)
    with pytest.raises(SelectionError) as error:
        select(request(throughput_tokens_per_s=5000, max_nodes=4), cat)
    # p5.4xlarge: 968 tokens/s per node -> 6 nodes ($26,280); g6e.xlarge: 250 tokens/s -> 21 nodes ($27,594).
    assert str(error.value) == (
        "workload chat: cheapest feasible (p5.4xlarge, $26,280.00/month) needs 6 nodes per region but "
        "capacity.max_nodes is 4: raise max_nodes to 6, or lower throughput_tokens_per_s to 3870"
    )


def test_a_relaxation_that_trips_a_later_check_names_that_one_too():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 1.8))  # 250 tokens/s per node
    with pytest.raises(SelectionError) as error:
        select(request(throughput_tokens_per_s=600, max_nodes=2, monthly_cap_usd=2000), cat)
    assert str(error.value) == (
        "workload chat: cheapest feasible (g6e.xlarge, $3,942.00/month) needs 3 nodes per region but "
        "capacity.max_nodes is 2: raise max_nodes to 3, then also raise monthly_cap_usd to 3942, "
        "or lower throughput_tokens_per_s to 499"
    )


def test_unreachable_latency_names_the_fastest_feasible_offering():
    cat = catalog(*H100_AND_L40S)
    with pytest.raises(SelectionError) as error:
        select(request(latency_ms_per_token=10), cat)
    assert str(error.value) == (
        "workload chat: no offering in eu reaches 10 ms per token; the fastest feasible is p5.4xlarge at 16.5 ms "
        "($4,380.00/month): raise latency_p95_ms to 17"
    )


def test_monthly_cap_below_the_cheapest_placement_names_the_cap_to_set():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 1.8))
    with pytest.raises(SelectionError) as error:
        select(request(monthly_cap_usd=1000), cat)
    assert str(error.value) == (
        "workload chat: cheapest feasible placement (g6e.xlarge on-demand, 1 node(s) x 1 region(s)) costs "
        "$1,314.00/month > monthly_cap_usd $1,000.00: raise monthly_cap_usd to 1314"
    )


def test_no_offering_inside_the_residency():
    cat = catalog(offer("g6e.xlarge", "us-east-1", 1.8))
    with pytest.raises(SelectionError) as error:
        select(request(), cat)
    assert str(error.value) == (
        "workload chat: no NVIDIA GPU offering of aws in any eu region in the catalog: "
        "widen the residency or add a cloud"
    )


# --- pins ----------------------------------------------------------------------------------------


def test_a_valid_pin_is_returned_as_the_pick():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0), offer("g6e.xlarge", "eu-central-1", 1.0))
    selection = select(request(pin=Pin("aws", ("eu-west-1",), "g6e.xlarge")), cat)
    assert selection.pinned
    assert (selection.pick.regions, selection.pick.monthly_usd) == (("eu-west-1",), pytest.approx(2.0 * HOURS))
    assert selection.pick.reasons == ("pinned in the stack file",)


def test_a_pin_outside_the_residency_is_refused():
    cat = catalog(offer("g6e.xlarge", "us-east-1", 1.0))
    with pytest.raises(SelectionError) as error:
        select(request(pin=Pin("aws", ("us-east-1",), "g6e.xlarge")), cat)
    assert str(error.value) == "workload chat: pinned g6e.xlarge: region us-east-1 is outside the eu residency"


def test_a_pin_too_small_for_the_model_is_refused():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0))
    with pytest.raises(SelectionError) as error:
        select(request(memory=estimate_memory("llama-3.1-70b"), pin=Pin("aws", ("eu-west-1",), "g6e.xlarge")), cat)
    assert str(error.value) == "workload chat: pinned g6e.xlarge: 48 GB per node < 205.7 GB needed"


def test_pinned_nodes_below_the_throughput_need_are_kept_with_a_warning():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0))
    pin = Pin("aws", ("eu-west-1",), "g6e.xlarge", nodes=1)
    selection = select(request(pin=pin, throughput_tokens_per_s=600), cat)
    assert selection.pick.nodes == 1
    assert "warning: 1 node(s) per region pinned; the throughput target needs 3" in selection.pick.reasons


# --- determinism and objective -------------------------------------------------------------------


def test_ties_break_by_cloud_then_regions_then_instance_type_whatever_the_catalog_order():
    offers = [
        offer("g2-standard-8", "europe-west1", 1.5, cloud="gcp"),
        offer("g6e.xlarge", "eu-west-1", 1.5),
        offer("g6e.2xlarge", "eu-central-1", 1.5),
        offer("g6e.xlarge", "eu-central-1", 1.5),
    ]
    allowed = {**EU, "gcp": ("europe-west1",)}
    picks = set()
    for seed in range(5):
        random.Random(seed).shuffle(offers)
        selection = select(request(allowed_regions=allowed), catalog(*offers))
        picks.add((selection.pick.instance_type, selection.pick.regions))
        ranked = [selection.pick, *selection.alternatives]
        assert [(p.cloud, p.instance_type) for p in ranked] == [
            ("aws", "g6e.2xlarge"), ("aws", "g6e.xlarge"), ("gcp", "g2-standard-8"),
        ]
    assert picks == {("g6e.2xlarge", ("eu-central-1",))}


def test_carbon_weight_trades_price_for_a_cleaner_grid():
    cat = catalog(
        offer("g6e.xlarge", "eu-west-1", 1.8),
        offer("g6e.xlarge", "eu-north-1", 1.9),
        carbon={"eu-west-1": 300, "eu-north-1": 10},
    )
    assert select(request(), cat).pick.regions == ("eu-west-1",)
    # 0.5 USD per gCO2e/kWh per node-month: eu-west-1 +150, eu-north-1 +5 against a 73 USD price gap.
    green = select(request(carbon_usd_per_g_kwh=0.5), cat).pick
    assert green.regions == ("eu-north-1",)
    assert green.monthly_usd == pytest.approx(1.9 * HOURS)


# --- output --------------------------------------------------------------------------------------


def test_json_has_exactly_the_documented_keys():
    cat = catalog(offer("g6e.xlarge", "eu-west-1", 2.0, spot=0.6))
    (document,) = selection_json([select(request(spot_ok=True), cat)])
    assert list(document) == [
        "workload", "cloud", "regions", "instance_type", "count", "capacity_type", "monthly_usd",
        "alternatives", "rejected",
    ]
    assert document["alternatives"] == [
        {"cloud": "aws", "regions": ["eu-west-1"], "instance_type": "g6e.xlarge", "count": 1,
         "capacity_type": "on_demand", "monthly_usd": 1460.0},
    ]
    assert (document["count"], document["monthly_usd"], document["rejected"]) == (1, 438.0, [])


def test_table_shows_pick_reasons_and_sizing():
    cat = catalog(
        offer("g6e.xlarge", "eu-west-1", 2.0), offer("g5.xlarge", "eu-west-1", 1.0, accelerator="NVIDIA A10G")
    )
    out = io.StringIO()
    render_selection_table(Console(file=out, width=200), [select(request(), cat)])
    text = out.getvalue()
    assert "pick" in text and "g6e.xlarge" in text
    assert "- cheapest of 1 feasible (instance type, capacity type) options in eu regions" in text
    assert "KV cache = 2 x 32 layers x 8 KV heads x 128 dims x 2 B x 8192 tokens x 16 sequences = 17.2 GB" in text
    assert "g5.xlarge: 24 GB per node < 38.0 GB needed" in text


# --- the shipped catalog -------------------------------------------------------------------------

REAL = load_catalog()
REAL_EU = {cloud: tuple(r.name for r in REAL.regions_in("eu", cloud)) for cloud in ("aws", "gcp")}
EU_NAMES = {name for names in REAL_EU.values() for name in names}


def test_end_to_end_70b_chat_in_the_eu_on_two_regions():
    selection = select(
        request(
            memory=estimate_memory("llama-3.1-70b"), allowed_regions=REAL_EU,
            throughput_tokens_per_s=2000, latency_ms_per_token=50, redundancy_regions=2,
        ),
        REAL,
    )
    pick = selection.pick
    assert (pick.cloud, pick.instance_type, pick.nodes, pick.accelerators_per_replica) == ("aws", "p5en.48xlarge", 1, 2)
    assert len(set(pick.regions)) == 2
    assert all(alt.monthly_usd >= pick.monthly_usd for alt in selection.alternatives)


def test_end_to_end_small_spot_tolerant_model_lands_on_a_cheap_single_gpu_node():
    selection = select(request(memory=estimate_memory("llama-3.2-3b"), allowed_regions=REAL_EU, spot_ok=True), REAL)
    pick = selection.pick
    assert pick.capacity_type == "spot"
    cheaper_spot = [
        o for o in REAL.offerings
        if o.region in EU_NAMES and o.spot_usd_hr is not None and o.spot_usd_hr < pick.node_hourly_usd[0]
        and o.accelerator.startswith("NVIDIA") and o.total_accelerator_memory_gb >= selection.memory.total_gb
    ]
    assert cheaper_spot == []


def test_a_stack_file_workload_is_selected_at_price_book_prices():
    stack = StackSpec.model_validate({
        "name": "chat-eu", "environment": "prod", "owner": {"team": "ml", "cost_center": "CC-1"},
        "clouds": ["aws"], "residency": "eu", "budget": {"monthly_cap_usd": 100000},
        "price_book": {"discount_pct": 10},
        "workloads": [{"name": "chat", "kind": "inference", "model": {"name": "llama-3.1-8b"}}],
    })
    assert request_from_spec(stack.workloads[0], stack, REAL).residency == "eu"
    (selection,) = select_stack(stack, REAL)
    undiscounted = REAL.offering("aws", selection.pick.regions[0], selection.pick.instance_type).ondemand_usd_hr
    assert selection.pick.node_hourly_usd[0] == pytest.approx(undiscounted * 0.9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    parameters_b=st.sampled_from([1, 3, 8, 14, 34, 70, 180]),
    precision=st.sampled_from(["bf16", "fp8", "int4"]),
    concurrency=st.integers(1, 64),
    throughput=st.one_of(st.none(), st.floats(50, 20000)),
    redundancy=st.integers(1, 3),
    spot_ok=st.booleans(),
    clouds=st.sampled_from([("aws",), ("gcp",), ("aws", "gcp")]),
)
def test_an_eu_workload_never_lands_outside_the_eu(
    parameters_b, precision, concurrency, throughput, redundancy, spot_ok, clouds
):
    memory = estimate_memory(parameters_b=parameters_b, precision=precision, concurrency=concurrency)
    allowed = {cloud: REAL_EU[cloud] for cloud in clouds}
    try:
        selection = select(
            request(memory=memory, allowed_regions=allowed, throughput_tokens_per_s=throughput,
                    redundancy_regions=redundancy, spot_ok=spot_ok, max_nodes=16),
            REAL,
        )
    except SelectionError:
        return
    for placement in (selection.pick, *selection.alternatives):
        assert set(placement.regions) <= EU_NAMES
        assert len(set(placement.regions)) == redundancy
        assert placement.capacity_type == "on_demand" or spot_ok
