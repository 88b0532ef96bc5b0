// plexus/plugin.h — the plugin ABI: what a plugin library exports and the host checks.
//
// Contract:
// - A plugin is a shared library that exports one C function, `plexus_plugin_v1` (declare it
//   with PLEXUS_PLUGIN_ENTRY), returning a pointer to a static PluginDescriptor that lives as
//   long as the library is loaded. The entry point must not allocate, throw or start threads.
// - The host reads `abi_major`, `abi_minor`, `struct_size` and `toolchain` before anything
//   else. It refuses a plugin whose ABI major differs from PLEXUS_PLUGIN_ABI_MAJOR, whose
//   `struct_size` is too small for the fields of its declared minor, or whose C++ standard
//   library ABI (the first word of the toolchain tag) differs from the host's. A plugin with a
//   newer minor loads: the host reads only the fields it knows (minors only append fields).
// - Exactly the factory matching `kind` is set; the others are null. Factories report failure
//   as a Status; the host also catches any exception a factory lets escape and turns it into
//   an error naming the plugin, so a faulty plugin fails a request or a start-up, not the host.
// - Objects a factory returns are destroyed by the host before it unloads the library.
// Thread safety: the descriptor is immutable. Factories may be called from any thread, one call
// at a time per plugin unless the plugin documents otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <version>  // standard-library identification macros for the toolchain tag

#include "plexus/frontend.h"
#include "plexus/model.h"
#include "plexus/quant.h"
#include "plexus/status.h"

#define PLEXUS_PLUGIN_ABI_MAJOR 1
#define PLEXUS_PLUGIN_ABI_MINOR 0
#define PLEXUS_PLUGIN_ENTRY_NAME "plexus_plugin_v1"

// The toolchain tag: "<standard library ABI>[+asan] <compiler>-<major>". Only the first word
// must match the host's (it decides whether std::string, std::vector and exceptions can cross
// the boundary); the compiler part is informational.
#if defined(_LIBCPP_VERSION)
#define PLEXUS_STDLIB_TAG_ "libc++"
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define PLEXUS_STDLIB_TAG_ "libstdc++/cxx11"
#elif defined(__GLIBCXX__)
#define PLEXUS_STDLIB_TAG_ "libstdc++/cow"
#else
#define PLEXUS_STDLIB_TAG_ "unknown-stdlib"
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PLEXUS_ASAN_TAG_ "+asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLEXUS_ASAN_TAG_ "+asan"
#endif
#endif
#ifndef PLEXUS_ASAN_TAG_
#define PLEXUS_ASAN_TAG_ ""
#endif
#define PLEXUS_STRINGIFY_INNER_(x) #x
#define PLEXUS_STRINGIFY_(x) PLEXUS_STRINGIFY_INNER_(x)
#if defined(__clang__)
#define PLEXUS_COMPILER_TAG_ "clang-" PLEXUS_STRINGIFY_(__clang_major__)
#elif defined(__GNUC__)
#define PLEXUS_COMPILER_TAG_ "gcc-" PLEXUS_STRINGIFY_(__GNUC__)
#else
#define PLEXUS_COMPILER_TAG_ "unknown-compiler"
#endif
#define PLEXUS_TOOLCHAIN_TAG PLEXUS_STDLIB_TAG_ PLEXUS_ASAN_TAG_ " " PLEXUS_COMPILER_TAG_

namespace plexus {

enum class PluginKind : std::uint32_t { kModel = 1, kQuant = 2, kFrontend = 3 };

// "model", "quant", "frontend", or "unknown kind N".
std::string plugin_kind_name(PluginKind kind);

using ModelFactory = Result<std::unique_ptr<Model>> (*)(const ModelContext& context);
using QuantFactory = Result<std::unique_ptr<QuantScheme>> (*)(const QuantContext& context);
using FrontendFactory = Result<std::unique_ptr<Frontend>> (*)(const FrontendContext& context);

struct PluginDescriptor {
  // ---- ABI 1.0 ----
  std::uint32_t abi_major;    // PLEXUS_PLUGIN_ABI_MAJOR as the plugin was built
  std::uint32_t abi_minor;    // PLEXUS_PLUGIN_ABI_MINOR as the plugin was built
  std::uint32_t struct_size;  // sizeof(PluginDescriptor) as the plugin was built
  PluginKind kind;
  const char* name;         // unique per kind, e.g. "quant-awq"
  const char* version;      // the plugin's own version, e.g. "0.1.0"
  const char* toolchain;    // PLEXUS_TOOLCHAIN_TAG as the plugin was built
  const char* description;  // one line for `plexus plugins`
  // What the plugin implements, null-terminated: model architectures ("LlamaForCausalLM") for
  // a model plugin, quantization methods ("awq") for a quant plugin; null for a frontend.
  const char* const* provides;
  ModelFactory create_model;        // set iff kind == kModel
  QuantFactory create_quant;        // set iff kind == kQuant
  FrontendFactory create_frontend;  // set iff kind == kFrontend
  // (optional) How well this build fits the machine: 0 = cannot run here (e.g. an AVX-512
  // build on a CPU without it); otherwise higher is better. Null means 1.
  int (*score)();
};

// Size of the 1.0 descriptor; later minors append fields after `score`.
inline constexpr std::uint32_t kPluginDescriptorSizeV1_0 = sizeof(PluginDescriptor);

using PluginEntryPoint = const PluginDescriptor* (*)();

}  // namespace plexus

// Defines the entry point returning `descriptor` (an object of static storage duration).
#define PLEXUS_PLUGIN_ENTRY(descriptor)                                               \
  extern "C" __attribute__((visibility("default"))) const ::plexus::PluginDescriptor* \
  plexus_plugin_v1() {                                                                \
    return &(descriptor);                                                             \
  }

// A descriptor's ABI fields for this SDK: PLEXUS_PLUGIN_ABI_FIELDS, kind, name, ...
#define PLEXUS_PLUGIN_ABI_FIELDS \
  PLEXUS_PLUGIN_ABI_MAJOR, PLEXUS_PLUGIN_ABI_MINOR, sizeof(::plexus::PluginDescriptor)
