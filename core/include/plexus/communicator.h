// plexus/communicator.h — collective operations among the ranks of a tensor-parallel group.
//
// Contract:
// - Every rank of a group calls the same collectives in the same order with the same sizes; a
//   call returns when the result is in place on this rank.
// - `all_reduce_sum` leaves every rank with the element-wise sum over ranks, added in rank
//   order (0, 1, ...), so all ranks hold bit-identical results and a run is reproducible.
// - In-process groups (CPU, tests) run each rank on its own thread; NCCL groups run one rank per
//   GPU. Model code sees only this interface, so the NCCL path swaps the communicator alone.
// Thread safety: one thread per rank object; different ranks are called from different threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "plexus/status.h"

namespace plexus {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // data: `count` f32 values on this rank, replaced by the sum over ranks.
  virtual Status all_reduce_sum(float* data, std::int64_t count) = 0;
};

// A group of `size` ranks inside this process; element r is rank r. Each must be used by its
// own thread.
std::vector<std::unique_ptr<Communicator>> make_in_process_group(int size);

}  // namespace plexus
