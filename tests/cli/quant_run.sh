#!/usr/bin/env bash
# One plexus binary serves the dense, AWQ and GPTQ (act-order, 2-, 4- and 8-bit, per-module
# `dynamic` rules with a packed lm_head) variants of the same tiny Llama, changing only --model:
# each greedy continuation equals the one transformers made from the library's own dequantisation
# (tests/fixtures/quant/*/reference.json, made by tools/quant/make_quant_fixtures.py with
# GPTQModel), as does an AWQ checkpoint that keeps some modules dense (`modules_to_not_convert`).
# Two tensor-parallel ranks give the same answers, and an act-order GPTQ model, whose
# row-parallel layers cannot be split, is refused. With `[quant] activations = "int8"` each packed
# model gives transformers' continuation under the same int8 rounding
# (cli_continuation_text_int8), and a dense one refuses the setting.
set -euo pipefail
fixtures="$SOURCE_DIR/tests/fixtures/quant"
read_ref() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
check() {  # check VARIANT [EXTRA FLAGS...]; $WANT: the reference.json key of the continuation
  local variant=$1
  shift
  local ref="$fixtures/$variant/reference.json" prompt want got
  prompt=$(read_ref "$ref" cli_prompt)
  want=$(read_ref "$ref" "${WANT:-cli_continuation_text}")
  got=$("$PLEXUS" run --raw --prompt "$prompt" --max-tokens 12 --model "$fixtures/$variant" "$@")
  [ "$got" = "$want" ] || { printf 'FAIL: %s %s gave\n%s\nwanted\n%s\n' "$variant" "$*" "$got" "$want"; exit 1; }
  echo "ok: $variant $*: $got"
}
for variant in dense awq_g32 awq_g32_not_convert gptq_b4_sym_g32 gptq_b4_asym_act_g32 \
  gptq_b8_asym_act_g32 gptq_b2_asym_g32 gptq_b4_dynamic_lm_head; do
  check "$variant"
done
# The "bf16 deployment" of each: dense layers (all of dense, the tied lm_head of the others) kept
# in bf16 by the manifest; the continuations' top-1 margins (>= 1.8% of the largest logit) are
# far above bf16's rounding.
for variant in dense awq_g32 gptq_b4_sym_g32; do
  check "$variant" --set model.dtype='"bf16"'
done
check awq_g32 --tensor-parallel-size 2
check awq_g32_not_convert --tensor-parallel-size 2
check gptq_b4_sym_g32 --tensor-parallel-size 2
if out=$("$PLEXUS" run --raw --prompt "x" --max-tokens 1 --model "$fixtures/gptq_b4_asym_act_g32" \
    --tensor-parallel-size 2 2>&1); then
  echo "FAIL: act-order GPTQ on 2 ranks ran: $out"; exit 1
fi
grep -q "row-parallel split of an act-order (desc_act) GPTQ layer is not supported" <<<"$out" ||
  { echo "FAIL: unexpected refusal: $out"; exit 1; }
echo "ok: act-order GPTQ on 2 ranks is refused"
for variant in awq_g32 awq_g32_not_convert gptq_b4_sym_g32 gptq_b4_asym_act_g32 \
  gptq_b8_asym_act_g32 gptq_b2_asym_g32 gptq_b4_dynamic_lm_head; do
  WANT=cli_continuation_text_int8 check "$variant" --set quant.activations='"int8"'
done
WANT=cli_continuation_text_int8 check awq_g32 --set quant.activations='"int8"' \
  --tensor-parallel-size 2
if out=$("$PLEXUS" run --raw --prompt "x" --max-tokens 1 --model "$fixtures/dense" \
    --set quant.activations='"int8"' 2>&1); then
  echo "FAIL: a dense model ran with int8 activations: $out"; exit 1
fi
grep -q 'activations = "int8" applies to AWQ/GPTQ checkpoints' <<<"$out" ||
  { echo "FAIL: unexpected refusal: $out"; exit 1; }
echo "ok: int8 activations on a dense model are refused"
