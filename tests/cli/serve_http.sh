#!/usr/bin/env bash
# `plexus serve` on the default model: the HTTP front end answers chat completions (whole and
# streamed as server-sent events) with transformers' greedy text, checks the API key on every
# endpoint but /health, answers unknown paths with OpenAI-shaped errors, exposes Prometheus
# metrics and tokenize/detokenize, and SIGTERM stops it with exit code 0.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
# A KV budget that cannot hold one max_model_len sequence: refused before any listener opens.
if "$PLEXUS" serve --model "$model" --port "$port" --set devices.cpu_kv_cache='"16MiB"' \
    --max-model-len 8192 >"$log" 2>&1; then
  echo "FAIL: serve started with a KV budget too small for max_model_len"; cat "$log"; exit 1
fi
grep -q "cannot hold one sequence of max_model_len 8192: it needs 360.0 MiB" "$log" &&
  grep -q "max_model_len to at most 352" "$log" && ! grep -q "serving on" "$log" ||
  { echo "FAIL: the refusal does not say what to change"; cat "$log"; exit 1; }
echo "ok: a KV budget too small for max_model_len is refused at start-up"
PLEXUS_TEST_KEY=sekrit "$PLEXUS" serve --model "$model" --port "$port" \
  --set frontend.api_key_env='"PLEXUS_TEST_KEY"' >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  curl -s "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
expect() {  # expect STATUS BODY-SUBSTRING curl-args...
  local want_status="$1" want_body="$2"; shift 2
  local body status
  body=$(curl -s -w '\n%{http_code}' "$@")
  status=$(tail -n1 <<<"$body"); body=$(sed '$d' <<<"$body")
  if [ "$status" != "$want_status" ] || ! grep -qF -- "$want_body" <<<"$body"; then
    echo "FAIL: curl $* -> $status $body (wanted $want_status with '$want_body')"; cat "$log"; exit 1
  fi
  echo "ok: $status ${*: -1}"
}
base="http://127.0.0.1:$port"
expect 200 '{"status":"ok"}' "$base/health"
expect 401 '"type":"authentication_error"' "$base/v1/models"
expect 401 '"type":"authentication_error"' -H "Authorization: Bearer wrong!" "$base/v1/models"
expect 200 '"id":"SmolLM2-135M-Instruct.Q4_1"' -H "Authorization: Bearer sekrit" "$base/v1/models"
expect 200 '"version":"0.1.0"' -H "Authorization: Bearer sekrit" "$base/version"
expect 404 '"code":404' -H "Authorization: Bearer sekrit" "$base/v2/nothing"
expect 413 '"code":413' -H "Authorization: Bearer sekrit" -H 'Content-Type: application/json' \
  --data-binary @<(head -c 5000000 /dev/zero | tr '\0' 'a') "$base/v1/completions"
auth=(-H "Authorization: Bearer sekrit" -H 'Content-Type: application/json')
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prompts"][0]["continuation_text"])' \
  "$SOURCE_DIR/tests/fixtures/models/smollm2/reference.json")
chat='{"messages": [{"role": "user", "content": "Name three primary colours."}], "max_tokens": 32, "temperature": 0'
body=$(curl -s "${auth[@]}" -d "$chat}" "$base/v1/chat/completions")
got=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["choices"][0]["message"]["content"])' "$body")
[ "$got" = "$want" ] || { printf 'FAIL: chat answer\n%s\nwanted\n%s\n' "$got" "$want"; exit 1; }
echo "ok: chat completion equals transformers' greedy continuation"
# Streamed: every event is one "data: {json}" line and a blank line, the last is [DONE], and
# the deltas add up to the same text.
curl -sN "${auth[@]}" -d "$chat, \"stream\": true, \"stream_options\": {\"include_usage\": true}}" \
  "$base/v1/chat/completions" >"$log.sse"
python3 - "$log.sse" "$want" <<'PY'
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
assert raw.endswith("data: [DONE]\n\n"), raw[-200:]
events = raw.split("\n\n")[:-1]
assert all(e.startswith("data: ") and "\n" not in e for e in events), events[:3]
chunks = [json.loads(e[6:]) for e in events[:-1]]
assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
assert text == sys.argv[2], (text, sys.argv[2])
assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0, chunks[-1]
assert chunks[-2]["choices"][0]["finish_reason"] in ("stop", "length"), chunks[-2]
print(f"ok: {len(events)} SSE events, text equal, usage last, [DONE] at the end")
PY
rm -f "$log.sse"
expect 400 '"param":"max_tokens"' "${auth[@]}" -d '{"prompt": "x", "max_tokens": -1}' "$base/v1/completions"
expect 400 'not valid JSON' "${auth[@]}" -d '{"prompt": ' "$base/v1/completions"
expect 404 '"param":"model"' "${auth[@]}" -d '{"prompt": "x", "model": "gpt-4"}' "$base/v1/completions"
expect 405 '"code":405' -H "Authorization: Bearer sekrit" "$base/v1/completions"
expect 200 '"count":' "${auth[@]}" -d '{"prompt": "Hello world"}' "$base/tokenize"
expect 200 '"prompt":"Hello world"' "${auth[@]}" -d '{"tokens": [19556, 905]}' "$base/detokenize"
expect 200 'plexus:num_requests_running{model_name="SmolLM2-135M-Instruct.Q4_1"} 0' \
  -H "Authorization: Bearer sekrit" "$base/metrics"
expect 200 'plexus:request_success_total{model_name="SmolLM2-135M-Instruct.Q4_1"} 2' \
  -H "Authorization: Bearer sekrit" "$base/metrics"
kill -TERM $pid
wait $pid
echo "ok: exit code 0 after SIGTERM"
grep -q "134.515M parameters" "$log" || { echo "FAIL: model summary not logged"; cat "$log"; exit 1; }
