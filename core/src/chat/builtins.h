// The filters, tests, string/dict methods and global functions that chat templates call.
//
// Each follows Jinja's (or Python's) definition for the inputs chat templates give it; an input
// it does not handle is an error value naming the filter and the type, never a guess.
#pragma once

#include <cstdint>
#include <string>

#include "chat/call_args.h"
#include "chat/value.h"
#include "plexus/status.h"

namespace plexus::chat {

// The largest range() a template may build, as in jinja2's sandbox (MAX_RANGE).
inline constexpr std::int64_t kMaxRange = 100000;

Result<Value> apply_filter(const std::string& name, const Value& input, const CallArgs& args,
                           const BuiltinLimits& limits);
Result<bool> apply_test(const std::string& name, const Value& input, const CallArgs& args);

// Whether `object.name(...)` is a method call this engine knows (str.strip, dict.items, ...).
bool is_method(const Value& object, const std::string& name);
Result<Value> call_method(const Value& object, const std::string& name, const CallArgs& args,
                          const BuiltinLimits& limits);

// Global functions other than macros: range, namespace, dict, strftime_now. raise_exception is
// handled by the evaluator, since it ends the render.
bool is_global_function(const std::string& name);
Result<Value> call_global(const std::string& name, const CallArgs& args,
                          const BuiltinLimits& limits);

}  // namespace plexus::chat
