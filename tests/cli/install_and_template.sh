#!/usr/bin/env bash
# `cmake --install` gives a working prefix; the out-of-tree template plugin builds against it
# with find_package(plexus), installs into it, and that prefix's plexus lists it.
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$BUILD_DIR" --prefix "$prefix" >/dev/null
test -f "$prefix/include/plexus/plugin.h"
test -f "$prefix/lib/cmake/plexus/plexusConfig.cmake"
flags=()
if [ "${SANITIZE:-OFF}" = ON ]; then
  flags=(-DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined")
fi
cmake -S "$SOURCE_DIR/examples/plugin-template" -B "$tmp/template-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix" "${flags[@]}" >/dev/null
cmake --build "$tmp/template-build" >/dev/null
cmake --install "$tmp/template-build" >/dev/null
out=$(env -u PLEXUS_PLUGIN_PATH "$prefix/bin/plexus" plugins)
echo "$out"
for p in models-deepseek quant-awq quant-gptq frontend-http frontend-stdin quant-template; do
  grep -q " $p " <<<"$out" || { echo "FAIL: $p not listed from the install prefix"; exit 1; }
done
grep -q "$prefix/lib/plexus/plugins/libplexus-quant-template.so" <<<"$out" || { echo "FAIL: path"; exit 1; }
if grep -q '^refused:' <<<"$out"; then echo "FAIL: a plugin was refused"; exit 1; fi
echo "ok: installed SDK builds and loads the template plugin"
