#!/usr/bin/env bash
# `plexus serve` on the default model: the HTTP front end answers, checks the API key on every
# endpoint but /health, answers unknown paths with OpenAI-shaped errors, and SIGTERM stops it
# with exit code 0.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
PLEXUS_TEST_KEY=sekrit "$PLEXUS" serve --model "$model" --port "$port" \
  --set frontend.api_key_env='"PLEXUS_TEST_KEY"' >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
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
kill -TERM $pid
wait $pid
echo "ok: exit code 0 after SIGTERM"
grep -q "134.515M parameters" "$log" || { echo "FAIL: model summary not logged"; cat "$log"; exit 1; }
