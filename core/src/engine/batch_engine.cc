#include "engine/batch_engine.h"

#include <algorithm>

namespace plexus::engine {

BatchEngine::BatchEngine(Model& model, BatchEngineConfig config, KvCacheStorage storage,
                         KvCacheManager cache)
    : model_(&model),
      config_(std::move(config)),
      storage_(std::make_unique<KvCacheStorage>(std::move(storage))),
      cache_(std::make_unique<KvCacheManager>(std::move(cache))),
      scheduler_(std::make_unique<Scheduler>(config_.scheduler, *cache_)) {}

Result<BatchEngine> BatchEngine::create(Model& model, BatchEngineConfig config) {
  PLEXUS_ASSIGN_OR_RETURN(
      KvCacheStorage storage,
      KvCacheStorage::allocate(model.kv_layout(), config.num_blocks, config.block_size));
  KvCacheOptions options;
  options.num_blocks = config.num_blocks;
  options.block_size = config.block_size;
  options.enable_prefix_caching = config.prefix_caching;
  PLEXUS_ASSIGN_OR_RETURN(KvCacheManager cache, KvCacheManager::create(std::move(options)));
  return BatchEngine(model, std::move(config), std::move(storage), std::move(cache));
}

Status BatchEngine::check(std::span<const std::int32_t> prompt,
                          const SamplingParams& params) const {
  const auto vocab = std::int32_t(model_->summary().vocab_size);
  // Admission first: over the context, the message names both the prompt's and max_tokens'
  // counts (validate() alone would only know max_tokens).
  PLEXUS_RETURN_IF_ERROR(
      scheduler_->check_admission(std::int64_t(prompt.size()), params.max_tokens));
  PLEXUS_RETURN_IF_ERROR(validate(params, vocab, int(config_.scheduler.max_model_len)));
  if (!params.stop.empty() && config_.tokenizer == nullptr) {
    return Status::invalid_argument("stop strings need the model's tokenizer, and none is loaded");
  }
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    if (prompt[i] < 0 || prompt[i] >= vocab) {
      return Status::invalid_argument("prompt token " + std::to_string(i) + " is " +
                                      std::to_string(prompt[i]) + ", outside the vocabulary [0, " +
                                      std::to_string(vocab) + ")");
    }
  }
  return Status();
}

Status BatchEngine::add(RequestId id, std::vector<std::int32_t> prompt, SamplingParams params,
                        int index, std::string cache_salt) {
  PLEXUS_RETURN_IF_ERROR(check(prompt, params));
  PLEXUS_RETURN_IF_ERROR(
      scheduler_->add(id, std::move(prompt), params.max_tokens, std::move(cache_salt)));
  Request r{params, sampling::SamplingRng::for_sequence(params.seed, index), nullptr, {}, false};
  if (config_.tokenizer) r.detokenizer = config_.tokenizer->make_detokenizer(true);
  if (!params.stop.empty()) r.stops.emplace(params.stop);
  requests_.emplace(id, std::move(r));
  return Status();
}

std::optional<sampling::FinishReason> BatchEngine::finish_check(Request& r, std::int32_t token,
                                                                std::size_t before,
                                                                SampledOutput& out,
                                                                std::string& tail,
                                                                std::string& stop) {
  auto reason =
      sampling::finish_after_token(r.params, {token, before, false}, config_.eos_token_ids);
  // A stopping token (EOS, a stop id) ends the output and adds no text.
  if (reason == sampling::FinishReason::kStop || !r.detokenizer) return reason;
  const bool may_stop = sampling::may_stop(r.params, before);
  auto emit = [&](const std::string& piece, std::string& into) {
    if (!r.stops) {
      into += piece;
      return;
    }
    auto update = r.stops->append(piece, may_stop);
    into += update.emit;
    if (update.stopped) {
      reason = sampling::FinishReason::kStop;
      stop = *r.stops->matched();
    }
  };
  emit(r.detokenizer->feed(token), out.text);
  if (reason && reason != sampling::FinishReason::kStop) {
    // Ending for length: what the detokenizer and the stop checker held back is final now.
    emit(r.detokenizer->finish(), tail);
    if (r.stops && reason != sampling::FinishReason::kStop) tail += r.stops->flush();
  }
  return reason;
}

void BatchEngine::abort(RequestId id) {
  scheduler_->abort(id);
  requests_.erase(id);
}

