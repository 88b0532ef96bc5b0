#!/usr/bin/env python3
"""Serving benchmark client: streamed /v1/completions at fixed concurrency levels against any
OpenAI-compatible server; output tokens/s and time to first token (p50, p99) per level.

The same script, prompts and settings drive plexus and llama-cpp-python's server (run.sh runs
both in one go). Every request asks for exactly --max-tokens tokens (end-of-turn tokens are
banned with logit_bias, which both servers take), greedy, on distinct prompts that share the chat
template's system prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

import aiohttp

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
TOPICS = ["the history of the bicycle", "how volcanoes form", "the water cycle",
          "why the sky is blue", "how bread is made", "the rules of chess",
          "photosynthesis", "how a refrigerator works"]
BANNED = {"0": -100, "1": -100, "2": -100}  # <|endoftext|>, <|im_start|>, <|im_end|>


def prompt(i: int) -> str:
    """Request i's prompt, rendered with SmolLM2's ChatML template."""
    user = f"Request {i}. Write a detailed essay about {TOPICS[i % len(TOPICS)]}."
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            "<|im_start|>assistant\n")


async def one(session, url: str, i: int, max_tokens: int, model: str | None) -> dict:
    body = {"prompt": prompt(i), "max_tokens": max_tokens, "temperature": 0, "stream": True,
            "logit_bias": BANNED}
    if model:
        body["model"] = model
    start = time.perf_counter()
    ttft, chunks, status = None, 0, 0
    async with session.post(url + "/v1/completions", json=body) as resp:
        status = resp.status
        if status != 200:
            return {"status": status, "error": (await resp.text())[:300]}
        async for raw in resp.content:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if "error" in event:
                return {"status": 500, "error": str(event["error"])[:300]}
            for choice in event.get("choices", []):
                if choice.get("text"):
                    chunks += 1
                    if ttft is None:
                        ttft = time.perf_counter() - start
    return {"status": status, "ttft": ttft, "tokens": chunks,
            "latency": time.perf_counter() - start}


async def level(url: str, concurrency: int, requests: int, max_tokens: int, model, first: int,
                api_key: str | None) -> dict:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(headers=headers, connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=3600)) as session:
        await one(session, url, first - 1, 4, model)  # warm-up, not counted
        queue = list(range(first, first + requests))
        results = []

        async def worker():
            while queue:
                i = queue.pop(0)
                try:
                    results.append(await one(session, url, i, max_tokens, model))
                except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                    results.append({"status": -1, "error": f"{type(e).__name__}: {e}"[:300]})

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    ok = [r for r in results if r["status"] == 200]
    ttfts = sorted(r["ttft"] for r in ok if r["ttft"] is not None)
    tokens = sum(r["tokens"] for r in ok)

    def pct(q):
        return ttfts[min(len(ttfts) - 1, int(q * len(ttfts)))] if ttfts else float("nan")

    return {"concurrency": concurrency, "requests": requests, "ok": len(ok),
            "errors": [r for r in results if r["status"] != 200][:3],
            "output_tokens": tokens, "wall_s": wall, "output_tok_per_s": tokens / wall,
            "ttft_p50_s": pct(0.50), "ttft_p99_s": pct(0.99),
            "ttft_median_s": statistics.median(ttfts) if ttfts else float("nan")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--api-key")
    p.add_argument("--model", help="the request's model field (default: none sent)")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--requests", default="8,32,64", help="requests per level")
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--out", help="append the results as one JSON line to this file")
    args = p.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    counts = [int(n) for n in args.requests.split(",")]
    rows = []
    first = 1000
    for c, n in zip(levels, counts):
        row = asyncio.run(level(args.url.rstrip("/"), c, n, args.max_tokens, args.model, first,
                                args.api_key))
        first += n + 1
        rows.append(row)
        print(f"{args.label:>18}  c={c:<3} {row['ok']:>3}/{n} ok  "
              f"{row['output_tok_per_s']:8.1f} tok/s  TTFT p50 {row['ttft_p50_s'] * 1000:8.1f} ms"
              f"  p99 {row['ttft_p99_s'] * 1000:8.1f} ms  ({row['wall_s']:.1f} s)", flush=True)
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps({"label": args.label, "max_tokens": args.max_tokens,
                                "levels": rows}) + "\n")
    return 0 if all(r["ok"] == r["requests"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
