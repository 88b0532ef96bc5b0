// A DeepSeek MoE checkpoint quantised with AWQ runs with no model change: every Linear (q/kv
// projections, kv_b_proj read back for weight absorption, o_proj, the dense MLP, each routed
// and shared expert) comes from the quant-awq plugin's QuantScheme. The checkpoint is the tiny
// DeepSeek fixture quantised here to 4-bit AWQ (GEMM packing, one group per column); its logits
// must equal, within 1e-4, those of the same model with the dequantised weights stored dense
// (and the same 8 greedy tokens).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <boost/json.hpp>

#include "engine/single_sequence.h"
#include "plexus/dtype.h"
#include "plexus/quant.h"
#include "plexus/weight_source.h"
#include "plugins/plugin_host.h"

namespace plexus {
namespace {

const std::string kFixtures = std::string(PLEXUS_SOURCE_DIR) + "/tests/fixtures/models/";
const std::string kPlugins = std::string(PLEXUS_BINARY_DIR) + "/lib/plexus/plugins/";

// A module AWQ quantises: a 2-D `.weight` under model.layers, except the router (`mlp.gate`).
bool quantised(const std::string& name, const TensorInfo& info) {
  return name.rfind("model.layers.", 0) == 0 && name.ends_with(".weight") &&
         !name.ends_with("mlp.gate.weight") && info.shape.size() == 2;
}

// The fixture with every quantised module either packed as AWQ (qweight/qzeros/scales) or
// stored as its dequantised f32 weight, so both models compute with the same weights.
class AwqOfFixture final : public WeightSource {
 public:
  AwqOfFixture(const WeightSource& dense, bool packed) : dense_(dense), packed_(packed) {
    for (const std::string& name : dense.names()) {
      auto info = dense.info(name);
      if (info.ok() && quantised(name, *info)) quantise(name, *info);
    }
  }

  std::string_view kind() const override { return dense_.kind(); }
  const std::string& path() const override { return dense_.path(); }
  const boost::json::object& config() const override { return dense_.config(); }
  std::string config_json() const override { return dense_.config_json(); }
  bool has(std::string_view name) const override { return info(name).ok(); }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const std::string& n : dense_.names()) {
      if (!modules_.count(module_of(n))) out.push_back(n);
    }
    for (const auto& [module, m] : modules_) {
      if (packed_) {
        for (const char* s : {".qweight", ".qzeros", ".scales"}) out.push_back(module + s);
      } else {
        out.push_back(module + ".weight");
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  Result<TensorInfo> info(std::string_view name) const override {
    const auto it = synthetic_.find(std::string(name));
    if (it != synthetic_.end()) return it->second.info;
    if (modules_.count(module_of(std::string(name)))) {
      return Status::not_found(std::string(name) + " is not in this checkpoint");
    }
    return dense_.info(name);
  }
  Result<OwnedTensor> load(std::string_view name, DType dtype, ShardSpec shard) const override {
    const auto it = synthetic_.find(std::string(name));
    if (it == synthetic_.end()) {
      PLEXUS_RETURN_IF_ERROR(info(name).status());
      return dense_.load(name, dtype, shard);
    }
    EXPECT_TRUE(dtype == DType::kF32 && shard.dim < 0) << name;
    const auto& values = it->second.f32;
    PLEXUS_ASSIGN_OR_RETURN(Buffer buffer,
                            Buffer::allocate(cpu_allocator(), values.size() * sizeof(float)));
    std::copy(values.begin(), values.end(), static_cast<float*>(buffer.data()));
    OwnedTensor out;
    out.tensor = buffer.view(DType::kF32, it->second.info.shape);
    out.buffer = std::move(buffer);
    return out;
  }
  Result<RawTensor> raw(std::string_view name) const override {
    const auto it = synthetic_.find(std::string(name));
    if (it == synthetic_.end()) return dense_.raw(name);
    RawTensor r;
    r.data = reinterpret_cast<const std::byte*>(it->second.bytes.data());
    r.nbytes = it->second.bytes.size();
    r.info = it->second.info;
    return r;
  }
  Result<std::string> metadata_string(std::string_view key) const override {
    return dense_.metadata_string(key);
  }

 private:
  struct Synthetic {
    TensorInfo info;
    std::vector<std::uint8_t> bytes;  // packed tensors
    std::vector<float> f32;           // dequantised weights
  };

  static std::string module_of(const std::string& name) { return name.substr(0, name.rfind('.')); }

  void add(const std::string& name, DType dtype, std::vector<std::int64_t> shape, const void* data,
           std::size_t nbytes) {
    Synthetic s;
    s.info.name = name;
    s.info.shape = std::move(shape);
    s.info.dtype = dtype;
    s.info.type_name = std::string(dtype_name(dtype));
    s.info.nbytes = nbytes;
    s.bytes.assign(static_cast<const std::uint8_t*>(data),
                   static_cast<const std::uint8_t*>(data) + nbytes);
    synthetic_[name] = std::move(s);
  }

  // 4-bit asymmetric, one group spanning all K inputs of each output column.
  void quantise(const std::string& name, const TensorInfo& info) {
    const std::string module = module_of(name);
    modules_[module] = true;
    auto w = dense_.load(name, DType::kF32);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    const float* W = w->tensor.data_as<const float>();  // [N, K]
    const std::int64_t N = info.shape[0], K = info.shape[1];
    ASSERT_EQ(N % 8, 0) << name;
    std::vector<std::uint16_t> scales(static_cast<std::size_t>(N));
    std::vector<int> zeros(static_cast<std::size_t>(N));
    std::vector<int> q(static_cast<std::size_t>(K * N));  // [K, N]
    std::vector<float> dequant(static_cast<std::size_t>(N * K));
    for (std::int64_t n = 0; n < N; ++n) {
      float lo = 0, hi = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        lo = std::min(lo, W[n * K + k]);
        hi = std::max(hi, W[n * K + k]);
      }
      const std::uint16_t s16 = f32_to_f16(std::max(hi - lo, 1e-6f) / 15.0f);
      const float s = f16_to_f32(s16);
      const int z = std::clamp(int(std::lround(-lo / s)), 0, 15);
      scales[std::size_t(n)] = s16;
      zeros[std::size_t(n)] = z;
      for (std::int64_t k = 0; k < K; ++k) {
        const int v = std::clamp(int(std::lround(W[n * K + k] / s)) + z, 0, 15);
        q[std::size_t(k * N + n)] = v;
        dequant[std::size_t(n * K + k)] = float(v - z) * s;
      }
    }
    if (!packed_) {
      Synthetic d;
      d.info = info;
      d.info.dtype = DType::kF32;
      d.f32 = std::move(dequant);
      synthetic_[name] = std::move(d);
      return;
    }
    // AWQ GEMM packing: nibble i of word c holds column 8c + kOrder[i].
    constexpr int kOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    auto pack = [&](std::int64_t rows, auto value) {
      std::vector<std::uint32_t> words(static_cast<std::size_t>(rows * N / 8), 0);
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < N / 8; ++c) {
          std::uint32_t word = 0;
          for (int i = 0; i < 8; ++i) word |= std::uint32_t(value(r, 8 * c + kOrder[i])) << (4 * i);
          words[std::size_t(r * (N / 8) + c)] = word;
        }
      }
      return words;
    };
    const auto qweight = pack(K, [&](std::int64_t k, std::int64_t n) { return q[k * N + n]; });
    const auto qzeros = pack(1, [&](std::int64_t, std::int64_t n) { return zeros[n]; });
    add(module + ".qweight", DType::kI32, {K, N / 8}, qweight.data(), qweight.size() * 4);
    add(module + ".qzeros", DType::kI32, {1, N / 8}, qzeros.data(), qzeros.size() * 4);
    add(module + ".scales", DType::kF16, {1, N}, scales.data(), scales.size() * 2);
  }

