#!/usr/bin/env python3
"""Writes the config.json of DeepSeek-V3 and DeepSeek-V2-Lite (no weights) for `plexus plan`.

No model hub is reachable here, so the files are written from the published facts: the values of
deepseek-ai/DeepSeek-V3 and deepseek-ai/DeepSeek-V2-Lite's config.json on the Hugging Face hub
(also listed in ../../../shared/FORMATS.md and the DeepSeek-V2/V3 technical reports). Keys that
only the remote code reads (auto_map, aux_loss_alpha, seq_aux, ep_size) are kept so the files
look like the real ones. Left out on purpose: V3's `quantization_config` (FP8 e4m3 with 128x128
block scales), since `plexus plan` prices the weights per scheme itself.

The published totals check the values: V3 671B parameters with ~37B active per token (MTP
excluded), V2-Lite 15.7B with 2.4B active (the reports count active parameters without the
embedding table; plexus counts embeddings and the LM head, so its V2-Lite figure is ~2.66B).

Usage (standard library only): python3 tools/models/write_deepseek_configs.py
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "models"

COMMON = {
    "attention_bias": False,
    "attention_dropout": 0.0,
    "aux_loss_alpha": 0.001,
    "ep_size": 1,
    "hidden_act": "silu",
    "initializer_range": 0.02,
    "kv_lora_rank": 512,
    "max_position_embeddings": 163840,
    "moe_layer_freq": 1,
    "pretraining_tp": 1,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "rms_norm_eps": 1e-06,
    "rope_theta": 10000,
    "seq_aux": True,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.33.1",
    "use_cache": True,
    "v_head_dim": 128,
}

DEEPSEEK_V3 = {
    **COMMON,
    "architectures": ["DeepseekV3ForCausalLM"],
    "auto_map": {
        "AutoConfig": "configuration_deepseek.DeepseekV3Config",
        "AutoModel": "modeling_deepseek.DeepseekV3Model",
        "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM",
    },
    "bos_token_id": 0,
    "eos_token_id": 1,
    "first_k_dense_replace": 3,
    "hidden_size": 7168,
    "intermediate_size": 18432,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 2048,
    "n_group": 8,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "norm_topk_prob": True,
    "num_attention_heads": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 61,
    "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1,
    "q_lora_rank": 1536,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
    "routed_scaling_factor": 2.5,
    "scoring_func": "sigmoid",
    "topk_group": 4,
    "topk_method": "noaux_tc",
    "vocab_size": 129280,
}

DEEPSEEK_V2_LITE = {
    **COMMON,
    "architectures": ["DeepseekV2ForCausalLM"],
    "auto_map": {
        "AutoConfig": "configuration_deepseek.DeepseekV2Config",
        "AutoModel": "modeling_deepseek.DeepseekV2Model",
        "AutoModelForCausalLM": "modeling_deepseek.DeepseekV2ForCausalLM",
    },
    "bos_token_id": 100000,
    "eos_token_id": 100001,
    "first_k_dense_replace": 1,
    "hidden_size": 2048,
    "intermediate_size": 10944,
    "model_type": "deepseek_v2",
    "moe_intermediate_size": 1408,
    "n_group": 1,
    "n_routed_experts": 64,
    "n_shared_experts": 2,
    "norm_topk_prob": False,
    "num_attention_heads": 16,
    "num_experts_per_tok": 6,
    "num_hidden_layers": 27,
    "num_key_value_heads": 16,
    "q_lora_rank": None,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 0.707,
        "mscale_all_dim": 0.707,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
    "routed_scaling_factor": 1.0,
    "scoring_func": "softmax",
    "topk_group": 1,
    "topk_method": "greedy",
    "vocab_size": 102400,
}


def main():
    for name, config in (("deepseek_v3_config", DEEPSEEK_V3),
                         ("deepseek_v2_lite_config", DEEPSEEK_V2_LITE)):
        out = ROOT / name / "config.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(dict(sorted(config.items())), indent=2) + "\n")
        print(out)


if __name__ == "__main__":
    main()
