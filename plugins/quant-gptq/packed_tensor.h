// Reading the tensors of a packed (AWQ / GPTQ) linear layer from a WeightSource as they are
// stored: int32 code and zero words, f16 scales, int32 g_idx. Shared by quant-awq and quant-gptq.
//
// Contract:
// - Each reader checks the tensor's dtype and full 2-D shape against what the layer's config
//   implies and returns InvalidArgument naming the tensor, what it is and what was expected
//   (`needs` says why, e.g. "4-bit GPTQ with group 128 and in/out 256/128").
// - `Block` picks a rectangle (a tensor-parallel rank's rows or columns); the words are copied
//   out of the mapping into owned, aligned memory, never widened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plexus/status.h"
#include "plexus/weight_source.h"

namespace plexus::quant {

struct Shape2 {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

// Rows [row0, row0 + rows) x columns [col0, col0 + cols) of a 2-D tensor.
struct Block {
  std::int64_t row0 = 0;
  std::int64_t rows = 0;
  std::int64_t col0 = 0;
  std::int64_t cols = 0;
  static Block all(Shape2 s) { return {0, s.rows, 0, s.cols}; }
};

// int32 (or uint32) words of a [full.rows, full.cols] tensor.
Result<std::vector<std::uint32_t>> read_words(const WeightSource& weights, const std::string& name,
                                              Shape2 full, Block block, const std::string& needs);
// f16 values (as bits) of a [full.rows, full.cols] tensor.
Result<std::vector<std::uint16_t>> read_f16(const WeightSource& weights, const std::string& name,
                                            Shape2 full, Block block, const std::string& needs);
// A 1-D int32/int64 tensor of `length` values.
Result<std::vector<std::int32_t>> read_index(const WeightSource& weights, const std::string& name,
                                             std::int64_t length, const std::string& needs);

// The groups rank `rank` keeps in a row-parallel split of K inputs (groups of G rows, `groups`
// of them): {first group, group count}. InvalidArgument naming the layer when a part would cut a
// group. REQUIRES: groups > 1.
struct GroupRange {
  std::int64_t first = 0;
  std::int64_t count = 0;
};
Result<GroupRange> split_whole_groups(const std::string& prefix, std::int64_t K, int world,
                                      int rank, std::int64_t G, std::int64_t groups);

}  // namespace plexus::quant
