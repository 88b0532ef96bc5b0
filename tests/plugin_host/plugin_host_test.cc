// The plugin host against deliberately broken plugins: each refusal names the file and why.
#include "plugins/plugin_host.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace plexus {
namespace {

std::string plugin_path(const std::string& variant, const std::string& name) {
  return std::string(PLEXUS_TEST_PLUGIN_DIR) + "/" + variant + "/libplexus-" + name + ".so";
}

std::string host_stdlib() {
  std::string tag = PLEXUS_TOOLCHAIN_TAG;
  return tag.substr(0, tag.find(' '));
}

bool library_is_loaded(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (!handle) return false;
  dlclose(handle);  // balance the reference RTLD_NOLOAD just took
  return true;
}

ModelContext empty_context() {
  static boost::json::object config;
  static ConfigView manifest;
  return ModelContext{&config, &manifest};
}

TEST(PluginHost, LoadsAGoodPluginAndRecordsIt) {
  PluginHost host;
  const std::string path = plugin_path("good", "good-model");
  ASSERT_TRUE(host.load(path).ok());
  ASSERT_EQ(host.records().size(), 1u);
  const PluginRecord& r = host.records()[0];
  EXPECT_TRUE(r.loaded);
  EXPECT_EQ(r.name, "good-model");
  EXPECT_EQ(r.version, "9.9.9");
  EXPECT_EQ(r.abi, "1.0");
  EXPECT_EQ(r.score, 3);
  EXPECT_EQ(r.provides, std::vector<std::string>{"TinyForTests"});
  auto provider = host.find_provider(PluginKind::kModel, "TinyForTests");
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->name, "good-model");
  auto model = host.create_model("good-model", empty_context());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->summary().architecture, "TinyForTests");
}

TEST(PluginHost, NewerMinorAbiLoads) {
  PluginHost host;
  ASSERT_TRUE(host.load(plugin_path("newer_minor", "newer-minor")).ok());
  EXPECT_EQ(host.records()[0].abi, "1.7");
  EXPECT_TRUE(host.create_model("test-plugin", empty_context()).ok());
}

struct Refusal {
  std::string variant;
  std::string file;
  std::string reason;
};

class PluginHostRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(PluginHostRefuses, WithTheFileAndTheReason) {
  const Refusal& want = GetParam();
  const std::string path = plugin_path(want.variant, want.file);
  PluginHost host;
  Status s = host.load(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), path + ": " + want.reason);
  ASSERT_EQ(host.records().size(), 1u);
  EXPECT_FALSE(host.records()[0].loaded);
  EXPECT_EQ(host.records()[0].refusal, want.reason);
  EXPECT_FALSE(host.find(PluginKind::kModel, "test-plugin").ok());
}

INSTANTIATE_TEST_SUITE_P(
    BrokenPlugins, PluginHostRefuses,
    ::testing::Values(
        Refusal{"wrong_major", "wrong-major",
                "plugin ABI 2.0, this host speaks 1.x: rebuild the plugin against this plexus "
                "SDK"},
        Refusal{"no_entry", "no-entry",
                "no entry point plexus_plugin_v1 in " + plugin_path("no_entry", "no-entry") +
                    " (is it a plexus plugin? declare it with PLEXUS_PLUGIN_ENTRY)"},
        Refusal{"unknown_kind", "unknown-kind",
                "'test-plugin' declares unknown kind 7; this host knows model, quant and "
                "frontend"},
        Refusal{"kind_mismatch", "kind-mismatch",
                "'test-plugin' is a frontend plugin but does not set exactly the frontend "
                "factory"},
        Refusal{"foreign_toolchain", "foreign-toolchain",
                "built with toolchain 'libc++ clang-99', this host needs '" + host_stdlib() +
                    "': rebuild it with the same C++ standard library"},
        Refusal{"short_descriptor", "short-descriptor",
                "descriptor is 16 bytes, ABI 1.0 needs at least " +
                    std::to_string(sizeof(PluginDescriptor))},
        Refusal{"cannot_run", "cannot-run", "'test-plugin' cannot run on this machine (score 0)"}),
    [](const auto& info) { return info.param.variant; });

