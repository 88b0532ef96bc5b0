#!/usr/bin/env python3
"""A TinyLlama-1.1B-shaped Llama with random weights, as dense bf16, AWQ and GPTQ checkpoints.

For the end-to-end decode benchmark (bench/quant/run_e2e.sh). Calibrated quantization of a 1B
model takes hours on 2 cores, so the weights are quantized round-to-nearest instead (min/max
asymmetric per group of 128 input channels, scales rounded to f16) and only the packing is
GPTQModel's: the scales, zero points and a linear layer holding the RTN weights go through
`gptqmodel.utils.model.pack_module`, the function GPTQModel's own AWQ/GPTQ processors call, into
the quant linear classes they use on the CPU (`AwqTorchLinear`, GEMM layout; `TorchLinear`,
followed by the library's v2 -> v1 zero-point conversion). config.json's quantization_config
and quantize_config.json come from the library's AWQConfig/GPTQConfig with the meta fields its
writer adds.

- out/quant1b/bf16: the dense model (transformers LlamaForCausalLM, seed SEED, normal std 0.02),
  bf16, with a toy byte-level BPE tokenizer of exactly 32000 tokens;
- out/quant1b/awq_g128: AWQ 4-bit, group 128, zero_point, version gemm;
- out/quant1b/gptq_b4_g128: GPTQ 4-bit, group 128, sym false, desc_act false, format gptq (v1);
- out/quant1b/gptq_b4_g128_lm_head: the same, with the lm_head quantized too, as GPTQModel's
  `lm_head=True` writes it: a `dynamic` rule for "lm_head" (here the layers' own settings, 4-bit
  g128 asymmetric; GPTQModel's default rule would be 8-bit g32) and lm_head.qweight/... tensors.

Only the decoder's q/k/v/o/gate/up/down projections are quantized (and the last variant's
lm_head); embeddings, norms and the (untied) lm_head otherwise stay bf16. bos/eos are None, so generation never stops early. Each folder gets
how.json (versions, method, timings, checks). The check: for a few layers the library's own
dequantization of the saved checkpoint (AWQ: `dequantize_gemm` on the stored tensors; GPTQ: the
checkpoint loaded by `GPTQModel.load` with the torch kernel, `dequantize_weight()`) must equal
the RTN weights in f16.

With `--shape 3b` (out/quant3b by default) the same recipe makes a ~2.8B Llama (hidden 3072,
intermediate 8192, 26 layers, 24 heads / 8 KV heads, vocab 32000): a model whose bf16 lm_head
is a smaller share of the whole, for the memory comparison. Its weights are initialised in bf16
directly (an f32 model of that size and its bf16 copy would need ~17 GB here).

Usage: .venv-quant/bin/python bench/quant/make_1b_checkpoints.py [--shape 1b|3b] [--out DIR]
       [--variant bf16|awq_g128|gptq_b4_g128|gptq_b4_g128_lm_head ...]
"""

import argparse
import json
import os
import platform
import random
import shutil
import sys
import threading
import time

# GPTQModel sizes its CPU worker pools from os.cpu_count(); see tools/quant/make_quant_fixtures.py.
os.environ.setdefault("GPTQMODEL_CPU_WORKERS", "2")

import safetensors  # noqa: E402
import safetensors.torch  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import (  # noqa: E402
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "quant"))
from make_quant_fixtures import bytes_to_unicode  # noqa: E402

SEED = 1100
BASE = dict(
    vocab_size=32000,
    hidden_size=2048,
    intermediate_size=5632,
    num_hidden_layers=22,
    num_attention_heads=32,
    num_key_value_heads=4,
    max_position_embeddings=2048,
    rms_norm_eps=1e-5,
    rope_theta=10000.0,
    initializer_range=0.02,
    tie_word_embeddings=False,
    bos_token_id=None,
    eos_token_id=None,
    pad_token_id=0,  # GPTQModel.load's tokenizer check wants a pad token; plexus ignores it
)
SHAPES = {
    "1b": BASE,
    "3b": dict(
        BASE,
        hidden_size=3072,
        intermediate_size=8192,
        num_hidden_layers=26,
        num_attention_heads=24,
        num_key_value_heads=8,
    ),
}
GROUP = 128
BITS = 4
LINEARS = (
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
)
# Modules whose library dequantisation is compared with the RTN weights.
CHECK_MODULES = ("model.layers.0.self_attn.q_proj", "model.layers.21.mlp.down_proj")
VARIANTS = ("bf16", "awq_g128", "gptq_b4_g128", "gptq_b4_g128_lm_head")
# The rule GPTQModel's lm_head=True reads for the lm_head (module_looper.py adds an 8-bit g32 one
# when the config has none).
LM_HEAD_RULE = {"bits": BITS, "group_size": GROUP, "sym": False, "desc_act": False}