  const WeightSource& dense_;
  bool packed_;
  std::map<std::string, bool> modules_;
  std::map<std::string, Synthetic> synthetic_;
};

double row_relative_error(const float* got, const float* want, std::int64_t n) {
  double diff = 0, scale = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    scale = std::max(scale, double(std::fabs(want[i])));
  }
  return diff / std::max(scale, 1e-30);
}

class DeepseekAwq : public ::testing::TestWithParam<std::string> {};

TEST_P(DeepseekAwq, AwqExpertsAndProjectionsMatchTheDequantisedModel) {
  auto fixture = open_weight_source(kFixtures + GetParam());
  ASSERT_TRUE(fixture.ok()) << fixture.status().to_string();
  PluginHost host;
  ASSERT_TRUE(host.load(kPlugins + "libplexus-models-deepseek.so").ok());
  ASSERT_TRUE(host.load(kPlugins + "libplexus-quant-awq.so").ok());
  auto provider = host.find_provider(PluginKind::kQuant, "awq");
  ASSERT_TRUE(provider.ok()) << provider.status().to_string();
  const boost::json::object qconfig{{"quant_method", "awq"},
                                    {"bits", 4},
                                    {"group_size", -1},
                                    {"zero_point", true},
                                    {"version", "gemm"}};
  ConfigView empty;
  auto awq = host.create_quant((*provider)->name, QuantContext{&qconfig, &empty});
  ASSERT_TRUE(awq.ok()) << awq.status().to_string();

  const AwqOfFixture packed(**fixture, true), dequantised(**fixture, false);
  ASSERT_FALSE(packed.has("model.layers.1.mlp.experts.3.down_proj.weight"));
  ASSERT_TRUE(packed.has("model.layers.1.mlp.experts.3.down_proj.qweight"));
  auto make = [&](const WeightSource& w, const QuantScheme& q) {
    ModelContext context{&(*fixture)->config(), &empty};
    context.weights = &w;
    context.quant = &q;
    return host.create_model("models-deepseek", context);
  };
  auto awq_model = make(packed, **awq);
  ASSERT_TRUE(awq_model.ok()) << awq_model.status().to_string();
  auto dense_model = make(dequantised, dense_quant_scheme());
  ASSERT_TRUE(dense_model.ok()) << dense_model.status().to_string();

  const std::vector<std::int32_t> prompt = {7, 200, 13, 99, 4, 150, 61, 33, 250, 18, 77, 5};
  auto got = engine::prefill_logits(**awq_model, prompt);
  auto want = engine::prefill_logits(**dense_model, prompt);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  const std::int64_t vocab = (*dense_model)->summary().vocab_size;
  for (std::size_t t = 0; t < prompt.size(); ++t) {
    EXPECT_LT(row_relative_error(got->data() + t * vocab, want->data() + t * vocab, vocab), 1e-4)
        << "position " << t;
  }
  engine::GreedyOptions options;
  options.max_tokens = 8;
  auto got_tokens = engine::generate_greedy(**awq_model, prompt, options);
  auto want_tokens = engine::generate_greedy(**dense_model, prompt, options);
  ASSERT_TRUE(got_tokens.ok() && want_tokens.ok());
  EXPECT_EQ(*got_tokens, *want_tokens);
}

INSTANTIATE_TEST_SUITE_P(TinyCheckpoints, DeepseekAwq,
                         ::testing::Values("deepseek_v2_lite_like", "deepseek_v3_like"));

}  // namespace
}  // namespace plexus