TEST(PluginHost, RefusesADuplicateNameNamingTheFirstFile) {
  PluginHost host;
  const std::string first = plugin_path("good", "good-model");
  const std::string second = plugin_path("duplicate", "good-model-copy");
  ASSERT_TRUE(host.load(first).ok());
  Status s = host.load(second);
  EXPECT_EQ(s.message(),
            second + ": a model plugin named 'good-model' is already loaded from " + first);
  EXPECT_EQ((*host.find(PluginKind::kModel, "good-model"))->path, first);
}

TEST(PluginHost, RefusesAFileThatIsNotALibrary) {
  const auto dir = std::filesystem::temp_directory_path() / "plexus-plugin-host-test";
  std::filesystem::create_directories(dir);
  const std::string junk = (dir / "libplexus-junk.so").string();
  std::ofstream(junk) << "not an ELF file";
  PluginHost host;
  Status s = host.load(junk);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(junk + ": cannot load the library: ", 0), 0u) << s.message();
  std::filesystem::remove_all(dir);
}

TEST(PluginHost, AThrowingFactoryIsAnErrorNotACrash) {
  PluginHost host;
  const std::string path = plugin_path("throwing_factory", "throwing-factory");
  ASSERT_TRUE(host.load(path).ok());
  auto made = host.create_model("test-plugin", empty_context());
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInternal);
  EXPECT_EQ(made.status().message(), "plugin 'test-plugin' (" + path +
                                         "): factory threw an exception: boom from the factory");
}

TEST(PluginHost, AFailingFactoryKeepsItsMessageAndNamesThePlugin) {
  PluginHost host;
  const std::string path = plugin_path("failing_factory", "failing-factory");
  ASSERT_TRUE(host.load(path).ok());
  auto made = host.create_model("test-plugin", empty_context());
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(made.status().message(),
            "plugin 'test-plugin' (" + path + "): config.json has no 'hidden_size'");
}

TEST(PluginHost, AskingForTheWrongKindSaysWhichKindItIs) {
  PluginHost host;
  ASSERT_TRUE(host.load(plugin_path("good", "good-model")).ok());
  FrontendContext context;
  auto made = host.create_frontend("good-model", context);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().message(),
            "plugin 'good-model' is a model plugin, not a frontend plugin");
  auto missing = host.find(PluginKind::kModel, "good-modle");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "no model plugin named 'good-modle' is loaded; did you mean 'good-model'? (loaded: "
            "good-model); run `plexus plugins` to see what was found and why any was refused");
}

TEST(PluginHost, DiscoverRefusesTheSecondOfTwoSameNamedPlugins) {
  PluginHost host;
  host.discover({std::string(PLEXUS_TEST_PLUGIN_DIR) + "/good",
                 std::string(PLEXUS_TEST_PLUGIN_DIR) + "/duplicate", "/nonexistent/folder"});
  ASSERT_EQ(host.records().size(), 2u);
  EXPECT_TRUE(host.records()[0].loaded);
  EXPECT_FALSE(host.records()[1].loaded);
}

TEST(PluginHost, KeepsTheLibraryLoadedWhileItsObjectsLive) {
  const std::string path = plugin_path("good", "good-model");
  ASSERT_FALSE(library_is_loaded(path));
  std::shared_ptr<Model> model;
  {
    PluginHost host;
    ASSERT_TRUE(host.load(path).ok());
    model = *host.create_model("good-model", empty_context());
  }
  // The host is gone; the model's code (its vtable) still lives in the library.
  EXPECT_TRUE(library_is_loaded(path));
  EXPECT_EQ(model->summary().architecture, "TinyForTests");
  model.reset();
  EXPECT_FALSE(library_is_loaded(path));
}

}  // namespace
}  // namespace plexus