def make_tokenizer(out_dir):
    """Byte-level BPE, all 256 bytes + merges trained on seeded pseudo-words: 32000 tokens, no
    special tokens (the same recipe as tools/quant/make_quant_fixtures.py, scaled up)."""
    rng = random.Random(SEED)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    words = [
        "".join(rng.choice(letters) for _ in range(2 + i % 10)) for i in range(120000)
    ]
    text = "hello world. the quick brown fox jumps over the lazy dog. " * 64 + " ".join(words)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    alphabet = list(bytes_to_unicode().values())
    trainer = trainers.BpeTrainer(
        vocab_size=BASE["vocab_size"],
        initial_alphabet=alphabet,
        limit_alphabet=len(alphabet),
        special_tokens=[],
        show_progress=False,
    )
    tok.train_from_iterator([text[i : i + 10000] for i in range(0, len(text), 10000)], trainer)
    assert tok.get_vocab_size() == BASE["vocab_size"], tok.get_vocab_size()
    PreTrainedTokenizerFast(tokenizer_object=tok).save_pretrained(out_dir)


def make_dense(base, init_in_bf16):
    """The dense model's state dict in bf16 (transformers' own init, normal std 0.02)."""
    torch.manual_seed(SEED)
    config = LlamaConfig(**base)
    if init_in_bf16:
        default = torch.get_default_dtype()
        torch.set_default_dtype(torch.bfloat16)
        model = LlamaForCausalLM(config)
        torch.set_default_dtype(default)
    else:
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    # save_pretrained sets this on the shared config; set it here so that a quantized variant made
    # without the bf16 one (--variant) names its architecture too.
    config.architectures = [type(model).__name__]
    return config, model


