#!/usr/bin/env bash
# Serving benchmark: plexus against llama-cpp-python's OpenAI server, same machine, same GGUF,
# same client (bench_client.py), in one run, one server at a time.
#
#   bench/serving/run.sh [results.jsonl]   (default out/serving/results.jsonl)
#
# Needs build/bin/plexus (Release), ./.venv-e2e (scripts/setup-python-tests) for the client and
# ./.venv-bench with llama-cpp-python[server] (bench/serving/setup-llama-cpp compiles llama.cpp,
# ~15 min on 2 cores). Environment: CONCURRENCY (1,8,32), REQUESTS (8,32,64), MAX_TOKENS (128),
# THREADS (nproc; both servers get this many), PLEXUS_ARGS (more plexus serve flags, e.g.
# "--dtype bf16").
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
out="${1:-$repo/out/serving/results.jsonl}"
mkdir -p "$(dirname "$out")"
model="$repo/models/SmolLM2-135M-Instruct.Q4_1.gguf"
plexus="${PLEXUS:-$repo/build/bin/plexus}"
client=("$repo/.venv-e2e/bin/python" "$repo/bench/serving/bench_client.py"
        --concurrency "${CONCURRENCY:-1,8,32}" --requests "${REQUESTS:-8,32,64}"
        --max-tokens "${MAX_TOKENS:-128}" --out "$out")
threads="${THREADS:-$(nproc)}"
for need in "$plexus" "$repo/.venv-e2e/bin/python" "$repo/.venv-bench/bin/python" "$model"; do
  [ -e "$need" ] || { echo "run.sh: $need is missing (see the header of this script)" >&2; exit 1; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() {  # wait_up URL PID
  for _ in $(seq 1 600); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "run.sh: server exited at start-up" >&2; return 1; }
    sleep 0.2
  done
  echo "run.sh: $1 not up after 120 s" >&2
  return 1
}
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "plexus: $("$plexus" --version 2>&1 | head -1)"
echo "llama-cpp-python: $("$repo/.venv-bench/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)')"

port=$(free_port)
log=$(mktemp)
"$plexus" serve --model "$model" --port "$port" --max-model-len 2048 \
  --set devices.cpu_kv_cache='"1GiB"' --set devices.threads="$threads" ${PLEXUS_ARGS:-} >"$log" 2>&1 &
pid=$!
wait_up "http://127.0.0.1:$port/health" "$pid" || { cat "$log"; exit 1; }
status=0
"${client[@]}" --url "http://127.0.0.1:$port" --label plexus || status=$?
kill -TERM "$pid"; wait "$pid"; pid=""

port=$(free_port)
"$repo/.venv-bench/bin/python" -m llama_cpp.server --model "$model" --host 127.0.0.1 \
  --port "$port" --n_ctx 2048 --n_threads "$threads" --n_threads_batch "$threads" \
  --interrupt_requests False >"$log" 2>&1 &
pid=$!
wait_up "http://127.0.0.1:$port/v1/models" "$pid" || { cat "$log"; exit 1; }
# Its server runs one request at a time; by default a new request interrupts the one streaming
# (interrupt_requests), so it is turned off: requests queue instead.
"${client[@]}" --url "http://127.0.0.1:$port" --label llama-cpp-python || status=$?
kill -TERM "$pid"; wait "$pid" || true; pid=""
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$log"
exit "$status"
