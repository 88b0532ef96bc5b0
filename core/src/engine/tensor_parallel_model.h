// TensorParallelModel — N in-process tensor-parallel ranks seen by the engine as one Model.
//
// Contract:
// - Rank 0 is the model the engine drives; ranks 1..N-1 run the same ForwardBatch on their own
//   threads at the same time, each over its own KV storage (a rank holds only its share of the
//   KV heads), and meet rank 0 in the communicator's all-reduces. The logits are rank 0's.
// - The other ranks' KV storage is allocated at the first forward, with as many slots as the
//   engine's cache view, so the block ids the engine hands out mean the same on every rank.
// - A rank's failure fails the step.
// Thread safety: as Model (one thread calls forward).
#pragma once

#include <memory>
#include <vector>

#include "memory/kv_cache_storage.h"
#include "plexus/model.h"

namespace plexus::engine {

class TensorParallelModel final : public Model {
 public:
  // REQUIRES: every rank was built for the same model with tensor_parallel_size = N and one
  // in-process communicator group; they outlive this object.
  TensorParallelModel(std::shared_ptr<Model> rank0, std::vector<std::shared_ptr<Model>> others);

  const ModelSummary& summary() const override { return rank0_->summary(); }
  KvLayout kv_layout() const override { return rank0_->kv_layout(); }
  std::int64_t activation_bytes(std::int64_t num_tokens) const override {
    return rank0_->activation_bytes(num_tokens);
  }
  Status forward(const ForwardBatch& batch, const KvCacheView& cache, float* logits) override;

 private:
  std::shared_ptr<Model> rank0_;
  std::vector<std::shared_ptr<Model>> others_;
  std::vector<KvCacheStorage> storage_;  // one per other rank, from the first forward
  std::vector<std::vector<float>> logits_;
};

}  // namespace plexus::engine
