"""GPU memory and node sizing, checked against numbers worked out by hand (GB = 1e9 bytes)."""

from __future__ import annotations

import pytest

from skyweave.models import known_model, normalize_model_name
from skyweave.sizing import (
    BandwidthUnknown,
    DoesNotFitMemory,
    SizingError,
    TooSlow,
    estimate_memory,
    size_node,
)

# llama-3.1-8b: 32 layers, 8 KV heads, head dim 128 (its config.json).
LLAMA_8B_KV_BYTES_PER_TOKEN = 2 * 32 * 8 * 128 * 2  # 131,072 B in bf16
# llama-3.1-70b: 80 layers, 8 KV heads, head dim 128.
LLAMA_70B_KV_BYTES_PER_TOKEN = 2 * 80 * 8 * 128 * 2  # 327,680 B in bf16


def test_kv_cache_of_llama_8b_at_8192_tokens_and_16_sequences_is_17_2_gb():
    memory = estimate_memory("llama-3.1-8b", context_tokens=8192, concurrency=16)
    assert memory.kv_cache_gb == pytest.approx(LLAMA_8B_KV_BYTES_PER_TOKEN * 8192 * 16 / 1e9)
    assert memory.kv_cache_gb == pytest.approx(17.179869184)


def test_user_reads_every_term_of_the_8b_estimate():
    lines = estimate_memory("llama-3.1-8b").explain()
    assert lines == [
        "model llama-3.1-8b, bf16, 8192 tokens x 16 sequences (GB = 1e9 bytes)",
        "weights = 8.03e9 params x 2 B (bf16) = 16.1 GB",
        "KV cache = 2 x 32 layers x 8 KV heads x 128 dims x 2 B x 8192 tokens x 16 sequences = 17.2 GB",
        "  architecture of llama-3.1-8b: https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json",
        "total = (16.1 weights + 17.2 KV + 1 CUDA context) GB / 0.9 (vLLM gpu_memory_utilization default) "
        "= 38.0 GB per replica",
    ]


@pytest.mark.parametrize(
    ("precision", "weights_gb"),
    [("fp32", 40.0), ("bf16", 20.0), ("fp16", 20.0), ("fp8", 10.0), ("int8", 10.0), ("int4", 5.0)],
)
def test_weights_of_a_10b_model_per_precision(precision, weights_gb):
    assert estimate_memory(parameters_b=10, precision=precision).weights_gb == pytest.approx(weights_gb)


def test_a_70b_model_in_fp16_does_not_fit_one_80_gb_gpu():
    memory = estimate_memory("llama-3.1-70b", precision="fp16", concurrency=1)
    # (141.2 weights + 2.68 KV + 1 context) / 0.9 = 161.0 GB
    assert memory.total_gb == pytest.approx((141.2 + LLAMA_70B_KV_BYTES_PER_TOKEN * 8192 / 1e9 + 1) / 0.9)
    with pytest.raises(DoesNotFitMemory, match=r"^80 GB per node < 161.0 GB needed$"):
        size_node(memory, "NVIDIA A100 80GB", 1, 80, 2039)


def test_a_70b_model_in_int4_fits_one_80_gb_gpu():
    memory = estimate_memory("llama-3.1-70b", precision="int4", concurrency=1)
    # int4 weights, 16-bit KV cache: (35.3 + 2.68 + 1) / 0.9 = 43.3 GB
    assert memory.total_gb == pytest.approx((35.3 + 2.68435456 + 1) / 0.9)
    assert size_node(memory, "NVIDIA A100 80GB", 1, 80, 2039).accelerators_per_replica == 1


def test_hugging_face_repo_names_resolve_to_the_base_architecture():
    assert normalize_model_name("meta-llama/Llama-3.1-70B-Instruct") == "llama-3.1-70b"
    assert normalize_model_name("mistralai/Mistral-7B-Instruct-v0.3") == "mistral-7b"
    assert normalize_model_name("google/gemma-2-9b-it") == "gemma-2-9b"
    assert known_model("Qwen/Qwen2.5-72B-Instruct").kv_heads == 8


def test_unknown_model_without_a_size_is_refused():
    refusal = r"^model 'acme-chat' is not a known model: give parameters_b or gpu_memory_gb$"
    with pytest.raises(SizingError, match=refusal):
        estimate_memory("acme-chat")


