#!/usr/bin/env python3
"""Builds small AWQ and GPTQ checkpoints with GPTQModel and records the library's own numbers.

One tiny random Llama (2 layers, hidden 128, intermediate 256, vocab 256, tied embeddings) is made
by transformers from a fixed seed and quantized by GPTQModel on the CPU, once per variant (AWQ
group sizes 32 and -1; GPTQ 4-bit sym/asym, act-order, gptq v1 and gptq_v2, 8-bit, 2-bit, and
one with per-module `dynamic` rules and a packed lm_head, made from the same seed with untied
embeddings), plus one AWQ variant derived from awq_g32 with some modules kept dense
(`modules_to_not_convert`). For
every variant, tests/fixtures/quant/<variant>/ gets:

- the checkpoint as GPTQModel saved it (config.json with quantization_config, model.safetensors,
  quantize_config.json, tokenizer files);
- reference.safetensors: `dequant/<module>` = the library's own dequantised weight in f16 (HF
  layout [out, in]), and `prompt_<i>/ids` + `prompt_<i>/prefill_logits` = transformers' float32
  logits over every prompt position, computed by a LlamaForCausalLM whose linear layers hold the
  library's dequantised weights computed with f32 scales (the "dequantised model"; see README.md
  for why not the library's own CPU forward); `prompt_<i>/prefill_logits_int8` = the same model
  with the input of every packed layer that plexus runs with int8 activations rounded as
  plexus's kernels/cpu/quant_gemm.h defines it (llama.cpp's Q8_0: blocks of 32, scale
  max|x| / 127, round half to even), for `[quant] activations = "int8"`;
- reference.json: how it was made, the versions, the greedy continuation of a text prompt (for
  the CLI test) and its smallest top-1 margin.

The dense model itself (f16) goes to tests/fixtures/quant/dense/ with the same references, so
one `plexus run` can serve the dense, AWQ and GPTQ variants of the same model.

Usage: python tools/quant/make_quant_fixtures.py [--out tests/fixtures/quant] [--case NAME ...]
"""

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile

# GPTQModel sizes its CPU worker pools from os.cpu_count(); on a 2-core machine its defaults ask
# for more workers than the parent pool has. Must be set before gptqmodel is imported.
os.environ.setdefault("GPTQMODEL_CPU_WORKERS", "2")

import numpy as np  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

SEED = 1234
BASE = dict(
    vocab_size=256,
    hidden_size=128,
    intermediate_size=256,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=256,
    rms_norm_eps=1e-5,
    rope_theta=10000.0,
    initializer_range=0.1,
    tie_word_embeddings=True,
    bos_token_id=None,
    eos_token_id=None,
    pad_token_id=0,  # GPTQModel's tokenizer check wants a pad token; plexus ignores it
)
PROMPT_LENGTHS = (1, 7, 12)
CLI_PROMPT = "the quick brown fox"
CLI_TOKENS = 12
# Module whose dequantised weight is recorded: K = intermediate, so 8 groups at 32, 4 at 64, and
# act-order permutes 256 rows. (The variants and prompts are chosen to keep the fixtures under
# 3 MB; group sizes 64 and 128 are covered by kernels/cpu/quant_gemm_test.cc.)
DEQUANT_MODULES = ("model.layers.1.mlp.down_proj",)

# Variant name -> how GPTQModel is asked to quantize it.
CASES = {
    "awq_g32": dict(method="awq", bits=4, group_size=32, sym=False),
    "awq_gm1": dict(method="awq", bits=4, group_size=-1, sym=False),
    "gptq_b4_sym_g32": dict(method="gptq", bits=4, group_size=32, sym=True, desc_act=False),
    "gptq_b4_asym_act_g32": dict(method="gptq", bits=4, group_size=32, sym=False, desc_act=True),
    "gptq_b4_asym_act_g64_v2": dict(
        method="gptq", bits=4, group_size=64, sym=False, desc_act=True, format="gptq_v2"
    ),
    "gptq_b8_asym_act_g32": dict(method="gptq", bits=8, group_size=32, sym=False, desc_act=True),
    "gptq_b2_asym_g32": dict(method="gptq", bits=2, group_size=32, sym=False, desc_act=False),
    # The same model with its own lm_head (untied embeddings), quantized with lm_head=True (which
    # GPTQModel packs as 8-bit through a `dynamic` rule of its own) and per-module `dynamic`
    # rules: one module skipped ("-:", stored dense) and layer 1's MLP in 8 bits.
    "gptq_b4_dynamic_lm_head": dict(
        method="gptq",
        bits=4,
        group_size=32,
        sym=True,
        desc_act=False,
        lm_head=True,
        dynamic={
            r"-:model\.layers\.0\.self_attn\.v_proj": {},
            r"+:.*layers\.1\.mlp\..*": {"bits": 8},
        },
        untied=True,
    ),
}

