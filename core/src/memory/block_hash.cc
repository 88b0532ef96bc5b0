#include "memory/block_hash.h"

#include <openssl/evp.h>

#include <memory>

namespace plexus {
namespace {

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

Result<BlockHash> sha256_block_hash(const std::optional<BlockHash>& parent, std::string_view salt,
                                    std::span<const std::int32_t> tokens) {
  // Length prefixes keep the encoding injective: no (salt, tokens) pair can masquerade as another.
  std::vector<std::uint8_t> message;
  message.reserve(1 + 32 + 8 + salt.size() + 8 + 4 * tokens.size());
  message.push_back(parent ? 1 : 0);
  const BlockHash zero{};
  const BlockHash& p = parent ? *parent : zero;
  message.insert(message.end(), p.bytes.begin(), p.bytes.end());
  append_u64(message, salt.size());
  message.insert(message.end(), salt.begin(), salt.end());
  append_u64(message, tokens.size());
  for (std::int32_t t : tokens) {
    const auto u = static_cast<std::uint32_t>(t);
    for (int i = 0; i < 4; ++i) message.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
  }

  BlockHash out;
  unsigned int len = 0;
  if (EVP_Digest(message.data(), message.size(), out.bytes.data(), &len, EVP_sha256(), nullptr) !=
          1 ||
      len != out.bytes.size()) {
    return Status::internal("OpenSSL SHA-256 failed while hashing a KV cache block");
  }
  return out;
}

}  // namespace plexus
