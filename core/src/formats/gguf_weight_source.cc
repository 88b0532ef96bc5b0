#include "gguf_weight_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>

#include <boost/json.hpp>

#include "gguf_config.h"
#include "gguf_names.h"
#include "gguf_reader.h"
#include "progress.h"
#include "tensor_load.h"

namespace plexus::formats {
namespace {

namespace json = boost::json;

std::optional<DType> dense_dtype(const GgmlTypeTraits& t) {
  switch (GgmlType(t.id)) {
    case GgmlType::kF32:
      return DType::kF32;
    case GgmlType::kF16:
      return DType::kF16;
    case GgmlType::kBF16:
      return DType::kBF16;
    default:
      return std::nullopt;
  }
}

template <typename T>
T load_le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Shortest text that reads back as the same value: 1e-05, not 9.99999974737875e-06.
template <typename F>
std::string float_text(F v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// One scalar of type `t` at `p` as JSON.
json::value scalar_json(GgufType t, const std::byte* p) {
  switch (t) {
    case GgufType::kU8:
      return load_le<std::uint8_t>(p);
    case GgufType::kI8:
      return load_le<std::int8_t>(p);
    case GgufType::kU16:
      return load_le<std::uint16_t>(p);
    case GgufType::kI16:
      return load_le<std::int16_t>(p);
    case GgufType::kU32:
      return load_le<std::uint32_t>(p);
    case GgufType::kI32:
      return load_le<std::int32_t>(p);
    case GgufType::kU64:
      return load_le<std::uint64_t>(p);
    case GgufType::kI64:
      return load_le<std::int64_t>(p);
    case GgufType::kF32:
      return double(load_le<float>(p));
    case GgufType::kF64:
      return load_le<double>(p);
    case GgufType::kBool:
      return std::uint8_t(*p) != 0;
    default:
      return nullptr;
  }
}

std::size_t elem_size(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    default:
      return 8;
  }
}

struct Entry {
  std::string hf_name;
  const GgufTensorInfo* gguf = nullptr;
  std::vector<std::int64_t> shape;  // HF order
  std::int64_t rope_heads = 0;      // > 0: rows permuted for RoPE over this many heads
};

class GgufWeightSource final : public WeightSource {
 public:
  static Result<std::unique_ptr<WeightSource>> open(const std::string& path) {
    std::unique_ptr<GgufWeightSource> s(new GgufWeightSource());
    s->path_ = path;
    PLEXUS_ASSIGN_OR_RETURN(s->gguf_, GgufFile::open(path));
    PLEXUS_RETURN_IF_ERROR(s->index());
    return std::unique_ptr<WeightSource>(std::move(s));
  }

  std::string_view kind() const override { return "gguf"; }
  const std::string& path() const override { return path_; }
  const json::object& config() const override { return config_; }
  std::string config_json() const override { return json::serialize(config_); }

  bool has(std::string_view name) const override { return entries_.count(name) > 0; }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries_) out.push_back(name);
    return out;
  }

  Result<TensorInfo> info(std::string_view name) const override {
    PLEXUS_ASSIGN_OR_RETURN(const Entry* e, find(name));
    return make_info(*e);
  }

  Result<OwnedTensor> load(std::string_view name, DType compute_dtype,
                           ShardSpec shard) const override {
    PLEXUS_ASSIGN_OR_RETURN(const Entry* e, find(name));
    StoredTensor t;
    t.name = e->hf_name + " (GGUF " + std::string(e->gguf->name) + ") in " + path_;
    t.data = e->gguf->data;
    t.shape = e->shape;
    t.ggml = e->gguf->type;
    if (e->rope_heads > 0) {
      PLEXUS_ASSIGN_OR_RETURN(t.row_map, rope_unpermute_rows(e->shape[0], e->rope_heads));
    }
    PLEXUS_ASSIGN_OR_RETURN(OwnedTensor out, load_stored(t, compute_dtype, shard));
    gguf_->release_pages(e->gguf->data, e->gguf->nbytes);  // copied: no need to keep it
    progress_->tensor_loaded(e->hf_name, e->gguf->nbytes);
    return out;
  }

  Result<RawTensor> raw(std::string_view name) const override {
    PLEXUS_ASSIGN_OR_RETURN(const Entry* e, find(name));
    RawTensor r;
    r.data = e->gguf->data;
    r.nbytes = e->gguf->nbytes;
    r.info = make_info(*e);
    r.rope_permuted = e->rope_heads > 0;
    return r;
  }

