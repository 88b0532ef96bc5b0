#include "normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <utility>

namespace plexus::tokenizer {
namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(const icu::Normalizer2* impl) : impl_(impl) {}
  void normalize(std::string& text) const override {
    bool ascii = true;
    for (const char c : text) ascii &= static_cast<unsigned char>(c) < 0x80;
    if (ascii) return;  // every normal form leaves ASCII as it is
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString in = icu::UnicodeString::fromUTF8(text);
    if (impl_->isNormalized(in, status) && U_SUCCESS(status)) return;
    status = U_ZERO_ERROR;
    const icu::UnicodeString out = impl_->normalize(in, status);
    if (U_FAILURE(status)) return;  // leave the text as it was; ICU fails only on memory
    text.clear();
    out.toUTF8String(text);
  }

 private:
  const icu::Normalizer2* impl_;  // owned by ICU, lives for the process
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    if (pattern_.empty() || text.find(pattern_) == std::string::npos) return;
    std::string out;
    out.reserve(text.size() + text.size() / 2);
    std::size_t pos = 0;
    while (true) {
      const std::size_t hit = text.find(pattern_, pos);
      if (hit == std::string::npos) break;
      out.append(text, pos, hit - pos);
      out += content_;
      pos = hit + pattern_.size();
    }
    out.append(text, pos, std::string::npos);
    text = std::move(out);
  }

 private:
  std::string pattern_, content_;
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> make_unicode_normalizer(UnicodeForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* impl = nullptr;
  switch (form) {
    case UnicodeForm::kNfc:
      impl = icu::Normalizer2::getNFCInstance(status);
      break;
    case UnicodeForm::kNfkc:
      impl = icu::Normalizer2::getNFKCInstance(status);
      break;
    case UnicodeForm::kNfd:
      impl = icu::Normalizer2::getNFDInstance(status);
      break;
    case UnicodeForm::kNfkd:
      impl = icu::Normalizer2::getNFKDInstance(status);
      break;
  }
  if (U_FAILURE(status) || impl == nullptr) {
    return Status::internal(std::string("ICU has no Unicode normalizer: ") + u_errorName(status));
  }
  return std::unique_ptr<Normalizer>(new UnicodeNormalizer(impl));
}

std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix) {
  return std::make_unique<PrependNormalizer>(std::move(prefix));
}

std::unique_ptr<Normalizer> make_replace_normalizer(std::string pattern, std::string content) {
  return std::make_unique<ReplaceNormalizer>(std::move(pattern), std::move(content));
}

std::unique_ptr<Normalizer> make_sequence_normalizer(
    std::vector<std::unique_ptr<Normalizer>> steps) {
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

}  // namespace plexus::tokenizer
