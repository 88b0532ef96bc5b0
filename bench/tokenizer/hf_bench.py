#!/usr/bin/env python3
"""HF tokenizers (Rust) side of the tokenizer benchmark: same corpus, same modes, one thread.

Usage: TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1 \
         python3 bench/tokenizer/hf_bench.py TOKENIZER.json CORPUS.jsonl strings|document SECONDS
encode_batch_fast (encode_batch without offsets; HF's fastest entry point) runs the loop in Rust,
serially with parallelism off, so Python's per-call overhead does not count against HF. Prints
the same JSON line as plexus_tokenizer_bench, plus "mb_per_s_with_offsets" for encode_batch.
"""

import json
import sys
import time

from tokenizers import Tokenizer


def main():
    path, corpus, mode, budget = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    tok = Tokenizer.from_file(path)
    texts = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            texts.append(item["text"] if "text" in item
                         else bytes.fromhex(item["hex"]).decode("utf-8", "replace"))
    if mode == "document":
        doc = ""
        while len(doc.encode("utf-8")) < (1 << 20):
            doc += "".join(t + "\n" for t in texts)
        texts = [doc]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    tokens = sum(len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False))  # warm-up

    def rate(encode):
        passes = 0
        start = time.perf_counter()
        while True:
            encode(texts, add_special_tokens=False)
            passes += 1
            seconds = time.perf_counter() - start
            if seconds >= budget:
                return passes, seconds, nbytes * passes / seconds / 1e6

    passes, seconds, fast = rate(tok.encode_batch_fast)
    _, _, with_offsets = rate(tok.encode_batch)
    print(json.dumps({"mode": mode, "bytes": nbytes, "tokens": tokens, "seconds": round(seconds, 4),
                      "mb_per_s": round(fast, 3), "passes": passes,
                      "mb_per_s_with_offsets": round(with_offsets, 3)}))


if __name__ == "__main__":
    main()
