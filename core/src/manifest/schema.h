// schema.h — turns a parsed (and overridden) TOML tree into a Manifest, checking every key.
//
// The schema lives here and only here: the sections, their keys, types, ranges and defaults.
// docs/manifest.md describes the same table for users; keep them in step.
#pragma once

#include <toml++/toml.h>

#include "diagnostics.h"
#include "manifest.h"

namespace plexus::manifest_internal {

// Fills `out` (whose source and base_dir are set) from `root`; records every mistake in `diag`.
// `out` is meaningful only when `diag` stays empty.
void read_manifest(const toml::table& root, Diagnostics& diag, Manifest& out);

}  // namespace plexus::manifest_internal
