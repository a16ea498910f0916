"""Architectures of the models skyweave knows by name.

Each row comes from the model's published Hugging Face ``config.json``
(``num_hidden_layers``, ``num_key_value_heads``, ``head_dim`` or
``hidden_size / num_attention_heads``) and the parameter count shown on its
model card (safetensors total). These are the only numbers the KV-cache
estimate needs: per token it stores one key and one value vector per layer and
per KV head.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple


class ModelArchitecture(NamedTuple):
    name: str
    parameters_b: float
    layers: int
    kv_heads: int
    head_dim: int
    mixture_of_experts: bool
    source: str

    @property
    def kv_elements_per_token(self) -> int:
        """Key + value elements cached per token across all layers."""
        return 2 * self.layers * self.kv_heads * self.head_dim


def _hf(repo: str) -> str:
    return f"https://huggingface.co/{repo}/blob/main/config.json"


KNOWN_MODELS: dict[str, ModelArchitecture] = {
    row.name: row
    for row in (
        ModelArchitecture("llama-3.2-1b", 1.24, 16, 8, 64, False, _hf("meta-llama/Llama-3.2-1B")),
        ModelArchitecture("llama-3.2-3b", 3.21, 28, 8, 128, False, _hf("meta-llama/Llama-3.2-3B")),
        ModelArchitecture("llama-3.1-8b", 8.03, 32, 8, 128, False, _hf("meta-llama/Llama-3.1-8B")),
        ModelArchitecture("llama-3.1-70b", 70.6, 80, 8, 128, False, _hf("meta-llama/Llama-3.1-70B")),
        ModelArchitecture("llama-3.1-405b", 405.9, 126, 8, 128, False, _hf("meta-llama/Llama-3.1-405B")),
        ModelArchitecture("mistral-7b", 7.25, 32, 8, 128, False, _hf("mistralai/Mistral-7B-v0.3")),
        # 46.7 B total parameters (8 experts, 2 active per token); all expert
        # weights must be resident, so memory sizing uses the total.
        ModelArchitecture("mixtral-8x7b", 46.7, 32, 8, 128, True, _hf("mistralai/Mixtral-8x7B-v0.1")),
        ModelArchitecture("qwen2.5-7b", 7.61, 28, 4, 128, False, _hf("Qwen/Qwen2.5-7B")),
        ModelArchitecture("qwen2.5-32b", 32.5, 64, 8, 128, False, _hf("Qwen/Qwen2.5-32B")),
        ModelArchitecture("qwen2.5-72b", 72.7, 80, 8, 128, False, _hf("Qwen/Qwen2.5-72B")),
        # Gemma 2 alternates sliding-window (4096) and global layers; sizing
        # caches the full context on every layer, an upper bound.
        ModelArchitecture("gemma-2-9b", 9.24, 42, 8, 256, False, _hf("google/gemma-2-9b")),
        ModelArchitecture("gemma-2-27b", 27.2, 46, 16, 128, False, _hf("google/gemma-2-27b")),
        ModelArchitecture(
            "deepseek-r1-distill-llama-70b", 70.6, 80, 8, 128, False,
            _hf("deepseek-ai/DeepSeek-R1-Distill-Llama-70B"),
        ),
    )
}

# Suffixes of fine-tuned variants that share the base model's architecture.
_VARIANT_SUFFIX = re.compile(r"(-(instruct|it|chat|hf|base))+$")
_MISTRAL_VERSION = re.compile(r"^(mistral-7b|mixtral-8x7b)(-instruct)?-v0\.\d$")


def normalize_model_name(name: str) -> str:
    """'meta-llama/Llama-3.1-70B-Instruct' -> 'llama-3.1-70b'."""
    key = name.strip().lower().rsplit("/", 1)[-1]
    key = key.removeprefix("meta-")
    key = _MISTRAL_VERSION.sub(r"\1", key)
    return _VARIANT_SUFFIX.sub("", key)


def known_model(name: str) -> ModelArchitecture | None:
    return KNOWN_MODELS.get(normalize_model_name(name))


def nearest_dense_model(parameters_b: float) -> ModelArchitecture:
    """The known dense model closest in size (log scale; ties to the larger, then table order).

    Unknown models borrow its KV-cache shape: layer count and KV width grow
    with size, and a real architecture is easier to check by hand than a fit.
    Mixture-of-experts rows are skipped because their total parameter count
    says little about their attention shape.
    """
    dense = [row for row in KNOWN_MODELS.values() if not row.mixture_of_experts]
    return min(
        dense,
        key=lambda row: (abs(math.log(row.parameters_b / parameters_b)), -row.parameters_b),
    )