Result<StepOutput> BatchEngine::step() {
  PLEXUS_ASSIGN_OR_RETURN(StepPlan plan, scheduler_->schedule());
  StepOutput out;
  std::vector<FinishedRequest>& finished = out.finished;
  if (plan.chunks.empty()) return out;
  for (const ScheduledChunk& c : plan.chunks) {
    Request& r = requests_.at(c.id);
    if (!r.started) out.started.emplace_back(c.id, c.first_position);
    r.started = true;
  }

  // The ForwardBatch: the chunks' tokens concatenated, each sequence's block table padded to
  // the longest one.
  std::vector<std::int32_t> tokens, positions, query_starts{0}, context_lens, tables, rows;
  std::vector<std::int64_t> slots;
  std::size_t blocks_per_seq = 0;
  for (const ScheduledChunk& c : plan.chunks) {
    blocks_per_seq = std::max(blocks_per_seq, cache_->block_table(c.id).size());
  }
  for (const ScheduledChunk& c : plan.chunks) {
    const SequenceState& s = *scheduler_->find(c.id);
    for (std::int64_t p = c.first_position; p < c.first_position + c.num_tokens; ++p) {
      tokens.push_back(s.tokens[std::size_t(p)]);
      positions.push_back(std::int32_t(p));
    }
    PLEXUS_ASSIGN_OR_RETURN(std::vector<std::int64_t> chunk_slots,
                            cache_->slots_for(c.id, c.first_position, c.num_tokens));
    slots.insert(slots.end(), chunk_slots.begin(), chunk_slots.end());
    query_starts.push_back(std::int32_t(tokens.size()));
    context_lens.push_back(std::int32_t(c.first_position + c.num_tokens));
    const auto table = cache_->block_table(c.id);
    tables.insert(tables.end(), table.begin(), table.end());
    tables.resize(tables.size() + (blocks_per_seq - table.size()), 0);
    if (c.wants_logits) rows.push_back(std::int32_t(tokens.size()) - 1);
  }
  ForwardBatch batch;
  batch.tokens = tokens;
  batch.positions = positions;
  batch.slots = slots;
  batch.query_starts = query_starts;
  batch.context_lens = context_lens;
  batch.block_tables = tables;
  batch.blocks_per_seq = std::int32_t(blocks_per_seq);
  batch.logits_rows = rows;
  const std::size_t vocab = std::size_t(model_->summary().vocab_size);
  logits_.resize(rows.size() * vocab);
  PLEXUS_RETURN_IF_ERROR(model_->forward(batch, storage_->view(), logits_.data()));
  PLEXUS_RETURN_IF_ERROR(scheduler_->complete(plan));

  std::size_t row = 0;
  for (const ScheduledChunk& c : plan.chunks) {
    if (!c.wants_logits) continue;
    const std::span<const float> logits(logits_.data() + row++ * vocab, vocab);
    const SequenceState& s = *scheduler_->find(c.id);
    Request& r = requests_.at(c.id);
    const std::span<const std::int32_t> all(s.tokens);
    sampling::SequenceContext context{all.first(std::size_t(s.num_prompt_tokens)),
                                      all.subspan(std::size_t(s.num_prompt_tokens)),
                                      config_.eos_token_ids};
    auto sampled = sampling::sample_token(logits, r.params, context, r.rng);
    if (!sampled.ok()) {
      // This request alone ends: its row was NaN/inf or had nothing left to sample.
      FinishedRequest f;
      f.id = c.id;
      f.output_ids.assign(all.begin() + s.num_prompt_tokens, all.end());
      f.reason = sampling::FinishReason::kError;
      f.error = sampled.status();
      f.num_prompt_tokens = s.num_prompt_tokens;
      finished.push_back(std::move(f));
      abort(c.id);
      continue;
    }
    const std::size_t before = std::size_t(s.num_output_tokens());
    PLEXUS_RETURN_IF_ERROR(scheduler_->append_token(c.id, sampled->token));
    SampledOutput& sample = out.tokens.emplace_back();
    sample.id = c.id;
    sample.token = sampled->token;
    if (sampled->logprob) {
      TokenLogprobs lp{sampled->token, *sampled->logprob, {}};
      for (const auto& t : sampled->top_logprobs) lp.top.emplace_back(t.token, t.logprob);
      sample.logprobs = std::move(lp);
    }
    std::string tail, stop;
    const auto reason = finish_check(r, sampled->token, before, sample, tail, stop);
    if (reason) {
      const SequenceState& done = *scheduler_->find(c.id);
      FinishedRequest f;
      f.id = c.id;
      f.output_ids.assign(done.tokens.begin() + done.num_prompt_tokens, done.tokens.end());
      f.reason = *reason;
      f.text_tail = std::move(tail);
      f.stop_string = std::move(stop);
      f.num_prompt_tokens = done.num_prompt_tokens;
      finished.push_back(std::move(f));
      abort(c.id);
    }
  }
  return out;
}

}  // namespace plexus::engine
