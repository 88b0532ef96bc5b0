#!/usr/bin/env python3
"""Checks tests/fixtures/models/ against the format in tools/models/README.md.

Reads the safetensors files with a few lines of struct/json/numpy (no torch, no safetensors
package), the way plexus' own reader sees them, and checks: files present, tensor names, dtypes
and shapes, data layout (contiguous, in bounds), greedy chains consistent with their logits,
greedy margins, and the 5 MB size budget.

Usage: python tools/models/check_fixtures.py [--root tests/fixtures/models]
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

SIZE_BUDGET = 5 * 1024 * 1024
DTYPES = {"F32": np.float32, "I32": np.int32, "BF16": None, "F16": np.float16}
TINY_CASES = ("llama_basic", "llama_gqa_tied", "llama_linear_rope", "llama_dynamic_rope",
              "llama3_rope", "llama_yarn_rope", "qwen2_bias", "deepseek_v2_lite_like",
              "deepseek_v3_like", "deepseek_v2_greedy")
MIN_MARGIN = 1e-3


class Bad(Exception):
    pass


def read_safetensors(path):
    """Returns ({name: (dtype, shape, bytes)}, metadata) after checking the layout."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise Bad(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > 100_000_000 or 8 + n > len(blob):
        raise Bad(f"{path}: header length {n} out of range")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    spans = []
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        width = {"F32": 4, "I32": 4, "BF16": 2, "F16": 2}.get(info["dtype"])
        if width is None:
            raise Bad(f"{path}: {name}: unexpected dtype {info['dtype']}")
        if end - begin != width * int(np.prod(info["shape"], dtype=np.int64)) or end > len(data):
            raise Bad(f"{path}: {name}: offsets {begin}..{end} do not fit shape/buffer")
        spans.append((begin, end))
        out[name] = (info["dtype"], tuple(info["shape"]), data[begin:end])
    spans.sort()
    pos = 0
    for begin, end in spans:
        if begin != pos:
            raise Bad(f"{path}: gap or overlap at byte {pos}")
        pos = end
    if pos != len(data):
        raise Bad(f"{path}: {len(data) - pos} trailing bytes")
    return out, meta


def array(entry):
    dtype, shape, raw = entry
    return np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(shape)


def expect(tensors, name, dtype, shape):
    if name not in tensors:
        raise Bad(f"missing tensor {name}")
    got_dtype, got_shape, _ = tensors[name]
    if got_dtype != dtype or got_shape != tuple(shape):
        raise Bad(f"{name}: {got_dtype}{list(got_shape)}, expected {dtype}{list(shape)}")
    return array(tensors[name])


def margin(row):
    top = np.sort(row.astype(np.float64))[-2:]
    return (top[1] - top[0]) / np.abs(row).max()


def check_tiny(root, case):
    d = os.path.join(root, case)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(d, "reference.json")) as f:
        meta = json.load(f)
    read_safetensors(os.path.join(d, "model.safetensors"))
    tensors, _ = read_safetensors(os.path.join(d, "reference.safetensors"))
    vocab, steps = cfg["vocab_size"], meta["decode_steps"]
    for i in range(meta["num_prompts"]):
        ids = tensors[f"prompt_{i}/ids"]
        t = ids[1][0]
        expect(tensors, f"prompt_{i}/ids", "I32", (t,))
        prefill = expect(tensors, f"prompt_{i}/prefill_logits", "F32", (t, vocab))
        tokens = expect(tensors, f"prompt_{i}/decode_tokens", "I32", (steps,))
        logits = expect(tensors, f"prompt_{i}/decode_logits", "F32", (steps, vocab))
        chooser = np.concatenate([prefill[-1:], logits[:-1]])
        if not np.array_equal(chooser.argmax(-1), tokens):
            raise Bad(f"{case} prompt {i}: decode_tokens are not the greedy chain")
        low = min(margin(r) for r in chooser)
        if low < MIN_MARGIN:
            raise Bad(f"{case} prompt {i}: greedy margin {low:.2g} < {MIN_MARGIN}")
    if len(tensors) != 4 * meta["num_prompts"]:
        raise Bad(f"{case}: {len(tensors)} tensors, expected {4 * meta['num_prompts']}")


def check_smollm2(root):
    d = os.path.join(root, "smollm2")
    with open(os.path.join(d, "reference.json")) as f:
        meta = json.load(f)
    tensors, _ = read_safetensors(os.path.join(d, "reference.safetensors"))
    for i in range(meta["num_prompts"]):
        t = tensors[f"prompt_{i}/ids"][1][0]
        expect(tensors, f"prompt_{i}/ids", "I32", (t,))
        last = expect(tensors, f"prompt_{i}/last_logits", "F32", (49152,))
        cont = expect(tensors, f"prompt_{i}/continuation", "I32", (32,))
        top_ids = expect(tensors, f"prompt_{i}/top5_ids", "I32", (32, 5))
        top_vals = expect(tensors, f"prompt_{i}/top5_logits", "F32", (32, 5))
        if int(last.argmax()) != int(cont[0]) or not np.array_equal(top_ids[:, 0], cont):
            raise Bad(f"smollm2 prompt {i}: continuation is not the greedy chain")
        if not np.array_equal(last[top_ids[0]], top_vals[0]):
            raise Bad(f"smollm2 prompt {i}: top5 of step 0 do not match last_logits")
        if list(cont) != meta["prompts"][i]["continuation_ids"]:
            raise Bad(f"smollm2 prompt {i}: reference.json and tensors disagree")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(repo, "tests", "fixtures", "models"))
    args = ap.parse_args()
    failures = 0
    for case in TINY_CASES + ("smollm2",):
        try:
            check_smollm2(args.root) if case == "smollm2" else check_tiny(args.root, case)
            print(f"ok    {case}")
        except (Bad, OSError, KeyError, ValueError) as e:
            failures += 1
            print(f"FAIL  {case}: {e}")
    total = sum(os.path.getsize(os.path.join(dp, f))
                for dp, _, fs in os.walk(args.root) for f in fs)
    print(f"total {total} bytes ({total / 1048576:.2f} MiB), budget {SIZE_BUDGET} bytes")
    if total >= SIZE_BUDGET:
        failures += 1
        print("FAIL  size budget")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
