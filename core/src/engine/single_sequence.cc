#include "single_sequence.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace plexus::engine {
namespace {

// One sequence's cache: blocks 0..n-1, in order.
struct PrivateCache {
  std::vector<float> data;
  std::vector<std::int32_t> block_table;
  KvCacheView view;

  static Result<PrivateCache> make(const Model& model, std::int64_t tokens, std::int32_t block) {
    const KvLayout layout = model.kv_layout();
    PrivateCache c;
    const std::int64_t blocks = (tokens + block - 1) / block;
    const std::int64_t values = layout.num_layers * blocks * block * layout.values_per_token;
    if (blocks <= 0 || values <= 0 || values > (std::int64_t(1) << 36)) {
      return Status::resource_exhausted("a KV cache for " + std::to_string(tokens) +
                                        " tokens is out of range");
    }
    c.data.assign(std::size_t(values), 0.0f);
    c.block_table.resize(std::size_t(blocks));
    std::iota(c.block_table.begin(), c.block_table.end(), 0);
    c.view = {c.data.data(), blocks * block, block};
    return c;
  }
};

// Runs positions [start, start + tokens.size()) and writes the logits of `logit_rows`.
Status step(Model& model, PrivateCache& cache, std::span<const std::int32_t> tokens,
            std::int32_t start, std::span<const std::int32_t> logit_rows, float* logits) {
  const std::int32_t n = std::int32_t(tokens.size());
  std::vector<std::int32_t> positions(n);
  std::iota(positions.begin(), positions.end(), start);
  std::vector<std::int64_t> slots(n);
  for (std::int32_t i = 0; i < n; ++i) {
    const std::int32_t p = positions[i];
    slots[i] = std::int64_t(cache.block_table[p / cache.view.block_size]) * cache.view.block_size +
               p % cache.view.block_size;
  }
  const std::int32_t query_starts[] = {0, n};
  const std::int32_t context_lens[] = {start + n};
  ForwardBatch batch;
  batch.tokens = tokens;
  batch.positions = positions;
  batch.slots = slots;
  batch.query_starts = query_starts;
  batch.context_lens = context_lens;
  batch.block_tables = cache.block_table;
  batch.blocks_per_seq = std::int32_t(cache.block_table.size());
  batch.logits_rows = logit_rows;
  return model.forward(batch, cache.view, logits);
}

Result<std::int32_t> argmax(const float* row, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isnan(row[i])) return Status::internal("the model produced NaN logits");
    if (row[i] > row[best]) best = i;  // first maximum wins, as torch.argmax
  }
  return std::int32_t(best);
}

}  // namespace

Result<std::vector<std::int32_t>> generate_greedy(
    Model& model, std::span<const std::int32_t> prompt, const GreedyOptions& options,
    const std::function<bool(std::int32_t)>& on_token) {
  if (prompt.empty()) return Status::invalid_argument("the prompt has no tokens");
  const std::int64_t vocab = model.summary().vocab_size;
  PLEXUS_ASSIGN_OR_RETURN(
      PrivateCache cache,
      PrivateCache::make(model, std::int64_t(prompt.size()) + options.max_tokens,
                         options.block_size));
  std::vector<float> logits(static_cast<std::size_t>(vocab));
  const std::int32_t last[] = {std::int32_t(prompt.size()) - 1};
  PLEXUS_RETURN_IF_ERROR(step(model, cache, prompt, 0, last, logits.data()));
  std::vector<std::int32_t> out;
  std::int32_t position = std::int32_t(prompt.size());
  const std::int32_t first_row[] = {0};
  while (std::int32_t(out.size()) < options.max_tokens) {
    if (options.observe_logits) options.observe_logits(logits);
    PLEXUS_ASSIGN_OR_RETURN(std::int32_t next, argmax(logits.data(), vocab));
    out.push_back(next);
    const bool stop = std::find(options.stop_token_ids.begin(), options.stop_token_ids.end(),
                                next) != options.stop_token_ids.end();
    if ((on_token && !on_token(next)) || stop) break;
    if (std::int32_t(out.size()) == options.max_tokens) break;
    const std::int32_t token[] = {next};
    PLEXUS_RETURN_IF_ERROR(step(model, cache, token, position++, first_row, logits.data()));
  }
  return out;
}

Result<std::vector<float>> prefill_logits(Model& model, std::span<const std::int32_t> prompt) {
  if (prompt.empty()) return Status::invalid_argument("the prompt has no tokens");
  const std::int64_t vocab = model.summary().vocab_size;
  PLEXUS_ASSIGN_OR_RETURN(PrivateCache cache,
                          PrivateCache::make(model, std::int64_t(prompt.size()), 16));
  std::vector<std::int32_t> rows(prompt.size());
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<float> logits(prompt.size() * std::size_t(vocab));
  PLEXUS_RETURN_IF_ERROR(step(model, cache, prompt, 0, rows, logits.data()));
  return logits;
}

}  // namespace plexus::engine
