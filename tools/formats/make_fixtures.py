#!/usr/bin/env python3
"""Writes the weight-format fixtures and golden values for core/src/formats tests.

Everything here comes from third-party reference code, never from plexus:
  * safetensors files are written by the `safetensors` package; bf16/fp8 values are made and
    widened to f32 by `ml_dtypes`;
  * GGUF files are written by the `gguf` package (GGUFWriter), quantised by gguf.quants.quantize
    and the reference values dequantised by gguf.quants.dequantize;
  * the Q/K row de-permutation of GGUF llama tensors is transformers' own
    LlamaTensorProcessor._reverse_permute_weights (numpy, no torch), and the reference model
    config of a GGUF file is transformers' load_gguf_checkpoint(return_tensors=False).

Float values are stored as their IEEE bit patterns (uint32 for f32, uint16 for f16/bf16) so the
C++ tests can compare bit for bit.

Usage (from the repository root):
  python3 -m venv .venv-formats && .venv-formats/bin/pip install -r tools/formats/requirements.txt
  .venv-formats/bin/python tools/formats/make_fixtures.py            # tiny fixtures
  scripts/fetch-model && .venv-formats/bin/python tools/formats/make_fixtures.py --smollm2
"""
import argparse
import hashlib
import json
import os
import sys

import gguf
import ml_dtypes
import numpy as np
import safetensors
from gguf.quants import dequantize, quantize
from gguf.constants import GGMLQuantizationType as Q

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.path.join(ROOT, "core", "src", "formats", "testdata")
SMOLLM2 = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
SEED = 20261127


def f32_bits(a):
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel().tolist()


def u16_bits(a):
    return np.ascontiguousarray(a).view(np.uint16).ravel().tolist()


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (any dtype the safetensors package names)."""
    keep = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    specs = {
        k: safetensors.TensorSpec(dtype=str(v.dtype), shape=list(v.shape), data_ptr=v.ctypes.data,
                                  data_len=v.nbytes)
        for k, v in keep.items()
    }
    safetensors.serialize_file(specs, path, metadata)


def make_safetensors(rng, golden):
    base = rng.standard_normal((4, 6)).astype(np.float32)
    small = (rng.standard_normal(8) * 3).astype(np.float32)
    tensors = {
        "f32": base,
        "f16": small.astype(np.float16),
        "bf16": small.astype(ml_dtypes.bfloat16).reshape(2, 4),
        "f8_e4m3": small.astype(ml_dtypes.float8_e4m3fn),
        "i32": rng.integers(-100000, 100000, size=5, dtype=np.int32),
        "i8": rng.integers(-128, 128, size=6, dtype=np.int8),
        "u8": rng.integers(0, 256, size=6, dtype=np.uint8),
    }
    write_safetensors(os.path.join(TESTDATA, "dtypes.safetensors"), tensors, {"format": "pt"})
    out = {}
    for name, a in tensors.items():
        as_f32 = a.astype(np.float32)
        with np.errstate(over="ignore"):
            as_f16 = as_f32.astype(np.float16)
        out[name] = {
            "dtype": {"float32": "F32", "float16": "F16", "bfloat16": "BF16",
                      "float8_e4m3fn": "F8_E4M3", "int32": "I32", "int8": "I8",
                      "uint8": "U8"}[str(a.dtype)],
            "shape": list(a.shape),
            "f32_bits": f32_bits(as_f32),
            # Narrowing from f32 (round to nearest even; beyond f16's range -> inf).
            "bf16_bits": u16_bits(as_f32.astype(ml_dtypes.bfloat16)),
            "f16_bits": u16_bits(as_f16),
        }
    golden["safetensors"] = out

    # A sharded HF directory: config.json + index + two shards.
    shard_dir = os.path.join(TESTDATA, "sharded")
    os.makedirs(shard_dir, exist_ok=True)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    b = rng.standard_normal((8,)).astype(np.float32).astype(ml_dtypes.bfloat16)
    c = rng.standard_normal((2, 4)).astype(np.float16)
    shards = {
        "model-00001-of-00002.safetensors": {"model.layers.0.mlp.up_proj.weight": a},
        "model-00002-of-00002.safetensors": {"model.norm.weight": b,
                                             "model.embed_tokens.weight": c},
    }
    weight_map, total = {}, 0
    for fname, ts in shards.items():
        write_safetensors(os.path.join(shard_dir, fname), ts, {"format": "pt"})
        for k, v in ts.items():
            weight_map[k] = fname
            total += v.nbytes
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(shard_dir, "config.json"), "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "hidden_size": 8,
                   "num_hidden_layers": 1}, f, indent=2)
    golden["sharded"] = {k: {"shape": list(v.shape), "f32_bits": f32_bits(v.astype(np.float32))}
                         for ts in shards.values() for k, v in ts.items()}


def llama_permute(w, n_head, n_head_kv):
    """The HF -> GGUF Q/K row permutation of llama.cpp's convert_hf_to_gguf.py (LlamaModel)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def hf_reverse_permute(w, name, n_head, n_kv):
    """transformers' own inverse (LlamaTensorProcessor), used as the reference."""
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor
    proc = LlamaTensorProcessor(config={"num_attention_heads": n_head, "num_key_value_heads": n_kv})
    return proc.process(w, name).weights


