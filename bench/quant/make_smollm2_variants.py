#!/usr/bin/env python3
"""SmolLM2-135M-Instruct in dense f16, AWQ and GPTQ form (bench/quant/RESULTS.md, second part).

transformers loads models/SmolLM2-135M-Instruct.Q4_1.gguf (dequantised to f16) and saves it as
a Hugging Face folder; GPTQModel then quantizes that folder on the CPU (group 64: the hidden
size 576 is not a multiple of 128), calibrated on random token ids (GPTQ: 16 sequences of 128;
AWQ: 8 of 64).
Nothing here is committed: the folders go to out/smollm2/{dense,awq_g64,gptq_b4_g64}.

Usage: .venv-quant/bin/python bench/quant/make_smollm2_variants.py [--out out/smollm2]
"""

import argparse
import os

os.environ.setdefault("GPTQMODEL_CPU_WORKERS", "2")

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

GGUF = "models/SmolLM2-135M-Instruct.Q4_1.gguf"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out/smollm2")
    ap.add_argument("--variant", action="append", help="awq_g64 and/or gptq_b4_g64 (default both)")
    args = ap.parse_args()
    dense = os.path.join(args.out, "dense")
    if not os.path.exists(os.path.join(dense, "config.json")):
        gdir, gname = os.path.split(GGUF)
        loaded = AutoModelForCausalLM.from_pretrained(gdir, gguf_file=gname, dtype=torch.float16)
        tok = AutoTokenizer.from_pretrained(gdir, gguf_file=gname)
        # A GGUF-loaded model refuses save_pretrained: copy its weights into a plain one.
        config = loaded.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float16)
        model.load_state_dict(loaded.state_dict())
        model.save_pretrained(dense)
        tok.save_pretrained(dense)
    from gptqmodel import AWQConfig, GPTQConfig, GPTQModel

    def calibration(count, length):
        g = torch.Generator().manual_seed(7)
        return [
            {"input_ids": torch.randint(0, 49152, (1, length), generator=g),
             "attention_mask": torch.ones(1, length, dtype=torch.long)}
            for _ in range(count)
        ]

    # AWQ's scale search runs the calibration set through each block once per grid point: on 2
    # cores it gets a smaller set (8 x 64 tokens) to finish in about an hour.
    for name, qcfg, calib in (
        ("awq_g64", AWQConfig(bits=4, group_size=64, sym=False), calibration(8, 64)),
        ("gptq_b4_g64", GPTQConfig(bits=4, group_size=64, sym=True, desc_act=False),
         calibration(16, 128)),
    ):
        out = os.path.join(args.out, name)
        if os.path.exists(os.path.join(out, "config.json")) or name not in (
            args.variant or [name]
        ):
            continue
        model = GPTQModel.load(dense, qcfg, device="cpu", dtype=torch.float16)
        model.quantize(calib, batch_size=1)
        model.save(out)
        del model


if __name__ == "__main__":
    main()
