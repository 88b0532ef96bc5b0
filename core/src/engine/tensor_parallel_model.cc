#include "engine/tensor_parallel_model.h"

#include <thread>

namespace plexus::engine {

TensorParallelModel::TensorParallelModel(std::shared_ptr<Model> rank0,
                                         std::vector<std::shared_ptr<Model>> others)
    : rank0_(std::move(rank0)), others_(std::move(others)), logits_(others_.size()) {}

Status TensorParallelModel::forward(const ForwardBatch& batch, const KvCacheView& cache,
                                    float* logits) {
  if (storage_.empty()) {
    const auto blocks = std::int32_t(cache.num_slots / cache.block_size);
    for (const auto& rank : others_) {
      PLEXUS_ASSIGN_OR_RETURN(
          KvCacheStorage s,
          KvCacheStorage::allocate(rank->kv_layout(), blocks, std::int32_t(cache.block_size)));
      storage_.push_back(std::move(s));
    }
  }
  const std::size_t vocab = std::size_t(summary().vocab_size);
  std::vector<Status> status(others_.size());
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < others_.size(); ++r) {
    logits_[r].resize(batch.logits_rows.size() * vocab);
    threads.emplace_back(
        [&, r] { status[r] = others_[r]->forward(batch, storage_[r].view(), logits_[r].data()); });
  }
  Status own = rank0_->forward(batch, cache, logits);
  for (auto& t : threads) t.join();
  for (const Status& s : status) {
    if (!s.ok()) return s;
  }
  return own;
}

}  // namespace plexus::engine
