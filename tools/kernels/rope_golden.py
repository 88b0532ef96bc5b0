#!/usr/bin/env python3
"""Writes kernels/cpu/testdata/rope_golden.json: RoPE inv_freq and attention_factor from
transformers' own ROPE_INIT_FUNCTIONS for realistic configs of each rope_scaling type.

kernels/cpu/rope_test.cc compares plexus::kernels::rope_frequencies() against it (1e-6 relative).

Rerun:
  python3 -m venv .venv-kernels && .venv-kernels/bin/pip install -r tools/kernels/requirements.txt
  .venv-kernels/bin/python tools/kernels/rope_golden.py
"""
import json
import pathlib

import torch
import transformers
from transformers import DeepseekV3Config, LlamaConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

OUT = pathlib.Path(__file__).resolve().parents[2] / "kernels/cpu/testdata/rope_golden.json"


def llama_config(head_dim, theta, max_pos, rope_type="default", **scaling):
    params = {"rope_type": rope_type, "rope_theta": theta, **scaling}
    return LlamaConfig(hidden_size=head_dim * 8, num_attention_heads=8, head_dim=head_dim,
                       max_position_embeddings=max_pos, rope_parameters=params)


# name -> (config, rope type, seq_len passed to the init function or None)
CASES = {
    # SmolLM2-135M: no scaling.
    "smollm2-135m-default": (llama_config(64, 100000.0, 8192), "default", None),
    # Llama-3.1-8B / R1-Distill-Llama-8B.
    "llama3.1-8b-llama3": (
        llama_config(128, 500000.0, 131072, "llama3", factor=8.0, low_freq_factor=1.0,
                     high_freq_factor=4.0, original_max_position_embeddings=8192),
        "llama3", None),
    # deepseek-coder-1.3b: linear 4.0.
    "deepseek-coder-1.3b-linear": (
        llama_config(128, 100000.0, 16384, "linear", factor=4.0), "linear", None),
    # Dynamic NTK 2.0, below and above max_position_embeddings.
    "dynamic-2.0-short": (llama_config(128, 10000.0, 4096, "dynamic", factor=2.0), "dynamic", 1000),
    "dynamic-2.0-long": (llama_config(128, 10000.0, 4096, "dynamic", factor=2.0), "dynamic", 10000),
    # DeepSeek-V3 / R1: yarn on the 64 rope dims of MLA.
    "deepseek-v3-yarn": (
        DeepseekV3Config(max_position_embeddings=163840, rope_parameters={
            "rope_type": "yarn", "rope_theta": 10000.0, "factor": 40.0,
            "original_max_position_embeddings": 4096, "beta_fast": 32, "beta_slow": 1,
            "mscale": 1.0, "mscale_all_dim": 1.0}),
        "yarn", None),
    # DeepSeek-V2-Lite style mscale (0.707 / 1.0) so the ratio is not 1.
    "yarn-mscale-ratio": (
        DeepseekV3Config(max_position_embeddings=163840, rope_parameters={
            "rope_type": "yarn", "rope_theta": 10000.0, "factor": 40.0,
            "original_max_position_embeddings": 4096, "beta_fast": 32, "beta_slow": 1,
            "mscale": 0.707, "mscale_all_dim": 1.0}),
        "yarn", None),
    # Qwen2.5-style yarn without mscale: attention_factor = 0.1 ln(factor) + 1.
    "qwen-yarn-4": (
        llama_config(128, 1000000.0, 131072, "yarn", factor=4.0,
                     original_max_position_embeddings=32768),
        "yarn", None),
}


def plexus_config(config, rope_type):
    """The RopeConfig fields rope_test.cc builds (names as in kernels/cpu/rope.h)."""
    p = config.rope_parameters
    out = {
        "type": rope_type,
        "rotary_dim": int(getattr(config, "head_dim", None)
                          or config.hidden_size // config.num_attention_heads),
        "theta": float(p["rope_theta"]),
        "max_position_embeddings": int(config.max_position_embeddings),
    }
    for key in ("factor", "low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow",
                "mscale", "mscale_all_dim"):
        if p.get(key) is not None:
            out[key] = float(p[key])
    if p.get("original_max_position_embeddings") is not None:
        out["original_max_position_embeddings"] = int(p["original_max_position_embeddings"])
    return out


def main():
    cases = []
    for name, (config, rope_type, seq_len) in CASES.items():
        if rope_type == "default":
            # transformers 5 has no "default" entry in ROPE_INIT_FUNCTIONS: the model's rotary
            # embedding computes it.
            rotary = transformers.models.llama.modeling_llama.LlamaRotaryEmbedding(config)
            inv_freq, attention_factor = rotary.inv_freq, rotary.attention_scaling
        else:
            kwargs = {"seq_len": seq_len} if seq_len is not None else {}
            inv_freq, attention_factor = ROPE_INIT_FUNCTIONS[rope_type](config, "cpu", **kwargs)
        case = {
            "name": name,
            "config": plexus_config(config, rope_type),
            "inv_freq": [float(v) for v in inv_freq.to(torch.float32).tolist()],
            "attention_factor": float(attention_factor),
        }
        if seq_len is not None:
            case["seq_len"] = seq_len
        cases.append(case)
    doc = {
        "generator": "tools/kernels/rope_golden.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