def transformers_gguf_config(path):
    """transformers' model config for a GGUF file. Its loader refuses to run without torch, but
    reading the config touches no tensor, so the torch check is bypassed for this call."""
    import transformers.modeling_gguf_pytorch_utils as m
    saved = m.is_torch_available
    m.is_torch_available = lambda: True
    try:
        return m.load_gguf_checkpoint(path, return_tensors=False)["config"]
    finally:
        m.is_torch_available = saved


CONFIG_KEYS = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "num_key_value_heads", "rms_norm_eps", "rope_theta", "max_position_embeddings",
               "vocab_size", "tie_word_embeddings", "bos_token_id", "eos_token_id", "head_dim"]


def make_tiny_gguf(rng, golden):
    hidden, heads, kv_heads, ffn, vocab = 32, 4, 2, 64, 16
    head_dim = hidden // heads
    path = os.path.join(TESTDATA, "tiny.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(1)
    w.add_context_length(256)
    w.add_embedding_length(hidden)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_vocab_size(vocab)
    w.add_rope_dimension_count(head_dim)
    w.add_tokenizer_model("gpt2")
    w.add_token_list([f"tok{i}" for i in range(vocab)])
    w.add_token_types([1] * (vocab - 2) + [3, 3])
    w.add_token_scores([float(-i) / 4 for i in range(vocab)])
    w.add_token_merges(["t o", "to k"])
    w.add_bos_token_id(14)
    w.add_eos_token_id(15)
    w.add_chat_template("{{ messages }}")
    w.add_int32("test.negative", -7)
    w.add_uint64("test.big", 1 << 40)
    w.add_float64("test.f64", 0.125)
    w.add_bool("test.flag", True)
    w.add_key_value("test.i16_array", [-3, 4], gguf.GGUFValueType.ARRAY,
                    sub_type=gguf.GGUFValueType.INT16)

    # name (GGUF), HF-layout values, ggml type. q/k are permuted as the converter does.
    hf = {
        "token_embd.weight": (rng.standard_normal((vocab, hidden)), Q.Q8_0),
        "blk.0.attn_norm.weight": (rng.standard_normal(hidden), Q.F32),
        "blk.0.attn_q.weight": (rng.standard_normal((hidden, hidden)), Q.Q4_0),
        "blk.0.attn_k.weight": (rng.standard_normal((kv_heads * head_dim, hidden)), Q.Q4_1),
        "blk.0.attn_v.weight": (rng.standard_normal((kv_heads * head_dim, hidden)), Q.F16),
        "blk.0.attn_output.weight": (rng.standard_normal((hidden, hidden)), Q.BF16),
        "blk.0.ffn_norm.weight": (rng.standard_normal(hidden), Q.F32),
        "blk.0.ffn_gate.weight": (rng.standard_normal((ffn, hidden)), Q.Q8_0),
        "blk.0.ffn_up.weight": (rng.standard_normal((ffn, hidden)), Q.Q4_1),
        "blk.0.ffn_down.weight": (rng.standard_normal((hidden, ffn)), Q.Q4_0),
        "output_norm.weight": (rng.standard_normal(hidden), Q.F32),
    }
    tensors = {}
    for name, (values, qtype) in hf.items():
        values = values.astype(np.float32)
        stored = values
        if ".attn_q." in name:
            stored = llama_permute(values, heads, heads)
        elif ".attn_k." in name:
            stored = llama_permute(values, heads, kv_heads)
        q = quantize(stored, qtype)
        w.add_tensor(name, q, raw_dtype=qtype)
        ref = dequantize(q, qtype).astype(np.float32)
        if ".attn_q." in name or ".attn_k." in name:
            ref = hf_reverse_permute(ref, name, heads, kv_heads)
        tensors[name] = {"ggml_type": qtype.name, "shape": list(ref.shape),
                         "f32_bits": f32_bits(ref)}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    cfg = transformers_gguf_config(path)
    golden["tiny_gguf"] = {"tensors": tensors,
                           "config": {k: cfg[k] for k in CONFIG_KEYS if k in cfg}}


def make_smollm2_golden():
    if not os.path.exists(SMOLLM2):
        sys.exit(f"{SMOLLM2} is missing: run scripts/fetch-model first")
    reader = gguf.GGUFReader(SMOLLM2)
    heads = int(reader.fields["llama.attention.head_count"].parts[-1][0])
    kv_heads = int(reader.fields["llama.attention.head_count_kv"].parts[-1][0])
    names = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight",
             "blk.29.ffn_down.weight", "output_norm.weight"]
    edge = 256
    out = {}
    for t in reader.tensors:
        if t.name not in names:
            continue
        shape = [int(d) for d in reversed(t.shape.tolist())]  # HF order
        values = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(shape)
        if ".attn_q." in t.name or ".attn_k." in t.name:
            values = hf_reverse_permute(values, t.name, heads, kv_heads)
        flat = np.ascontiguousarray(values).ravel()
        out[t.name] = {"ggml_type": t.tensor_type.name, "shape": shape,
                       "first_f32_bits": f32_bits(flat[:edge]),
                       "last_f32_bits": f32_bits(flat[-edge:]),
                       "sha256_f32": hashlib.sha256(flat.tobytes()).hexdigest()}
    cfg = transformers_gguf_config(SMOLLM2)
    golden = {"made_by": "tools/formats/make_fixtures.py --smollm2 (gguf %s, transformers GGUF "
                         "loader for config and Q/K inverse permutation)" % gguf.__name__,
              "file_size": os.path.getsize(SMOLLM2),
              "tensors": out,
              "config": {k: cfg[k] for k in CONFIG_KEYS if k in cfg}}
    with open(os.path.join(TESTDATA, "smollm2_golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smollm2", action="store_true",
                    help="also write smollm2_golden.json from models/SmolLM2-135M-Instruct.Q4_1.gguf")
    args = ap.parse_args()
    os.makedirs(TESTDATA, exist_ok=True)
    rng = np.random.default_rng(SEED)
    golden = {"made_by": "tools/formats/make_fixtures.py (seed %d)" % SEED}
    make_safetensors(rng, golden)
    make_tiny_gguf(rng, golden)
    with open(os.path.join(TESTDATA, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    if args.smollm2:
        make_smollm2_golden()


if __name__ == "__main__":
    main()
