#!/usr/bin/env python3
"""Greedy text of plexus against transformers on the SmolLM2 AWQ / GPTQ folders.

For each folder made by make_smollm2_variants.py, transformers runs a float32 model holding
GPTQModel's own dequantisation of every quantized linear (with f32 scales, as
tools/quant/make_quant_fixtures.py does for the committed fixtures) and the checkpoint's other
tensors; `plexus run --raw` serves the folder itself. Both decode greedily from the same raw
prompts (no chat template) until the end-of-text token or --max-tokens; the texts must be equal.

Usage: .venv-quant/bin/python bench/quant/check_smollm2_variants.py [--out out/smollm2]
       [--variant awq_g64 ...] [--plexus build/bin/plexus] [--max-tokens 24]
Exit status 1 when a text differs.
"""

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("GPTQMODEL_CPU_WORKERS", "2")

import torch  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "quant"))
from make_quant_fixtures import library_dequant, load_dequantised  # noqa: E402

PROMPTS = (
    "The capital of France is Paris. The capital of Germany is",
    "Once upon a time, in a small village,",
    "def fibonacci(n):",
)


def dequantised_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    dequant = library_dequant(folder, config)
    hf_config = AutoConfig.from_pretrained(folder)
    if hasattr(hf_config, "quantization_config"):
        del hf_config.quantization_config
    model = AutoModelForCausalLM.from_config(hf_config, dtype=torch.float32)
    return load_dequantised(model, folder, dequant)


def transformers_text(model, tok, prompt, max_tokens):
    ids = tok(prompt, add_special_tokens=False, return_tensors="pt").input_ids
    eos = model.config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    out = []
    with torch.no_grad():
        for _ in range(max_tokens):
            nxt = int(torch.argmax(model(ids).logits[0, -1]))
            if nxt in eos:
                break
            out.append(nxt)
            ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)
    return tok.decode(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out/smollm2")
    ap.add_argument("--variant", action="append")
    ap.add_argument("--plexus", default="build/bin/plexus")
    ap.add_argument("--max-tokens", type=int, default=24)
    args = ap.parse_args()
    torch.set_num_threads(2)
    failed = False
    for variant in args.variant or ["awq_g64", "gptq_b4_g64"]:
        folder = os.path.join(args.out, variant)
        model = dequantised_model(folder)
        tok = AutoTokenizer.from_pretrained(folder)
        for prompt in PROMPTS:
            want = transformers_text(model, tok, prompt, args.max_tokens)
            got = subprocess.run(
                [args.plexus, "run", "--raw", "--prompt", prompt, "--max-tokens",
                 str(args.max_tokens), "--model", folder, "--max-model-len", "1024",
                 "--set", 'devices.cpu_kv_cache="64MiB"'],
                check=True, capture_output=True, text=True,
            ).stdout
            got = got[:-1] if got.endswith("\n") else got  # `plexus run` ends with a newline
            same = got == want
            failed |= not same
            print(f"{'ok' if same else 'DIFFERENT'}: {variant}: {prompt!r} -> {got!r}"
                  + ("" if same else f" (transformers: {want!r})"), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
