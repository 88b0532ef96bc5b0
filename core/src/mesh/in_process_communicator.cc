// Ranks as threads of one process: each all-reduce publishes its buffer, waits for the others,
// sums all buffers in rank order into a private result, waits again (so nobody overwrites a
// buffer another rank is still reading), then copies the result back.
#include <barrier>
#include <cstring>
#include <mutex>

#include "plexus/communicator.h"

namespace plexus {
namespace {

struct Shared {
  explicit Shared(int n) : size(n), sync(n), buffers(std::size_t(n)), counts(std::size_t(n)) {}
  int size;
  std::barrier<> sync;
  std::vector<float*> buffers;
  std::vector<std::int64_t> counts;
};

class InProcessRank final : public Communicator {
 public:
  InProcessRank(std::shared_ptr<Shared> shared, int rank)
      : shared_(std::move(shared)), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return shared_->size; }

  Status all_reduce_sum(float* data, std::int64_t count) override {
    Shared& s = *shared_;
    if (s.size == 1) return Status();
    s.buffers[rank_] = data;
    s.counts[rank_] = count;
    s.sync.arrive_and_wait();
    for (int r = 0; r < s.size; ++r) {
      if (s.counts[r] != count) {
        // Every rank sees the same mismatch and fails the same way; none reads out of range.
        s.sync.arrive_and_wait();
        return Status::internal("all_reduce_sum: rank " + std::to_string(r) + " sent " +
                                std::to_string(s.counts[r]) + " values, rank " +
                                std::to_string(rank_) + " sent " + std::to_string(count));
      }
    }
    result_.assign(s.buffers[0], s.buffers[0] + count);
    for (int r = 1; r < s.size; ++r) {
      const float* other = s.buffers[r];
      for (std::int64_t i = 0; i < count; ++i) result_[i] += other[i];
    }
    s.sync.arrive_and_wait();
    std::memcpy(data, result_.data(), std::size_t(count) * sizeof(float));
    return Status();
  }

 private:
  std::shared_ptr<Shared> shared_;
  int rank_;
  std::vector<float> result_;
};

}  // namespace

std::vector<std::unique_ptr<Communicator>> make_in_process_group(int size) {
  auto shared = std::make_shared<Shared>(size);
  std::vector<std::unique_ptr<Communicator>> ranks;
  for (int r = 0; r < size; ++r) ranks.push_back(std::make_unique<InProcessRank>(shared, r));
  return ranks;
}

}  // namespace plexus