def rtn(w):
    """Round-to-nearest, min/max asymmetric per group of GROUP input channels.
    w: [out, in] float32. Returns scales and zeros [out, in / GROUP] (float32, the scales
    f16-exact) and the dequantised weight (q - z) * s, [out, in] float32 (exact in f32)."""
    n, k = w.shape
    wg = w.view(n, k // GROUP, GROUP)
    maxq = 2**BITS - 1
    lo, hi = wg.amin(dim=-1), wg.amax(dim=-1)
    scales = ((hi - lo).clamp(min=1e-5) / maxq).to(torch.float16).to(torch.float32)
    zeros = torch.round(-lo / scales).clamp(0, maxq)
    q = torch.clamp(torch.round(wg / scales[..., None]) + zeros[..., None], 0, maxq)
    deq = ((q - zeros[..., None]) * scales[..., None]).view(n, k)
    return scales, zeros, deq


def quant_config(method, lm_head=False):
    """The library's config object, with the meta fields GPTQModel's writer adds on save."""
    import gptqmodel
    from gptqmodel import AWQConfig, GPTQConfig
    from gptqmodel.quantization import config as qc

    if method == "awq":
        cfg = AWQConfig(bits=BITS, group_size=GROUP, sym=False)
    else:
        extra = dict(lm_head=True, dynamic={"lm_head": dict(LM_HEAD_RULE)}) if lm_head else {}
        cfg = GPTQConfig(bits=BITS, group_size=GROUP, sym=False, desc_act=False, **extra)
    # As gptqmodel/models/writer.py save_quantized() does before it serialises the config.
    cfg.meta_set_versionable(qc.META_FIELD_QUANTIZER, [f"gptqmodel:{gptqmodel.__version__}"])
    cfg.meta_set(qc.META_FIELD_URI, qc.META_VALUE_URI)
    for key, attr in (
        (qc.META_FIELD_DAMP_PERCENT, "damp_percent"),
        (qc.META_FIELD_DAMP_AUTO_INCREMENT, "damp_auto_increment"),
        (qc.META_FIELD_STATIC_GROUPS, "static_groups"),
        (qc.META_FIELD_TRUE_SEQUENTIAL, "true_sequential"),
        (qc.META_FIELD_MSE, "mse"),
        (qc.META_FIELD_ACT_GROUP_AWARE, "act_group_aware"),
    ):
        cfg.meta_set(key, getattr(cfg, attr, None))
    assert getattr(cfg, "gptaq", None) is None and getattr(cfg, "foem", None) is None
    cfg.meta_set(qc.META_FIELD_GPTAQ_ENABLED, None)
    cfg.meta_set(qc.META_FIELD_FOEM_ENABLED, None)
    return cfg


def pack_linear(method, cfg, name, weight):
    """RTN-quantises one [out, in] weight and packs it with GPTQModel's pack_module.
    Returns ({tensor name: tensor} to save, RTN dequantised weight in f16 [out, in]).

    Not gptqmodel.utils.packing.hf_pack_layer: in 7.7.0 it leaves the packers' raw zero points
    in a module it marks as v1, so a "gptq" checkpoint would hold z instead of z - 1."""
    from gptqmodel.nn_modules.qlinear.torch import TorchLinear
    from gptqmodel.nn_modules.qlinear.torch_awq import AwqTorchLinear
    from gptqmodel.utils.model import pack_module

    n, k = weight.shape
    scales, zeros, deq = rtn(weight.to(torch.float32))
    # The layer handed to the packer holds the RTN weights, as GPTQ's processor hands it the
    # quantised weights: the packers recompute round(w / s + z), exact here (AWQ's does not clamp).
    linear = torch.nn.Linear(k, n, bias=False, device="meta")
    linear.weight = torch.nn.Parameter(deq, requires_grad=False)
    kw = dict(
        bits=BITS,
        group_size=GROUP,
        sym=False,
        desc_act=False,
        in_features=k,
        out_features=n,
        bias=False,
        pack_dtype=torch.int32,
        register_buffers=False,
    )
    if method == "awq":
        qmodule, cls, g_idx = AwqTorchLinear(**kw), AwqTorchLinear, None
    else:
        qmodule, cls = TorchLinear(format="gptq", **kw), TorchLinear
        g_idx = torch.arange(k, dtype=torch.int32) // GROUP  # no act-order
    pack_module(
        name=name,
        qModules={name: qmodule},
        q_scales=scales,
        q_zeros=zeros,
        q_g_idx=g_idx,
        layers={name: linear},
        quant_linear_cls=cls,
        lock=threading.Lock(),
        quantize_config=cfg,
    )
    out = {
        name + ".qweight": qmodule.qweight,
        name + ".qzeros": qmodule.qzeros,
        name + ".scales": qmodule.scales,
    }
    if g_idx is not None:
        out[name + ".g_idx"] = qmodule.g_idx.to(torch.int32)
    assert all(v.dtype == torch.int32 for kk, v in out.items() if not kk.endswith(".scales"))
    assert out[name + ".scales"].dtype == torch.float16
    return {kk: v.contiguous() for kk, v in out.items()}, deq.to(torch.float16)


def library_dequant(method, out_dir, modules):
    """{module: f16 [out, in]}: GPTQModel's own dequantisation of `modules` as saved."""
    res = {}
    if method == "awq":
        from gptqmodel.quantization.awq.utils.packing_utils import dequantize_gemm

        with safetensors.safe_open(os.path.join(out_dir, "model.safetensors"), "pt") as f:
            for m in modules:
                qw, qz, sc = (f.get_tensor(m + s) for s in (".qweight", ".qzeros", ".scales"))
                w = dequantize_gemm(qw, qz, sc, BITS, GROUP)  # [in, out]
                assert w.dtype == torch.float16
                res[m] = w.t().contiguous()
    else:
        from gptqmodel import BACKEND, GPTQModel

        model = GPTQModel.load(
            out_dir, device="cpu", backend=BACKEND.GPTQ_TORCH, dtype=torch.float16
        )
        for m in modules:
            w = model.model.get_submodule(m).dequantize_weight()  # [in, out]
            assert w.dtype == torch.float16
            res[m] = w.t().contiguous()
        del model
    return res


def versions():
    import gptqmodel

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "gptqmodel": gptqmodel.__version__,
        "safetensors": safetensors.__version__,
        "tokenizers": tokenizers.__version__,
    }


