// One source, many plugins: each TEST_PLUGIN_<VARIANT> macro builds a plugin that is good or
// broken in exactly one way, for plugin_host_test.
#include <stdexcept>

#include "plexus/plugin.h"

namespace {

class TinyModel final : public plexus::Model {
 public:
  TinyModel() { summary_.architecture = "TinyForTests"; }
  const plexus::ModelSummary& summary() const override { return summary_; }
  plexus::KvLayout kv_layout() const override { return {}; }
  plexus::Status forward(const plexus::ForwardBatch&, const plexus::KvCacheView&, float*) override {
    return plexus::Status::unsupported("a model for plugin-host tests only");
  }

 private:
  plexus::ModelSummary summary_;
};

plexus::Result<std::unique_ptr<plexus::Model>> create_model(const plexus::ModelContext&) {
#if defined(TEST_PLUGIN_THROWING_FACTORY)
  throw std::runtime_error("boom from the factory");
#elif defined(TEST_PLUGIN_FAILING_FACTORY)
  return plexus::Status::invalid_argument("config.json has no 'hidden_size'");
#else
  return std::unique_ptr<plexus::Model>(new TinyModel());
#endif
}

#if defined(TEST_PLUGIN_CANNOT_RUN)
int score() { return 0; }
#else
int score() { return 3; }
#endif

const char* const kProvides[] = {"TinyForTests", nullptr};

// A descriptor from a future minor ABI: the 1.0 fields, then fields this host does not know.
struct FutureDescriptor {
  plexus::PluginDescriptor v1_0;
  const char* future_field;
  int another_future_field;
};

#if defined(TEST_PLUGIN_GOOD) || defined(TEST_PLUGIN_DUPLICATE)
#define NAME "good-model"
#else
#define NAME "test-plugin"
#endif

constexpr std::uint32_t kMajor =
#if defined(TEST_PLUGIN_WRONG_MAJOR)
    PLEXUS_PLUGIN_ABI_MAJOR + 1;
#else
    PLEXUS_PLUGIN_ABI_MAJOR;
#endif

constexpr std::uint32_t kMinor =
#if defined(TEST_PLUGIN_NEWER_MINOR)
    PLEXUS_PLUGIN_ABI_MINOR + 7;
#else
    PLEXUS_PLUGIN_ABI_MINOR;
#endif

constexpr std::uint32_t kSize =
#if defined(TEST_PLUGIN_NEWER_MINOR)
    sizeof(FutureDescriptor);
#elif defined(TEST_PLUGIN_SHORT_DESCRIPTOR)
    16;
#else
            sizeof(plexus::PluginDescriptor);
#endif

constexpr plexus::PluginKind kKind =
#if defined(TEST_PLUGIN_UNKNOWN_KIND)
    static_cast<plexus::PluginKind>(7);
#elif defined(TEST_PLUGIN_KIND_MISMATCH)
    plexus::PluginKind::kFrontend;  // but only the model factory is set
#else
    plexus::PluginKind::kModel;
#endif

#if defined(TEST_PLUGIN_FOREIGN_TOOLCHAIN)
#define TOOLCHAIN "libc++ clang-99"
#else
#define TOOLCHAIN PLEXUS_TOOLCHAIN_TAG
#endif

const FutureDescriptor kDescriptor = {
    {kMajor, kMinor, kSize, kKind, NAME, "9.9.9", TOOLCHAIN, "a plugin for tests", kProvides,
     &create_model, nullptr, nullptr, &score},
    "from the future",
    42,
};

}  // namespace

#if !defined(TEST_PLUGIN_NO_ENTRY)
PLEXUS_PLUGIN_ENTRY(kDescriptor.v1_0)
#else
// Exports something, just not the entry point.
extern "C" __attribute__((visibility("default"))) int plexus_plugin_v0() { return 0; }
#endif
