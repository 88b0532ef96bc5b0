// overrides.h — applies "--set section.key=value" strings to a parsed manifest tree.
//
// Overrides change the TOML tree before validation, so a value given on the command line is
// checked by exactly the same code as one written in the file. Each inserted value (and each
// key or section the override creates) carries the source path kOverrideSource, on line
// <index of the override + 1>, which keeps the overrides' mistakes in the order they were given.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "diagnostics.h"

namespace plexus::manifest_internal {

// Applies every well-formed override to `root` and records a mistake for each one that is not
// (no '=', an empty part, too many dots, no such [[frontend]]).
void apply_overrides(toml::table& root, const std::vector<std::string>& overrides,
                     Diagnostics& diag);

}  // namespace plexus::manifest_internal
