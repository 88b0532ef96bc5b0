#!/usr/bin/env python3
"""Turns run.sh's raw measurements (runs.jsonl) into RESULTS.md.
Usage: report.py RUNS.jsonl F32.json RESULTS.md   (env: COMMAND, LOAD_BEFORE, LOAD_AFTER, GIT_REV)"""
import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata

GOALS = {"decode": 1.0, "prefill": 0.8}  # plexus / llama.cpp tokens/s, from the issue


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def lscpu(field: str) -> str:
    for line in sh("lscpu").splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return "?"


def version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "?"


def spread(phase: dict):
    rates = [phase["tokens"] / s for s in phase["seconds"]]
    return min(rates), max(rates)


def leading_match(a, b) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def main(runs_path: str, f32_path: str, out_path: str) -> None:
    runs = [json.loads(line) for line in open(runs_path) if line.strip()]
    f32 = json.load(open(f32_path))
    by = {}
    for r in runs:
        by[(r["kind"], r["data"]["threads"])] = r["data"]
    threads = sorted({t for (_, t) in by})
    weight_bytes = f32["tensor_bytes"]
    flags = set(lscpu("Flags").split())
    simd = [f for f in ("avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                        "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
    llama_any = next(by[k] for k in by if k[0] == "llama")
    plexus_any = next(by[k] for k in by if k[0] == "plexus")

    lines = ["# First light: plexus vs llama.cpp on SmolLM2-135M-Instruct (CPU, f32 weights)", ""]
    lines += [
        f"- Command: `{os.environ.get('COMMAND', 'bench/first_light/run.sh')}`",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- Machine: {lscpu('Model name')}, {lscpu('CPU(s)')} CPUs "
        f"({lscpu('Thread(s) per core')} thread(s) per core), L3 {lscpu('L3 cache')}, "
        f"{sh('grep MemTotal /proc/meminfo').split(':')[-1].strip()} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- SIMD flags: {' '.join(simd) or 'none'}"
        f" (avx512: {'yes' if 'avx512f' in flags else 'no'})",
        f"- Load average (1/5/15 min) before: {os.environ.get('LOAD_BEFORE', '?')}, after: "
        f"{os.environ.get('LOAD_AFTER', '?')}",
        f"- plexus: git {os.environ.get('GIT_REV', '?')}, {sh('c++ --version').splitlines()[0]}, "
        f"{os.environ.get('BUILD_TYPE', '?')} build, dense f32 scheme, kernels/cpu, "
        "`engine::generate_greedy`",
        f"- llama.cpp: llama-cpp-python {version('llama-cpp-python')} (built from source by pip, "
        f"GGML_NATIVE), f32 KV cache, flash_attn_type {llama_any.get('flash_attn_type')}; "
        f"system info: `{llama_any.get('system_info', '')}`",
        f"- gguf {version('gguf')}, numpy {version('numpy')}",
        f"- Model: `{plexus_any['model']}`: the Q4_1 GGUF dequantised to F32 by "
        f"bench/first_light/make_gguf.py ({f32['tensors']} tensors, {weight_bytes / 1e6:.1f} MB)",
        f"- Prefill: {plexus_any['prefill']['tokens']}-token prompt, one forward, logits of the "
        f"last position only. Decode: {plexus_any['decode']['tokens']} greedy one-token steps "
        f"after a {plexus_any['decode_prompt_tokens']}-token prompt (argmax included). "
        f"Medians of {plexus_any['repeats']} runs after a warm-up; same token ids on both sides.",
        "",
        "Median tokens/s (the ratio and goal use these); in brackets the slowest and fastest run.",
        "",
        "| threads | phase | plexus tokens/s | llama.cpp tokens/s | ratio plexus/llama.cpp | goal |"
        " ratio of fastest runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in threads:
        p, q = by.get(("plexus", t)), by.get(("llama", t))
        if not p or not q:
            continue
        for phase in ("decode", "prefill"):
            a = p[phase]["median_tokens_per_s"]
            b = q[phase]["median_tokens_per_s"]
            goal = GOALS[phase]
            pr, qr = spread(p[phase]), spread(q[phase])
            lines.append(f"| {t} | {phase} | {a:.2f} [{pr[0]:.1f}-{pr[1]:.1f}] | "
                         f"{b:.2f} [{qr[0]:.1f}-{qr[1]:.1f}] | {a / b:.3f} | "
                         f">= {goal} ({'met' if a / b >= goal else 'not met'}) | "
                         f"{pr[1] / qr[1]:.3f} |")
    lines += ["", "## Memory-bandwidth bound on decode", "",
              f"Every decode step reads every weight once: {weight_bytes / 1e6:.1f} MB of f32 "
              "tensors per token (the embedding matrix is tied to the LM head, so it is read in "
              "full too). Bandwidth is measured by bench/first_light/membw.c on a 1 GiB buffer "
              "(median of 5), with as many threads as the engines.", "",
              "| threads | read GB/s | copy GB/s (read+write) | bound tokens/s (read GB/s / bytes per "
              "token) | plexus decode, % of bound | llama.cpp decode, % of bound |",
              "|---|---|---|---|---|---|"]
    for t in threads:
        m = by.get(("membw", t))
        if not m:
            continue
        bound = m["read_gb_per_s"] * 1e9 / weight_bytes
        p, q = by.get(("plexus", t)), by.get(("llama", t))
        pct = lambda r: f"{100 * r['decode']['median_tokens_per_s'] / bound:.0f}%" if r else "-"
        lines.append(f"| {t} | {m['read_gb_per_s']:.2f} | {m['copy_gb_per_s']:.2f} | "
                     f"{bound:.1f} | {pct(p)} | {pct(q)} |")
    lines += ["", "## Checks and notes", ""]
    for t in threads:
        p, q = by.get(("plexus", t)), by.get(("llama", t))
        if p and q:
            n = leading_match(p["greedy_ids"], q["greedy_ids"])
            lines.append(f"- {t} thread(s): the greedy continuations agree on the first {n} of "
                         f"{len(p['greedy_ids'])} tokens (both f32; a late divergence can come "
                         "from summation order).")
    lines += [
        "- Threads: plexus's CPU kernels (kernels/cpu) size their default thread pool from "
        "PLEXUS_NUM_THREADS, which the bench sets to N; llama.cpp gets n_threads = "
        "n_threads_batch = N.",
        "- The machine is shared (other engineers' builds run on the same cores); the load "
        "averages above show how busy it was. Contention lowers both engines' numbers and widens "
        "the spread, the 2-thread rows most: with 2 threads on 2 busy cores a run waits whenever "
        "one of its threads is descheduled (llama.cpp's OpenMP threads spin at the barrier). "
        "Trust the 2-thread ratios only when the spread is narrow; rerun on an idle machine.",
        "- Raw per-run seconds: out/first_light/runs.jsonl.",
    ]
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
