// Each kind of manifest mistake, with the exact message a user sees (location included).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace plexus {
namespace {

// The smallest valid manifest; each test appends its mistake after these two lines.
constexpr std::string_view kModel = "[model]\npath = \"m.gguf\"\n";

std::string error_of(std::string_view text, const std::vector<std::string>& overrides = {}) {
  Result<Manifest> r = parse_manifest(text, "m.toml", overrides);
  EXPECT_FALSE(r.ok()) << "accepted:\n" << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

std::string with_model(std::string_view rest) { return std::string(kModel) + std::string(rest); }

TEST(ManifestErrors, UnknownKeySuggestsTheClosestKey) {
  EXPECT_EQ(error_of(with_model("[devices]\nbackend = \"cpu\"\ntensor_paralel = 2\n")),
            "m.toml:5:1: unknown key 'tensor_paralel' in [devices]; "
            "did you mean 'tensor_parallel'?");
}

TEST(ManifestErrors, UnknownKeyFarFromAnyListsTheAllowedKeys) {
  EXPECT_EQ(error_of(with_model("[scheduler]\nturbo = true\n")),
            "m.toml:4:1: unknown key 'turbo' in [scheduler]; allowed keys: max_num_seqs, "
            "max_num_batched_tokens, prefix_caching, block_size");
}

TEST(ManifestErrors, UnknownSectionSuggestsTheClosestSection) {
  EXPECT_EQ(error_of(with_model("\n[devics]\nbackend = \"cpu\"\n")),
            "m.toml:4:1: unknown section [devics]; did you mean [devices]?");
  EXPECT_EQ(error_of(with_model("[[frontends]]\nplugin = \"frontend-http\"\n")),
            "m.toml:3:1: unknown section [frontends]; did you mean [[frontend]]?");
  EXPECT_EQ(error_of(with_model("[speculative]\nk = 1\n")),
            "m.toml:3:1: unknown section [speculative]; the sections are [model], [quant], "
            "[devices], [scheduler], [[frontend]], [plugins], [logging]");
}

TEST(ManifestErrors, KeyAboveEveryHeaderNamesItsSection) {
  EXPECT_EQ(error_of("tensor_parallel = 2\n" + std::string(kModel)),
            "m.toml:1:1: key 'tensor_parallel' is outside any section; put it under [devices]");
}

TEST(ManifestErrors, WrongTypeNamesTheTypeAndValue) {
  EXPECT_EQ(error_of(with_model("[devices]\ngpu_memory_utilization = \"high\"\n")),
            "m.toml:4:26: [devices] gpu_memory_utilization must be a number, got string \"high\"");
  EXPECT_EQ(error_of(with_model("[scheduler]\nprefix_caching = \"yes\"\n")),
            "m.toml:4:18: [scheduler] prefix_caching must be true or false, got string \"yes\"");
  EXPECT_EQ(error_of(with_model("[devices]\ntensor_parallel = 2.0\n")),
            "m.toml:4:19: [devices] tensor_parallel must be an integer, got float 2.0");
}

TEST(ManifestErrors, OutOfRangeNamesTheViolatedBound) {
  EXPECT_EQ(error_of(with_model("[devices]\ntensor_parallel = 0\n")),
            "m.toml:4:19: [devices] tensor_parallel must be an integer >= 1, got 0");
  EXPECT_EQ(error_of(with_model("[devices]\ntensor_parallel = 65\n")),
            "m.toml:4:19: [devices] tensor_parallel must be an integer <= 64, got 65");
  EXPECT_EQ(error_of(with_model("[devices]\ngpu_memory_utilization = 1.5\n")),
            "m.toml:4:26: [devices] gpu_memory_utilization must be a number > 0 and <= 1, "
            "got 1.5");
  EXPECT_EQ(error_of(with_model("[devices]\ngpu_memory_utilization = nan\n")),
            "m.toml:4:26: [devices] gpu_memory_utilization must be a number > 0 and <= 1, "
            "got nan");
}

TEST(ManifestErrors, BlockSizeMustBeAPowerOfTwo) {
  EXPECT_EQ(error_of(with_model("[scheduler]\nblock_size = 24\n")),
            "m.toml:4:14: [scheduler] block_size must be a power of two from 1 to 256, got 24");
  EXPECT_EQ(error_of(with_model("[scheduler]\nblock_size = 512\n")),
            "m.toml:4:14: [scheduler] block_size must be a power of two from 1 to 256, got 512");
}

TEST(ManifestErrors, BadEnumValueListsTheAllowedValues) {
  EXPECT_EQ(error_of(with_model("[devices]\nbackend = \"cdua\"\n")),
            "m.toml:4:11: [devices] backend must be one of \"cpu\", \"cuda\", got \"cdua\"; "
            "did you mean \"cuda\"?");
  EXPECT_EQ(error_of(with_model("[quant]\nscheme = \"fp8\"\n")),
            "m.toml:4:10: [quant] scheme must be one of \"auto\", \"none\", \"awq\", \"gptq\", "
            "got \"fp8\"");
  EXPECT_EQ(error_of(with_model("[quant]\nactivations = \"int4\"\n")),
            "m.toml:4:15: [quant] activations must be one of \"f32\", \"int8\", got \"int4\"; "
            "did you mean \"int8\"?");
  EXPECT_EQ(error_of(with_model("[logging]\nlevel = 3\n")),
            "m.toml:4:9: [logging] level must be one of \"trace\", \"debug\", \"info\", \"warn\", "
            "\"error\", \"off\", got integer 3");
}

TEST(ManifestErrors, BadSizeString) {
  EXPECT_EQ(error_of(with_model("[devices]\ncpu_kv_cache = \"2 gigs\"\n")),
            "m.toml:4:16: [devices] cpu_kv_cache \"2 gigs\" is not a size: write a number of "
            "bytes or a number with a unit, like \"2GiB\", \"512MiB\" or \"1.5GB\"");
  EXPECT_EQ(error_of(with_model("[devices]\ncpu_kv_cache = 0\n")),
            "m.toml:4:16: [devices] cpu_kv_cache must be more than 0 bytes, got 0");
}

TEST(ManifestErrors, SizeOverflow) {
  // 20,000,000 TiB is about 2.2e19 bytes, past 2^64.
  EXPECT_EQ(error_of(with_model("[devices]\ncpu_kv_cache = \"20000000TiB\"\n")),
            "m.toml:4:16: [devices] cpu_kv_cache \"20000000TiB\" is too large: sizes must be "
            "below 16EiB (2^64 bytes)");
}

TEST(ManifestErrors, TomlSyntaxErrorKeepsTheParsersLocation) {
  EXPECT_EQ(error_of("[model\npath = \"m.gguf\"\n"),
            "m.toml:1:7: Error while parsing table header: expected ']', saw '\\n'");
  EXPECT_EQ(error_of("[model]\npath = m.gguf\n"),
            "m.toml:2:8: Error while parsing value: could not determine value type");
  EXPECT_EQ(error_of("[model]\npath = \"m.gguf\" x\n"),
            "m.toml:2:17: Error while parsing key-value pair: expected a comment or whitespace, "
            "saw 'x'");
}

TEST(ManifestErrors, DuplicateKeyAndDuplicateSection) {
  EXPECT_EQ(error_of(with_model("[devices]\ntensor_parallel = 2\ntensor_parallel = 4\n")),
            "m.toml:5:19: Error while parsing key-value pair: cannot redefine existing integer "
            "'tensor_parallel'");
  EXPECT_EQ(error_of(with_model("[devices]\n[devices]\n")),
            "m.toml:4:1: Error while parsing table header: cannot redefine existing table "
            "'devices'");
}

TEST(ManifestErrors, MissingModelPath) {
  EXPECT_EQ(error_of("[devices]\nbackend = \"cpu\"\n"),
            "m.toml: [model] path is required: the GGUF file or Hugging Face directory to serve");
  EXPECT_EQ(error_of("[model]\nserved_name = \"x\"\n"),
            "m.toml:1:1: [model] path is required: the GGUF file or Hugging Face directory to "
            "serve");
  EXPECT_EQ(error_of("[model]\npath = \"\"\n"), "m.toml:2:8: [model] path must not be empty");
}

TEST(ManifestErrors, NestedTableInFrontend) {
  EXPECT_EQ(error_of(with_model("[[frontend]]\nplugin = \"frontend-http\"\n[frontend.tls]\n"
                                "cert = \"c.pem\"\n")),
            "m.toml:5:1: [[frontend]] #0 (frontend-http) tls must be a boolean, number, string "
            "or array of strings, got table");
  EXPECT_EQ(error_of(with_model("[[frontend]]\nplugin = \"frontend-http\"\ncors = [1, 2]\n")),
            "m.toml:5:9: [[frontend]] #0 (frontend-http) cors must be an array of strings; item 0 "
            "is integer 1");
}

TEST(ManifestErrors, FrontendWithoutPlugin) {
  EXPECT_EQ(error_of(with_model("[[frontend]]\nplugin = \"frontend-http\"\n[[frontend]]\n"
                                "port = 8001\n")),
            "m.toml:5:1: [[frontend]] #1 has no plugin: name the frontend to load, e.g. "
            "plugin = \"frontend-http\"");
}

TEST(ManifestErrors, SectionOfTheWrongShape) {
  EXPECT_EQ(error_of(with_model("[[devices]]\nbackend = \"cpu\"\n")),
            "m.toml:3:1: [devices] must be a table, got array; write [devices], not [[devices]]");
  EXPECT_EQ(error_of(with_model("[frontend]\nplugin = \"frontend-http\"\n")),
            "m.toml:3:1: [frontend] must be written [[frontend]]: one table per frontend");
}

TEST(ManifestErrors, CrossFieldChecks) {
  EXPECT_EQ(error_of(with_model("[quant]\nscheme = \"none\"\nplugin = \"quant-awq\"\n")),
            "m.toml:5:10: [quant] plugin is set but [quant] scheme is \"none\" (dense weights "
            "need no quant plugin); remove plugin or choose a scheme");
  EXPECT_EQ(error_of(with_model("[scheduler]\nmax_num_seqs = 64\nmax_num_batched_tokens = 32\n")),
            "m.toml:5:26: [scheduler] max_num_batched_tokens must leave one token per sequence: "
            "max_num_batched_tokens (32) is less than max_num_seqs (64)");
}

TEST(ManifestErrors, SearchPathsMustBeStrings) {
  EXPECT_EQ(error_of(with_model("[plugins]\nsearch_paths = [\"lib\", 3]\n")),
            "m.toml:4:24: [plugins] search_paths must be an array of non-empty strings; item 1 "
            "is integer 3");
}

TEST(ManifestErrors, BadOverrideSyntax) {
  EXPECT_EQ(error_of(kModel, {"devices.tensor_parallel"}),
            "--set: \"devices.tensor_parallel\" is not section.key=value (or "
            "frontend.N.key=value), e.g. devices.tensor_parallel=2");
  EXPECT_EQ(error_of(kModel, {"tensor_parallel=2"}),
            "--set: \"tensor_parallel=2\" is not section.key=value (or frontend.N.key=value), "
            "e.g. devices.tensor_parallel=2");
  EXPECT_EQ(error_of(kModel, {"frontend.port=9000"}),
            "--set: \"frontend.port=9000\" needs [[frontend]] #0 but the manifest has 0 "
            "[[frontend]] table(s), numbered from 0");
}

TEST(ManifestErrors, OverrideOfUnknownKeyOrBadValue) {
  EXPECT_EQ(error_of(kModel, {"devices.tensor_paralel=2"}),
            "--set: unknown key 'tensor_paralel' in [devices]; did you mean 'tensor_parallel'?");
  EXPECT_EQ(error_of(kModel, {"devics.backend=cpu"}),
            "--set: unknown section [devics]; did you mean [devices]?");
  EXPECT_EQ(error_of(kModel, {"devices.tensor_parallel=0"}),
            "--set: [devices] tensor_parallel must be an integer >= 1, got 0");
  // A value that is not TOML is a bare string, and then the wrong type for an integer key.
  EXPECT_EQ(error_of(kModel, {"scheduler.max_num_seqs=lots"}),
            "--set: [scheduler] max_num_seqs must be an integer, got string \"lots\"");
}

TEST(ManifestErrors, EveryMistakeIsReportedInFileOrderThenOverrides) {
  const std::string text = with_model(
      "[scheduler]\n"
      "max_num_seqs = 0\n"  // line 4
      "[devices]\n"
      "tensor_paralel = 2\n"   // line 6
      "backend = \"gpu\"\n");  // line 7
  EXPECT_EQ(error_of(text, {"logging.level=loud", "x"}),
            "m.toml:4:16: [scheduler] max_num_seqs must be an integer >= 1, got 0\n"
            "m.toml:6:1: unknown key 'tensor_paralel' in [devices]; did you mean "
            "'tensor_parallel'?\n"
            "m.toml:7:11: [devices] backend must be one of \"cpu\", \"cuda\", got \"gpu\"; "
            "did you mean \"cuda\"?\n"
            "--set: [logging] level must be one of \"trace\", \"debug\", \"info\", \"warn\", "
            "\"error\", \"off\", got \"loud\"\n"
            "--set: \"x\" is not section.key=value (or frontend.N.key=value), e.g. "
            "devices.tensor_parallel=2");
}

TEST(ManifestErrors, MissingFileIsNotFound) {
  Result<Manifest> r = load_manifest_file("core/src/manifest/testdata/no-such.toml", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(),
            "manifest 'core/src/manifest/testdata/no-such.toml' does not exist");
}

}  // namespace
}  // namespace plexus
