"""GPU memory and node sizing for a model replica, every number explained.

Units: GB = 1e9 bytes throughout (the unit cloud catalogs use for GPU memory),
bandwidth in GB/s, time per token in milliseconds.

Memory of one replica = weights + KV cache + runtime headroom:

* weights = parameters x bytes per parameter of the serving precision;
* KV cache = 2 (key and value) x layers x KV heads x head dim x bytes per
  element x context tokens x concurrent sequences;
* runtime: a CUDA context and the serving engine's reserve. vLLM plans weights
  and KV cache inside ``gpu_memory_utilization`` (default 0.9) of each card and
  leaves the rest for activations, CUDA graphs and allocator fragmentation, so
  the need is (weights + KV + context) / 0.9.

Speed follows the decode roofline: generating one token per sequence reads all
weights and the KV cache in use from GPU memory, so a decode step takes
bytes read / (bandwidth x efficiency) and yields one token per sequence.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from skyweave.models import ModelArchitecture, known_model, nearest_dense_model

GB = 1e9

BYTES_PER_PARAMETER = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}

# vLLM's default kv_cache_dtype "auto" stores keys and values in the compute
# dtype: 16-bit for bf16/fp16 and for fp8/int8/int4 checkpoints, 32-bit for fp32.
KV_BYTES_PER_ELEMENT = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 2.0, "int8": 2.0, "int4": 2.0}

# vLLM engine argument --gpu-memory-utilization, default 0.9.
GPU_MEMORY_UTILIZATION = 0.9
# CUDA context plus PyTorch/NCCL workspaces of a serving process, rounded up.
CUDA_CONTEXT_GB = 1.0
# Fraction of peak memory bandwidth a decode step achieves ("model bandwidth
# utilization"). Tuned CUDA serving stacks are reported at 60-85 %; skyweave
# takes the low end so throughput is not overpromised.
DECODE_BANDWIDTH_EFFICIENCY = 0.6


class SizingError(ValueError):
    """The model description is not enough to size it."""


class MemoryEstimate(NamedTuple):
    """GPU memory one replica needs, with the inputs of every term."""

    model: str
    precision: str
    context_tokens: int
    concurrency: int
    parameters_b: float | None = None
    architecture: ModelArchitecture | None = None
    architecture_borrowed: bool = False
    explicit_gb: float | None = None

    @property
    def weights_gb(self) -> float | None:
        if self.parameters_b is None:
            return None
        return self.parameters_b * BYTES_PER_PARAMETER[self.precision]

    @property
    def kv_cache_gb(self) -> float | None:
        if self.architecture is None:
            return None
        per_token = self.architecture.kv_elements_per_token * KV_BYTES_PER_ELEMENT[self.precision]
        return per_token * self.context_tokens * self.concurrency / GB

    @property
    def total_gb(self) -> float:
        if self.explicit_gb is not None:
            return self.explicit_gb
        return (self.weights_gb + self.kv_cache_gb + CUDA_CONTEXT_GB) / GPU_MEMORY_UTILIZATION

    @property
    def decode_read_gb(self) -> float:
        """Bytes one decode step reads: weights plus a full KV cache (worst case).

        With only an explicit memory figure, the whole figure is assumed read.
        """
        if self.explicit_gb is not None:
            return self.explicit_gb
        return self.weights_gb + self.kv_cache_gb

    def explain(self) -> list[str]:
        if self.explicit_gb is not None:
            return [f"GPU memory per replica = {self.explicit_gb:.1f} GB (given as gpu_memory_gb; GB = 1e9 bytes)"]
        arch = self.architecture
        kv_bytes = KV_BYTES_PER_ELEMENT[self.precision]
        if self.architecture_borrowed:
            shape_source = (
                f"KV shape of {arch.name} ({arch.parameters_b:g}e9 params), the known model nearest "
                f"in size to {self.parameters_b:g}e9: {arch.source}"
            )
        else:
            shape_source = f"architecture of {arch.name}: {arch.source}"
        return [
            f"model {self.model}, {self.precision}, {self.context_tokens} tokens x {self.concurrency} sequences "
            "(GB = 1e9 bytes)",
            f"weights = {self.parameters_b:g}e9 params x {BYTES_PER_PARAMETER[self.precision]:g} B "
            f"({self.precision}) = {self.weights_gb:.1f} GB",
            f"KV cache = 2 x {arch.layers} layers x {arch.kv_heads} KV heads x {arch.head_dim} dims x "
            f"{kv_bytes:g} B x {self.context_tokens} tokens x {self.concurrency} sequences = "
            f"{self.kv_cache_gb:.1f} GB",
            f"  {shape_source}",
            f"total = ({self.weights_gb:.1f} weights + {self.kv_cache_gb:.1f} KV + {CUDA_CONTEXT_GB:g} CUDA context) "
            f"GB / {GPU_MEMORY_UTILIZATION} (vLLM gpu_memory_utilization default) = {self.total_gb:.1f} GB per replica",
        ]


def estimate_memory(
    name: str | None = None,
    parameters_b: float | None = None,
    precision: str = "bf16",
    context_tokens: int = 8192,
    concurrency: int = 16,
    gpu_memory_gb: float | None = None,
) -> MemoryEstimate:
    """Memory of one replica; an explicit ``gpu_memory_gb`` overrides the estimate."""
    if precision not in BYTES_PER_PARAMETER:
        raise SizingError(f"unknown precision {precision!r}; use one of {', '.join(BYTES_PER_PARAMETER)}")
    label = name or (f"{parameters_b:g}B" if parameters_b else "unnamed")
    common = dict(model=label, precision=precision, context_tokens=context_tokens, concurrency=concurrency)
    if gpu_memory_gb is not None:
        return MemoryEstimate(**common, explicit_gb=gpu_memory_gb)
    arch = known_model(name) if name else None
    if arch is not None:
        return MemoryEstimate(**common, parameters_b=parameters_b or arch.parameters_b, architecture=arch)
    if parameters_b is None:
        detail = f"model {name!r} is not a known model" if name else "no model name"
        raise SizingError(f"{detail}: give parameters_b or gpu_memory_gb")
    return MemoryEstimate(
        **common, parameters_b=parameters_b, architecture=nearest_dense_model(parameters_b), architecture_borrowed=True
    )


class NodeMisfit(Exception):
    """Base of the reasons a node type cannot serve the model."""


class DoesNotFitMemory(NodeMisfit):
    def __init__(self, accelerators: int, accelerator_count: int, accelerator_memory_gb: float, need_gb: float):
        self.node_gb = accelerators * accelerator_memory_gb
        if accelerators == accelerator_count:
            message = f"{self.node_gb:g} GB per node < {need_gb:.1f} GB needed"
        else:
            message = (
                f"{self.node_gb:g} GB in the largest tensor-parallel group ({accelerators} of {accelerator_count} "
                f"x {accelerator_memory_gb:g} GB) < {need_gb:.1f} GB needed"
            )
        super().__init__(message)


class BandwidthUnknown(NodeMisfit):
    def __init__(self, target: str):
        super().__init__(f"memory bandwidth not in the catalog, so {target} cannot be checked")


class TooSlow(NodeMisfit):
    def __init__(self, best_ms: float, target_ms: float, accelerators: int):
        super().__init__(
            f"{best_ms:.1f} ms per token > {target_ms:g} ms target even with {accelerators} accelerators per replica"
        )
        self.best_ms, self.target_ms = best_ms, target_ms


class NodeSizing(NamedTuple):
    """How one node type serves the model: tensor parallelism, speed, node count."""

    memory: MemoryEstimate
    accelerator: str
    accelerator_count: int
    accelerator_memory_gb: float
    bandwidth_gbps: float | None
    accelerators_per_replica: int
    throughput_tokens_per_s: float | None
    latency_ms_per_token: float | None
    min_nodes: int

    @property
    def replicas_per_node(self) -> int:
        return self.accelerator_count // self.accelerators_per_replica

    @property
    def step_ms(self) -> float | None:
        """Decode step time = time per output token of every sequence."""
        if self.bandwidth_gbps is None:
            return None
        return _step_ms(self.memory, self.accelerators_per_replica, self.bandwidth_gbps)

    @property
    def tokens_per_s_per_replica(self) -> float | None:
        step = self.step_ms
        return None if step is None else self.memory.concurrency * 1000.0 / step

    @property
    def replicas_needed(self) -> int:
        if self.throughput_tokens_per_s is None:
            return 1
        return math.ceil(self.throughput_tokens_per_s / self.tokens_per_s_per_replica)

    @property
    def nodes(self) -> int:
        return max(1, self.min_nodes, math.ceil(self.replicas_needed / self.replicas_per_node))

    def explain(self) -> list[str]:
        tp = self.accelerators_per_replica
        latency = "" if self.latency_ms_per_token is None else f" and meets {self.latency_ms_per_token:g} ms per token"
        lines = [
            f"accelerators per replica = {tp}: smallest power of two dividing {self.accelerator_count} that holds "
            f"{self.memory.total_gb:.1f} GB ({tp} x {self.accelerator_memory_gb:g} GB){latency}",
            f"replicas per node = {self.accelerator_count} // {tp} = {self.replicas_per_node}",
        ]
        if self.step_ms is not None:
            bandwidth = tp * self.bandwidth_gbps * DECODE_BANDWIDTH_EFFICIENCY
            lines += [
                f"time per token = {self.memory.decode_read_gb:.1f} GB read per step / ({tp} x "
                f"{self.bandwidth_gbps:g} GB/s x {DECODE_BANDWIDTH_EFFICIENCY} efficiency = {bandwidth:.0f} GB/s) "
                f"= {self.step_ms:.1f} ms",
                f"throughput per replica = {self.memory.concurrency} sequences / {self.step_ms:.1f} ms "
                f"= {self.tokens_per_s_per_replica:.0f} tokens/s",
            ]
        if self.throughput_tokens_per_s is not None:
            lines.append(
                f"replicas = ceil({self.throughput_tokens_per_s:g} / {self.tokens_per_s_per_replica:.0f}) = "
                f"{self.replicas_needed}"
            )
        lines.append(
            f"nodes per region = max(1, min_nodes {self.min_nodes}, ceil({self.replicas_needed} / "
            f"{self.replicas_per_node})) = {self.nodes}"
        )
        return lines


def _step_ms(memory: MemoryEstimate, accelerators: int, bandwidth_gbps: float) -> float:
    return memory.decode_read_gb / (accelerators * bandwidth_gbps * DECODE_BANDWIDTH_EFFICIENCY) * 1000.0


def _tensor_parallel_sizes(accelerator_count: int) -> list[int]:
    """Powers of two that divide the node, so replicas tile it exactly."""
    sizes, size = [], 1
    while size <= accelerator_count:
        if accelerator_count % size == 0:
            sizes.append(size)
        size *= 2
    return sizes


def size_node(
    memory: MemoryEstimate,
    accelerator: str,
    accelerator_count: int,
    accelerator_memory_gb: float,
    bandwidth_gbps: float | None,
    throughput_tokens_per_s: float | None = None,
    latency_ms_per_token: float | None = None,
    min_nodes: int = 0,
) -> NodeSizing:
    """Size one node type, or raise the NodeMisfit that rules it out.

    Tensor parallelism stays inside one node. The smallest size that fits
    memory and meets the latency target is taken: in the roofline a node's
    throughput is accelerators x bandwidth / bytes per step whatever the split,
    so more accelerators per replica only lower latency, never cost.
    """
    need = memory.total_gb
    sizes = _tensor_parallel_sizes(accelerator_count)
    fitting = [tp for tp in sizes if tp * accelerator_memory_gb >= need]
    if not fitting:
        raise DoesNotFitMemory(max(sizes, default=0), accelerator_count, accelerator_memory_gb, need)
    if bandwidth_gbps is None and latency_ms_per_token is not None:
        raise BandwidthUnknown(f"the {latency_ms_per_token:g} ms latency target")
    if bandwidth_gbps is None and throughput_tokens_per_s is not None:
        raise BandwidthUnknown(f"the {throughput_tokens_per_s:g} tokens/s target")
    chosen = fitting[0]
    if latency_ms_per_token is not None:
        fast = [tp for tp in fitting if _step_ms(memory, tp, bandwidth_gbps) <= latency_ms_per_token]
        if not fast:
            raise TooSlow(_step_ms(memory, fitting[-1], bandwidth_gbps), latency_ms_per_token, fitting[-1])
        chosen = fast[0]
    return NodeSizing(
        memory=memory,
        accelerator=accelerator,
        accelerator_count=accelerator_count,
        accelerator_memory_gb=accelerator_memory_gb,
        bandwidth_gbps=bandwidth_gbps,
        accelerators_per_replica=chosen,
        throughput_tokens_per_s=throughput_tokens_per_s,
        latency_ms_per_token=latency_ms_per_token,
        min_nodes=min_nodes,
    )