def write_how(out_dir, info):
    with open(os.path.join(out_dir, "how.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=sorted(SHAPES), default="1b")
    ap.add_argument("--out", help="default: out/quant<shape>")
    ap.add_argument("--variant", action="append", choices=VARIANTS, help="default: all")
    args = ap.parse_args()
    variants = args.variant or list(VARIANTS)
    args.out = args.out or f"out/quant{args.shape}"
    base = SHAPES[args.shape]
    torch.set_num_threads(os.cpu_count() or 1)
    made_by = "bench/quant/make_1b_checkpoints.py"
    t0 = time.time()
    config, model = make_dense(base, init_in_bf16=args.shape != "1b")
    state = {k: v.detach() for k, v in model.state_dict().items()}
    tok_dir = os.path.join(args.out, "tokenizer")
    shutil.rmtree(tok_dir, ignore_errors=True)
    make_tokenizer(tok_dir)
    n_params = sum(v.numel() for v in state.values())
    print(f"dense model: {n_params / 1e9:.3f} B parameters, {time.time() - t0:.0f} s",
          file=sys.stderr)
    common = {
        "made_by": made_by,
        "versions": versions(),
        "seed": SEED,
        "shape": args.shape,
        "base": base,
        "parameters": n_params,
        "dense": "transformers LlamaForCausalLM(config) init (normal std 0.02, norms 1), bf16",
        "tokenizer": "byte-level BPE, 256 bytes + merges trained on seeded pseudo-words, "
        "32000 tokens, no special tokens",
    }
    for name in variants:
        t1 = time.time()
        print(f"== {name}", file=sys.stderr, flush=True)
        out_dir = os.path.join(args.out, name)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        for f in os.listdir(tok_dir):
            shutil.copy(os.path.join(tok_dir, f), out_dir)
        GenerationConfig.from_model_config(config).save_pretrained(out_dir)
        info = dict(common)
        if name == "bf16":
            model.save_pretrained(out_dir)
            info["method"] = "dense bf16, saved by transformers save_pretrained"
            info["seconds"] = round(time.time() - t1, 1)
            write_how(out_dir, info)
            continue
        method = "awq" if name.startswith("awq") else "gptq"
        lm_head = name.endswith("_lm_head")
        cfg = quant_config(method, lm_head)
        check_modules = CHECK_MODULES + (("lm_head",) if lm_head else ())
        tensors, rtn_deq = {}, {}
        for key, value in state.items():
            module = key[: -len(".weight")]
            quantize = module.split(".", 3)[-1] in LINEARS or (lm_head and module == "lm_head")
            if key.endswith(".weight") and quantize:
                packed, deq = pack_linear(method, cfg, module, value)
                tensors.update(packed)
                if module in check_modules:
                    rtn_deq[module] = deq
            else:
                tensors[key] = value.contiguous()
        t_pack = time.time() - t1
        safetensors.torch.save_file(
            tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"}
        )
        del tensors
        qconfig = config.to_dict()
        qconfig["quantization_config"] = cfg.to_dict()
        qconfig = LlamaConfig.from_dict(qconfig)
        qconfig.save_pretrained(out_dir)
        cfg.save_pretrained(out_dir)  # quantize_config.json, as GPTQModel writes it too
        t_save = time.time() - t1 - t_pack
        lib = library_dequant(method, out_dir, check_modules)
        diffs = {}
        for m in check_modules:
            d = float((lib[m].float() - rtn_deq[m].float()).abs().max())
            diffs[m] = d
            print(f"{name} {m}: max |library dequant - RTN| (f16) = {d:g}", file=sys.stderr)
            assert d <= 1e-6, (name, m, d)
        packer = {
            "awq": "gptqmodel.utils.model.pack_module -> AwqTorchLinear.pack (AWQ GEMM layout)",
            "gptq": "gptqmodel.utils.model.pack_module -> TorchLinear.pack_block (pack_impl "
            "'auto' on the CPU), then convert_gptq_v2_to_v1_format_module",
        }[method]
        check = {
            "awq": "gptqmodel.quantization.awq.utils.packing_utils.dequantize_gemm on the "
            "saved qweight/qzeros/scales",
            "gptq": "GPTQModel.load(backend=GPTQ_TORCH, dtype=float16), "
            "TorchLinear.dequantize_weight()",
        }[method]
        info.update(
            method=f"RTN min/max asymmetric per group of {GROUP} (scales rounded to f16, "
            "zeros round(-min/scale)), packed by GPTQModel: " + packer,
            quantize_args={"bits": BITS, "group_size": GROUP, "sym": False, "desc_act": False},
            quantized_modules=list(LINEARS) + (["lm_head"] if lm_head else []),
            dequant_check=check,
            dequant_max_abs_diff=diffs,
            seconds_pack=round(t_pack, 1),
            seconds_save=round(t_save, 1),
            seconds=round(time.time() - t1, 1),
        )
        write_how(out_dir, info)
    shutil.rmtree(tok_dir, ignore_errors=True)
    print(f"total {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
