#!/usr/bin/env bash
# plexus, libplexus_core and the CPU plugins must start without any CUDA library: none of them
# may link libcuda, libcudart, libcublas or libnccl (only libplexus_cuda does, loaded on demand).
set -euo pipefail
files=("$PLEXUS" "$BUILD_DIR"/lib/libplexus_core.so "$BUILD_DIR"/lib/plexus/plugins/*.so)
bad=0
for f in "${files[@]}"; do
  if ldd "$f" | grep -E 'libcuda|libcudart|libcublas|libnccl'; then
    echo "FAIL: $f links a CUDA library"; bad=1
  else
    echo "ok: $f"
  fi
done
if [ "${PLEXUS_CUDA_ENABLED:-OFF}" = ON ]; then
  # The check above must be able to fail: the CUDA library itself does link cudart.
  # (ldd's output is taken whole first: `ldd | grep -q` under pipefail fails when grep quits early.)
  cuda_deps=$(ldd "$BUILD_DIR"/lib/libplexus_cuda.so)
  grep -q libcudart <<<"$cuda_deps" || { echo "FAIL: libplexus_cuda.so does not link cudart?"; bad=1; }
  echo "ok: libplexus_cuda.so links cudart, as expected"
fi
exit $bad
