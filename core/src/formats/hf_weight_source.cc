#include "hf_weight_source.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "progress.h"
#include "safetensors_reader.h"
#include "tensor_load.h"

namespace plexus::formats {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxJsonFileBytes = 64 << 20;

Result<json::object> read_json_object(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return Status::not_found("cannot read " + path + ": " + ec.message());
  if (size > kMaxJsonFileBytes) {
    return Status::corruption(path + " is " + std::to_string(size) +
                              " bytes; a JSON file this large is not a model config or index");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code jec;
  json::value v = json::parse(text.str(), jec);
  if (jec) return Status::corruption(path + " is not valid JSON: " + jec.message());
  if (!v.is_object()) return Status::corruption(path + " is not a JSON object");
  return std::move(v.as_object());
}

struct Entry {
  const SafetensorsTensor* tensor = nullptr;
  const SafetensorsFile* file = nullptr;
};

class HfWeightSource final : public WeightSource {
 public:
  static Result<std::unique_ptr<WeightSource>> open(const std::string& dir) {
    std::unique_ptr<HfWeightSource> s(new HfWeightSource());
    s->path_ = dir;
    const fs::path root(dir);
    PLEXUS_ASSIGN_OR_RETURN(s->config_, read_json_object((root / "config.json").string()));
    const fs::path index = root / "model.safetensors.index.json";
    const fs::path single = root / "model.safetensors";
    std::error_code ec;
    if (fs::exists(index, ec)) {
      PLEXUS_RETURN_IF_ERROR(s->open_sharded(root, index.string()));
    } else if (fs::exists(single, ec)) {
      PLEXUS_ASSIGN_OR_RETURN(auto file, SafetensorsFile::open(single.string()));
      for (const SafetensorsTensor& t : file->tensors()) {
        s->entries_[t.name] = Entry{&t, file.get()};
      }
      s->files_.push_back(std::move(file));
    } else {
      return Status::not_found(dir +
                               " has neither model.safetensors nor "
                               "model.safetensors.index.json");
    }
    std::uint64_t total = 0;
    for (const auto& [name, e] : s->entries_) total += e.tensor->nbytes;
    s->progress_ = std::make_unique<LoadProgress>(dir, total);
    return std::unique_ptr<WeightSource>(std::move(s));
  }

  std::string_view kind() const override { return "hf"; }
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
    return make_info(*e->tensor);
  }
  Result<OwnedTensor> load(std::string_view name, DType compute_dtype,
                           ShardSpec shard) const override {
    PLEXUS_ASSIGN_OR_RETURN(const Entry* e, find(name));
    StoredTensor t;
    t.name = e->tensor->name + " in " + e->file->path();
    t.data = e->tensor->data;
    t.shape = e->tensor->shape;
    t.dense = e->tensor->dtype;
    PLEXUS_ASSIGN_OR_RETURN(OwnedTensor out, load_stored(t, compute_dtype, shard));
    e->file->release_pages(e->tensor->data, e->tensor->nbytes);  // copied: no need to keep it
    progress_->tensor_loaded(e->tensor->name, e->tensor->nbytes);
    return out;
  }
  Result<RawTensor> raw(std::string_view name) const override {
    PLEXUS_ASSIGN_OR_RETURN(const Entry* e, find(name));
    RawTensor r;
    r.data = e->tensor->data;
    r.nbytes = e->tensor->nbytes;
    r.info = make_info(*e->tensor);
    return r;
  }
  void release_pages() const override {
    for (const auto& f : files_) f->release_pages();
  }

  Result<std::string> metadata_string(std::string_view key) const override {
    return Status::not_found(path_ + " is a Hugging Face directory; it has no GGUF metadata ('" +
                             std::string(key) + "')");
  }

 private:
  HfWeightSource() = default;

  Status open_sharded(const fs::path& root, const std::string& index_path) {
    PLEXUS_ASSIGN_OR_RETURN(json::object index, read_json_object(index_path));
    const json::value* map = index.if_contains("weight_map");
    if (map == nullptr || !map->is_object()) {
      return Status::corruption(index_path + " has no 'weight_map' object");
    }
    std::map<std::string, const SafetensorsFile*> by_file;
    for (const auto& [key, value] : map->as_object()) {
      const std::string name(key);
      if (!value.is_string()) {
        return Status::corruption(index_path + ": weight_map['" + name + "'] is not a string");
      }
      const std::string shard(value.as_string());
      const fs::path rel(shard);
      // Shards live beside the index: refuse paths that could leave the model directory.
      if (shard.empty() || rel.is_absolute() || rel.has_parent_path() || shard == ".." ||
          shard == ".") {
        return Status::corruption(index_path + ": weight_map['" + name + "'] names '" + shard +
                                  "'; shards must be plain file names in the same directory");
      }
      auto it = by_file.find(shard);
      if (it == by_file.end()) {
        PLEXUS_ASSIGN_OR_RETURN(auto file, SafetensorsFile::open((root / rel).string()));
        it = by_file.emplace(shard, file.get()).first;
        files_.push_back(std::move(file));
      }
      const SafetensorsTensor* t = it->second->find(name);
      if (t == nullptr) {
        return Status::corruption(index_path + " says '" + name + "' is in " + shard +
                                  ", but that file has no such tensor");
      }
      entries_[name] = Entry{t, it->second};
    }
    return Status();
  }

  Result<const Entry*> find(std::string_view name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      return Status::not_found(path_ + " has no tensor '" + std::string(name) + "'");
    }
    return &it->second;
  }

  static TensorInfo make_info(const SafetensorsTensor& t) {
    TensorInfo i;
    i.name = t.name;
    i.shape = t.shape;
    i.format = WeightFormat::kSafetensors;
    i.dtype = t.dtype;
    i.type_name = std::string(dtype_name(t.dtype));
    i.nbytes = t.nbytes;
    return i;
  }

  std::string path_;
  json::object config_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::unique_ptr<LoadProgress> progress_;
};

}  // namespace

Result<std::unique_ptr<WeightSource>> open_hf_weight_source(const std::string& dir) {
  try {
    return HfWeightSource::open(dir);
  } catch (const std::exception& e) {
    return Status::internal(dir +
                            ": unexpected error while reading the model directory: " + e.what());
  }
}

}  // namespace plexus::formats