  void release_pages() const override { gguf_->release_pages(); }

  Result<std::string> metadata_string(std::string_view key) const override {
    const GgufValue* v = gguf_->find(key);
    if (v == nullptr) {
      return Status::not_found(path_ + ": GGUF metadata has no key '" + std::string(key) + "'");
    }
    if (v->type == GgufType::kString) return std::string(v->str);
    if (v->type == GgufType::kF32) return float_text(load_le<float>(v->data));
    if (v->type == GgufType::kF64) return float_text(load_le<double>(v->data));
    if (!v->is_array()) return json::serialize(scalar_json(v->type, v->data));
    json::array a;
    if (v->elem_type == GgufType::kString) {
      for (std::string_view s : v->strings) a.emplace_back(json::string(s));
    } else {
      for (std::uint64_t i = 0; i < v->count; ++i) {
        a.push_back(scalar_json(v->elem_type, v->data + i * elem_size(v->elem_type)));
      }
    }
    return json::serialize(a);
  }

 private:
  GgufWeightSource() = default;

  Result<const Entry*> find(std::string_view name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      return Status::not_found(path_ + " has no tensor '" + std::string(name) + "'");
    }
    return &it->second;
  }

  static TensorInfo make_info(const Entry& e) {
    TensorInfo i;
    i.name = e.hf_name;
    i.shape = e.shape;
    i.format = WeightFormat::kGguf;
    i.dtype = dense_dtype(*e.gguf->type);
    i.ggml_type = int(e.gguf->type->id);
    i.type_name = std::string(e.gguf->type->name);
    i.nbytes = e.gguf->nbytes;
    return i;
  }

  Status index() {
    std::uint64_t total = 0;
    bool has_output = false;
    std::int64_t vocab = 0;
    for (const GgufTensorInfo& t : gguf_->tensors()) {
      Entry e;
      e.gguf = &t;
      e.shape.assign(t.dims.rbegin(), t.dims.rend());
      std::optional<std::string> hf = gguf_to_hf_name(t.name);
      e.hf_name = hf ? *hf : std::string(t.name);
      if (t.name == "output.weight") has_output = true;
      if (t.name == "token_embd.weight" && !e.shape.empty()) vocab = e.shape[0];
      total += t.nbytes;
      const std::string key = e.hf_name;
      if (!entries_.emplace(key, std::move(e)).second) {
        return Status::corruption(path_ + ": two GGUF tensors map to '" + key + "'");
      }
    }
    PLEXUS_ASSIGN_OR_RETURN(config_, gguf_model_config(*gguf_, has_output, vocab));
    // llama.cpp's converter permutes q/k rows of llama models only (for its pairwise RoPE).
    if (config_["model_type"] == "llama") {
      const std::int64_t heads = config_["num_attention_heads"].as_int64();
      const std::int64_t kv_heads = config_["num_key_value_heads"].as_int64();
      for (auto& [name, e] : entries_) {
        const bool q = name.find(".self_attn.q_proj.") != std::string::npos;
        const bool k = name.find(".self_attn.k_proj.") != std::string::npos;
        if (!q && !k) continue;
        e.rope_heads = q ? heads : kv_heads;
        if (e.shape.empty() || e.shape[0] % (2 * e.rope_heads) != 0) {
          return Status::corruption(path_ + ": tensor '" + std::string(e.gguf->name) + "' has " +
                                    std::to_string(e.shape.empty() ? 0 : e.shape[0]) +
                                    " rows, not a multiple of 2 x " + std::to_string(e.rope_heads) +
                                    " heads");
        }
      }
    }
    progress_ = std::make_unique<LoadProgress>(path_, total);
    return Status();
  }

  std::string path_;
  std::unique_ptr<GgufFile> gguf_;
  json::object config_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::unique_ptr<LoadProgress> progress_;
};

}  // namespace

Result<std::unique_ptr<WeightSource>> open_gguf_weight_source(const std::string& path) {
  try {
    return GgufWeightSource::open(path);
  } catch (const std::exception& e) {
    return Status::internal(path + ": unexpected error while reading GGUF: " + e.what());
  }
}

}  // namespace plexus::formats
