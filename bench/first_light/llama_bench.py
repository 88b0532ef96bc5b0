#!/usr/bin/env python3
"""llama.cpp prefill and decode tokens/s through llama-cpp-python's low-level API, timed the way
plexus_first_light_bench times plexus, on the same token ids. Prints one JSON object.

Prefill: one llama_decode over the whole prompt (one batch, n_batch = n_ubatch = prompt length),
logits for the last position only. Decode: after a short prompt, `decode_tokens` one-token
llama_decode calls, each fed the argmax of the previous logits. The KV cache is f32 (as plexus's),
the memory is cleared between runs, and one untimed warm-up runs first.

Usage: llama_bench.py MODEL.gguf IDS.json THREADS REPEATS [PROMPT_TOKENS DECODE_PROMPT DECODE]
"""
import ctypes
import json
import statistics
import sys
import time

import llama_cpp as L
import numpy as np

GGML_TYPE_F32 = 0


@L.llama_log_callback
def _quiet(level, text, user_data):  # llama.cpp logs every load to stderr otherwise
    pass


def main() -> None:
    if len(sys.argv) not in (5, 8):
        sys.exit(__doc__)
    model_path, ids_path = sys.argv[1], sys.argv[2]
    threads, repeats = int(sys.argv[3]), int(sys.argv[4])
    prompt_tokens, decode_prompt, decode_tokens = (
        (int(a) for a in sys.argv[5:8]) if len(sys.argv) == 8 else (512, 16, 64))
    with open(ids_path) as f:
        ids = json.load(f)[:prompt_tokens]
    if len(ids) != prompt_tokens:
        sys.exit(f"{ids_path} holds fewer than {prompt_tokens} ids")

    L.llama_log_set(_quiet, None)
    L.llama_backend_init()
    mparams = L.llama_model_default_params()
    mparams.use_mmap = True
    model = L.llama_model_load_from_file(model_path.encode(), mparams)
    if not model:
        sys.exit(f"llama.cpp could not load {model_path}")
    vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
    cparams = L.llama_context_default_params()
    cparams.n_ctx = prompt_tokens + decode_tokens + 16
    cparams.n_batch = cparams.n_ubatch = prompt_tokens
    cparams.n_threads = cparams.n_threads_batch = threads
    cparams.type_k = cparams.type_v = GGML_TYPE_F32
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        sys.exit("llama.cpp could not make a context")
    memory = L.llama_get_memory(ctx)
    batch = L.llama_batch_init(prompt_tokens, 0, 1)

    def decode(tokens, start):
        batch.n_tokens = len(tokens)
        for i, t in enumerate(tokens):
            batch.token[i] = t
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = 1 if i == len(tokens) - 1 else 0
        rc = L.llama_decode(ctx, batch)
        if rc != 0:
            sys.exit(f"llama_decode returned {rc}")
        row = L.llama_get_logits_ith(ctx, -1)
        return int(np.argmax(np.ctypeslib.as_array(row, shape=(vocab,))))

    def time_prefill():
        L.llama_memory_clear(memory, True)
        start = time.perf_counter()
        decode(ids, 0)
        return time.perf_counter() - start

    greedy = []

    def time_decode(steps):
        L.llama_memory_clear(memory, True)
        nxt = decode(ids[:decode_prompt], 0)
        greedy[:] = [nxt]
        start = time.perf_counter()
        for s in range(steps):
            nxt = decode([nxt], decode_prompt + s)
            greedy.append(nxt)
        return time.perf_counter() - start

    time_decode(2)  # warm-up
    prefill, dec = [], []
    for _ in range(repeats):
        prefill.append(time_prefill())
        dec.append(time_decode(decode_tokens))

    def summary(secs, tokens):
        return {"tokens": tokens, "seconds": secs, "median_seconds": statistics.median(secs),
                "median_tokens_per_s": statistics.median(tokens / s for s in secs)}

    print(json.dumps({
        "engine": "llama.cpp", "llama_cpp_python": L.__version__, "model": model_path,
        "threads": threads, "repeats": repeats, "decode_prompt_tokens": decode_prompt,
        "flash_attn_type": int(cparams.flash_attn_type), "kv_type": "f32",
        "system_info": L.llama_print_system_info().decode(errors="replace").strip(),
        "prefill": summary(prefill, prompt_tokens), "decode": summary(dec, decode_tokens),
        "greedy_ids": greedy}))
    L.llama_batch_free(batch)
    L.llama_free(ctx)
    L.llama_model_free(model)


if __name__ == "__main__":
    main()