# Variants derived from a quantized one: its checkpoint with some modules stored dense (f16, the
# library's own dequantisation of the module, so the model stays the one AWQ's scale search
# made) and listed in `modules_to_not_convert`, as AutoAWQ writes checkpoints that leave modules
# (e.g. MoE routers) unquantized. Names match by substring, as AutoAWQ, transformers and vLLM
# match them: "model.layers.0.mlp" covers its three projections.
DERIVED = {
    "awq_g32_not_convert": dict(
        source="awq_g32",
        modules_to_not_convert=["model.layers.0.mlp", "layers.1.self_attn.v_proj"],
    ),
}

# A fixed text for the toy tokenizer's merges (printable ASCII only, so every token decodes to
# printable text and the CLI test can compare strings): English plus seeded pseudo-words, enough
# pairs for 256 - 95 merges.
TOKENIZER_TEXT = (
    "the quick brown fox jumps over the lazy dog. plexus serves large language models on "
    "hardware you own: one workstation, a CPU box, or a few nodes. "
) * 8 + " ".join(
    "".join(random.Random(SEED + i).choice("etaoinshrdlucmfwyp") for _ in range(2 + i % 6))
    for i in range(3000)
)


def make_tokenizer(out_dir):
    """Byte-level BPE over printable ASCII, 256 tokens, no special tokens."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    # ByteLevel maps space to U+0120; give the trainer the mapped printable alphabet.
    byte_map = bytes_to_unicode()
    initial = [byte_map[c] for c in range(0x20, 0x7F)]
    trainer = trainers.BpeTrainer(
        vocab_size=BASE["vocab_size"],
        initial_alphabet=initial,
        limit_alphabet=len(initial),
        special_tokens=[],
        show_progress=False,
    )
    tok.train_from_iterator([TOKENIZER_TEXT], trainer=trainer)
    assert tok.get_vocab_size() == BASE["vocab_size"], tok.get_vocab_size()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok)
    fast.save_pretrained(out_dir)
    return fast


def bytes_to_unicode():
    # GPT-2's byte -> printable character table, as the ByteLevel pre-tokenizer uses it.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def make_base(work, tied=True):
    """The base model, from the same seed; `tied` False gives it an lm_head of its own."""
    torch.manual_seed(SEED)
    config = LlamaConfig(**{**BASE, "tie_word_embeddings": tied})
    model = LlamaForCausalLM(config).to(torch.float16)
    base_dir = os.path.join(work, "base" if tied else "base_untied")
    model.save_pretrained(base_dir)
    make_tokenizer(base_dir)
    return base_dir


def calibration():
    g = torch.Generator().manual_seed(SEED + 1)
    return [
        {
            "input_ids": torch.randint(0, BASE["vocab_size"], (1, 64), generator=g),
            "attention_mask": torch.ones(1, 64, dtype=torch.long),
        }
        for _ in range(16)
    ]


def quantize(base_dir, out_dir, spec):
    from gptqmodel import AWQConfig, GPTQConfig, GPTQModel

    spec = dict(spec)
    method = spec.pop("method")
    spec.pop("untied", None)
    if method == "awq":
        qcfg = AWQConfig(**spec)
    else:
        qcfg = GPTQConfig(**spec)
    # float16 in, so scales come out as f16 as AWQ/GPTQ checkpoints usually store them.
    model = GPTQModel.load(base_dir, qcfg, device="cpu", dtype=torch.float16)
    model.quantize(calibration(), batch_size=1)
    model.save(out_dir)
    del model


def derive(source_dir, case_dir, spec):
    """Copies the quantized checkpoint in source_dir to case_dir with spec's modules dense."""
    shutil.copytree(
        source_dir, case_dir, ignore=shutil.ignore_patterns("reference.json", "reference.safetensors")
    )
    names = spec["modules_to_not_convert"]
    with open(os.path.join(source_dir, "config.json")) as f:
        source_dequant = library_dequant(source_dir, json.load(f))
    path = os.path.join(case_dir, "model.safetensors")
    tensors = safetensors.torch.load_file(path)
    modules = sorted(k[: -len(".qweight")] for k in tensors if k.endswith(".qweight"))
    dense = [m for m in modules if any(n in m for n in names)]
    assert dense, names
    for m in dense:
        for suffix in (".qweight", ".qzeros", ".scales"):
            del tensors[m + suffix]
        tensors[m + ".weight"] = source_dequant[m][0].contiguous()  # f16 [out, in]
    safetensors.torch.save_file(tensors, path, metadata={"format": "pt"})
    for config_name in ("config.json", "quantize_config.json"):
        with open(os.path.join(case_dir, config_name)) as f:
            config = json.load(f)
        q = config["quantization_config"] if config_name == "config.json" else config
        q["modules_to_not_convert"] = names
        with open(os.path.join(case_dir, config_name), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
    return dense


def library_dequant(case_dir, config):
    """{module: (f16 [out, in], f32 [out, in])}: GPTQModel's own runtime dequantisation of each
    quantized linear, once with the scales as stored (f16, what the library computes in half
    precision) and once with the scales widened to f32 (the same code, no rounding)."""
    q = config["quantization_config"]
    tensors = safetensors.torch.load_file(os.path.join(case_dir, "model.safetensors"))
    modules = sorted(k[: -len(".qweight")] for k in tensors if k.endswith(".qweight"))
    out = {}
    if q["quant_method"] == "awq":
        from gptqmodel.quantization.awq.utils.packing_utils import dequantize_gemm

        for m in modules:
            qweight, qzeros, scales = (tensors[m + s] for s in (".qweight", ".qzeros", ".scales"))
            in_features = qweight.shape[0]
            group = q["group_size"] if q["group_size"] > 0 else in_features
            w16 = dequantize_gemm(qweight, qzeros, scales, q["bits"], group)  # [in, out]
            w32 = dequantize_gemm(qweight, qzeros, scales.float(), q["bits"], group)
            assert w16.dtype == torch.float16 and w32.dtype == torch.float32
            out[m] = (w16.t().contiguous(), w32.t().contiguous())
    else:
        from gptqmodel import BACKEND, GPTQModel
        from gptqmodel.nn_modules.qlinear.torch import TorchLinear

        # float16, the dtype the scales are stored in: bf16 would round them.
        model = GPTQModel.load(
            case_dir, device="cpu", backend=BACKEND.GPTQ_TORCH, dtype=torch.float16
        )
        for name, module in model.model.named_modules():
            if isinstance(module, TorchLinear):
                w16 = module.dequantize_weight()  # [in, out]
                module.scales = module.scales.float()
                w32 = module.dequantize_weight()
                assert w16.dtype == torch.float16 and w32.dtype == torch.float32
                out[name] = (w16.t().contiguous(), w32.t().contiguous())
        assert sorted(out) == modules, (sorted(out), modules)
        del model
    return out


def dense_model_from(case_dir, dequant):
    """A float32 LlamaForCausalLM with the checkpoint's dense tensors and `dequant`'s weights."""
    with open(os.path.join(case_dir, "config.json")) as f:
        tied = json.load(f).get("tie_word_embeddings", True)
    config = LlamaConfig(**{**BASE, "tie_word_embeddings": tied})
    return load_dequantised(LlamaForCausalLM(config), case_dir, dequant)


def load_dequantised(model, case_dir, dequant):
    """Fills the float32 `model` with case_dir's dense tensors and `dequant`'s f32 weights."""
    tensors = safetensors.torch.load_file(os.path.join(case_dir, "model.safetensors"))
    state = {k: v.to(torch.float32) for k, v in tensors.items() if v.is_floating_point()}
    for m, (_, w32) in dequant.items():
        state[m + ".weight"] = w32
    state = {k: v for k, v in state.items() if not k.endswith(".scales")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if k != "lm_head.weight"]  # tied to embed_tokens
    assert not missing and not unexpected, (missing, unexpected)
    model.tie_weights()
    return model.eval()


def prompts():
    g = torch.Generator().manual_seed(SEED + 2)
    return [torch.randint(0, BASE["vocab_size"], (n,), generator=g) for n in PROMPT_LENGTHS]


def greedy(model, ids, steps):
    ids = list(ids)
    margins = []
    with torch.no_grad():
        for _ in range(steps):
            logits = model(torch.tensor([ids])).logits[0, -1]
            top2 = torch.topk(logits, 2).values
            margins.append(float((top2[0] - top2[1]) / logits.abs().max()))
            ids.append(int(torch.argmax(logits)))
    return ids, min(margins)


def q8_round(x):
    """x with each block of 32 along the last axis rounded to int8 times max|x| / 127."""
    blocks = x.reshape(*x.shape[:-1], x.shape[-1] // 32, 32)
    amax = blocks.abs().amax(dim=-1, keepdim=True)
    inverse = 127.0 / amax
    inverse = torch.where(torch.isfinite(inverse), inverse, torch.zeros_like(inverse))
    codes = torch.clamp(torch.round(blocks * inverse), -127, 127)
    return (codes * (amax / 127.0)).reshape(x.shape)


def int8_modules(case_dir, config, dequant):
    """{module: input order} for the packed layers plexus runs with int8 activations: 2- or 4-bit
    codes, and in_features and the group size multiples of 32 (kernels::quant_q8_supported).
    The order is None, or for act-order GPTQ the inputs sorted by g_idx (stable), the order in
    which plexus keeps the rows and so forms the blocks of 32."""
    from gptqmodel.quantization.config import dynamic_get

    q = config["quantization_config"]
    tensors = safetensors.torch.load_file(os.path.join(case_dir, "model.safetensors"))
    out = {}
    for m, (w16, _) in dequant.items():
        # Per-module bits and group size: GPTQModel's own reading of `dynamic` (AWQ has none).
        bits = dynamic_get(q.get("dynamic"), m, "bits", q["bits"])
        group = dynamic_get(q.get("dynamic"), m, "group_size", q["group_size"])
        k = w16.shape[1]
        group = group if group > 0 else k
        if bits in (2, 4) and k % 32 == 0 and group % 32 == 0:
            g_idx = tensors.get(m + ".g_idx")
            sequential = g_idx is None or torch.equal(g_idx, torch.arange(k) // group)
            out[m] = None if sequential else torch.sort(g_idx, stable=True).indices
    return out


def q8_round_in_order(x, order):
    """q8_round with the blocks formed over x[..., order] (None: as stored)."""
    if order is None:
        return q8_round(x)
    out = torch.empty_like(x)
    out[..., order] = q8_round(x[..., order])
    return out


@contextlib.contextmanager
def int8_rounding(model, orders):
    """Within the block, the input of each module of `orders` (int8_modules) goes through
    q8_round_in_order."""
    modules = dict(model.named_modules())
    hooks = [
        modules[m].register_forward_pre_hook(
            lambda _, args, order=order: (q8_round_in_order(args[0], order),)
        )
        for m, order in orders.items()
    ]
    try:
        yield
    finally:
        for h in hooks:
            h.remove()


def write_references(case_dir, model, dequant, tokenizer, info, int8=None):
    """`int8`: int8_modules, whose inputs are rounded for the *_int8 references (None: none)."""
    out = {}
    for m in DEQUANT_MODULES:
        if dequant is not None:
            out["dequant/" + m] = dequant[m][0].contiguous()
    with torch.no_grad():
        for i, ids in enumerate(prompts()):
            logits = model(ids[None, :]).logits[0].to(torch.float32)
            out[f"prompt_{i}/ids"] = ids.to(torch.int32)
            out[f"prompt_{i}/prefill_logits"] = logits.contiguous()
            if int8 is not None:
                with int8_rounding(model, int8):
                    logits = model(ids[None, :]).logits[0].to(torch.float32)
                out[f"prompt_{i}/prefill_logits_int8"] = logits.contiguous()
    safetensors.torch.save_file(
        out,
        os.path.join(case_dir, "reference.safetensors"),
        metadata={"format": "plexus-quant-reference-v1"},
    )
    prompt_ids = tokenizer(CLI_PROMPT, add_special_tokens=False).input_ids
    all_ids, margin = greedy(model, prompt_ids, CLI_TOKENS)
    cont = all_ids[len(prompt_ids) :]
    if int8 is not None:
        with int8_rounding(model, int8):
            int8_ids, int8_margin = greedy(model, prompt_ids, CLI_TOKENS)
        info.update(
            cli_continuation_text_int8=tokenizer.decode(int8_ids[len(prompt_ids) :]),
            cli_min_top1_margin_int8=int8_margin,
        )
    info.update(
        num_prompts=len(PROMPT_LENGTHS),
        prompt_lengths=list(PROMPT_LENGTHS),
        dequant_modules=list(DEQUANT_MODULES) if dequant is not None else [],
        cli_prompt=CLI_PROMPT,
        cli_prompt_ids=prompt_ids,
        cli_continuation_ids=cont,
        cli_continuation_text=tokenizer.decode(cont),
        cli_min_top1_margin=margin,
    )
    with open(os.path.join(case_dir, "reference.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
        f.write("\n")


def versions():
    import gptqmodel

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "gptqmodel": gptqmodel.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/quant")
    ap.add_argument("--case", action="append", help="variant(s) to redo; default all + dense")
    ap.add_argument(
        "--references-only",
        action="store_true",
        help="keep the checkpoints in --out, recompute reference.safetensors/json only",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)
    cases = args.case or (["dense"] + list(CASES) + list(DERIVED))
    work = tempfile.mkdtemp(prefix="plexus-quant-")
    base_dir = make_base(work)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(base_dir)
    made_by = "tools/quant/make_quant_fixtures.py"
    for name in cases:
        print(f"== {name}", file=sys.stderr, flush=True)
        case_dir = os.path.join(args.out, name)
        if not args.references_only:
            shutil.rmtree(case_dir, ignore_errors=True)
        info = {"made_by": made_by, "versions": versions(), "seed": SEED, "base": BASE}
        if name == "dense":
            if not args.references_only:
                shutil.copytree(base_dir, case_dir)
            model = LlamaForCausalLM.from_pretrained(case_dir, dtype=torch.float32).eval()
            info["reference"] = "transformers float32 forward of the f16 checkpoint"
            write_references(case_dir, model, None, tokenizer, info)
            continue
        if name in DERIVED:
            spec = DERIVED[name]
            if not args.references_only:
                info["dense_modules"] = derive(
                    os.path.join(args.out, spec["source"]), case_dir, spec
                )
            else:
                with open(os.path.join(case_dir, "reference.json")) as f:
                    info["dense_modules"] = json.load(f)["dense_modules"]
        else:
            spec = CASES[name]
            if not args.references_only:
                source = make_base(work, tied=False) if spec.get("untied") else base_dir
                quantize(source, case_dir, spec)
        for junk in ("quant_log.csv",):
            if os.path.exists(os.path.join(case_dir, junk)):
                os.remove(os.path.join(case_dir, junk))
        with open(os.path.join(case_dir, "config.json")) as f:
            config = json.load(f)
        dequant = library_dequant(case_dir, config)
        model = dense_model_from(case_dir, dequant)
        info["quantize_args"] = spec
        info["reference"] = (
            "dequant/*: the library's own dequantisation in f16 (GPTQModel dequantize_gemm for "
            "AWQ, TorchLinear.dequantize_weight for GPTQ, scales as stored); logits: transformers "
            "float32 LlamaForCausalLM holding the same library dequantisation run with f32 scales"
        )
        int8 = int8_modules(case_dir, config, dequant)
        info["int8_modules"] = sorted(int8)
        write_references(case_dir, model, dequant, tokenizer, info, int8)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