def test_unknown_model_borrows_the_kv_shape_of_the_nearest_known_size():
    memory = estimate_memory("acme-chat", parameters_b=65)
    assert memory.architecture.name == "llama-3.1-70b"
    assert memory.weights_gb == pytest.approx(130.0)
    assert "KV shape of llama-3.1-70b (70.6e9 params), the known model nearest in size to 65e9" in memory.explain()[3]


def test_explicit_gpu_memory_overrides_the_estimate():
    memory = estimate_memory("llama-3.1-70b", gpu_memory_gb=48)
    assert memory.total_gb == 48
    assert memory.explain() == ["GPU memory per replica = 48.0 GB (given as gpu_memory_gb; GB = 1e9 bytes)"]


def test_tensor_parallel_size_is_the_smallest_power_of_two_that_holds_the_model():
    memory = estimate_memory("llama-3.1-70b")  # 205.7 GB
    sizing = size_node(memory, "NVIDIA A100 80GB", 8, 80, 2039)
    assert (sizing.accelerators_per_replica, sizing.replicas_per_node) == (4, 2)


def test_a_node_whose_accelerators_do_not_split_in_powers_of_two_says_so():
    memory = estimate_memory("llama-3.1-70b")
    with pytest.raises(DoesNotFitMemory, match=r"^48 GB in the largest tensor-parallel group \(2 of 6 x 24 GB\)"):
        size_node(memory, "X", 6, 24, 600)


def test_decode_roofline_by_hand_for_llama_8b_on_one_h100():
    memory = estimate_memory("llama-3.1-8b")
    sizing = size_node(memory, "NVIDIA H100", 1, 80, 3350)
    read_gb = 16.06 + 17.179869184  # weights + full KV cache
    step_ms = read_gb / (3350 * 0.6) * 1000  # 16.54 ms
    assert sizing.step_ms == pytest.approx(step_ms)
    assert sizing.tokens_per_s_per_replica == pytest.approx(16 / (step_ms / 1000))  # 967 tokens/s
    assert "time per token = 33.2 GB read per step / (1 x 3350 GB/s x 0.6 efficiency = 2010 GB/s) = 16.5 ms" in (
        sizing.explain()
    )


def test_latency_target_raises_tensor_parallelism_but_not_node_throughput():
    memory = estimate_memory("llama-3.1-8b")  # 38.0 GB, 33.2 GB read per step
    loose = size_node(memory, "NVIDIA A10G", 8, 24, 600)
    tight = size_node(memory, "NVIDIA A10G", 8, 24, 600, latency_ms_per_token=30)
    assert (loose.accelerators_per_replica, round(loose.step_ms, 1)) == (2, 46.2)
    assert (tight.accelerators_per_replica, round(tight.step_ms, 1)) == (4, 23.1)
    per_node = [s.replicas_per_node * s.tokens_per_s_per_replica for s in (loose, tight)]
    assert per_node[0] == pytest.approx(per_node[1])


def test_unreachable_latency_names_the_best_time_per_token():
    memory = estimate_memory("llama-3.1-8b")
    with pytest.raises(TooSlow, match=r"^11.5 ms per token > 5 ms target even with 8 accelerators per replica$"):
        size_node(memory, "NVIDIA A10G", 8, 24, 600, latency_ms_per_token=5)


def test_throughput_target_sets_replicas_and_nodes():
    memory = estimate_memory("llama-3.1-70b")  # 184.1 GB read per step
    sizing = size_node(memory, "NVIDIA A100 80GB", 8, 80, 2039, throughput_tokens_per_s=2000)
    # 4 x 2039 x 0.6 = 4893.6 GB/s -> 37.6 ms per step -> 425 tokens/s per replica
    assert sizing.replicas_needed == 5  # ceil(2000 / 425)
    assert sizing.nodes == 3  # ceil(5 replicas / 2 per node)
    assert sizing.explain()[-1] == "nodes per region = max(1, min_nodes 0, ceil(5 / 2)) = 3"


def test_min_nodes_keeps_a_floor():
    sizing = size_node(estimate_memory("llama-3.1-8b"), "NVIDIA H100", 8, 80, 3350, min_nodes=2)
    assert sizing.nodes == 2


def test_unknown_bandwidth_only_matters_when_a_target_needs_it():
    memory = estimate_memory("llama-3.1-8b")
    assert size_node(memory, "X", 1, 80, None).nodes == 1
    with pytest.raises(BandwidthUnknown, match=r"^memory bandwidth not in the catalog, so the 100 tokens/s target"):
        size_node(memory, "X", 1, 80, None, throughput_tokens_per_s=100)
