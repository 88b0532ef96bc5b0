// The identity of a full KV block's content for prefix caching.
//
// A block's hash chains over its parent's hash, the request's cache salt and the block's token
// ids, so equal hashes mean equal prefixes (not just equal blocks), and requests with different
// salts (tenants) never share blocks. SHA-256 keeps deliberate collisions out of reach; the
// BlockKey kept beside each cached block lets a hit be checked input by input, so even a
// collision (or a weak test hasher) can only cause a miss, never a wrong hit.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/status.h"

namespace plexus {

struct BlockHash {
  std::array<std::uint8_t, 32> bytes{};
  friend bool operator==(const BlockHash&, const BlockHash&) = default;
};

// Everything a block's hash was computed from; compared on a hit as the collision guard.
struct BlockKey {
  std::optional<BlockHash> parent;  // none for a request's first block
  std::string salt;
  std::vector<std::int32_t> tokens;
  friend bool operator==(const BlockKey&, const BlockKey&) = default;
};

// Computes a block's hash from its inputs. Tests swap in weak hashers to force collisions.
using BlockHasher =
    std::function<Result<BlockHash>(const std::optional<BlockHash>& parent, std::string_view salt,
                                    std::span<const std::int32_t> tokens)>;

// SHA-256 over an unambiguous encoding: a parent flag and the parent hash, the salt's length and
// bytes, the token count and the token ids (little-endian). Fails only if OpenSSL does.
Result<BlockHash> sha256_block_hash(const std::optional<BlockHash>& parent, std::string_view salt,
                                    std::span<const std::int32_t> tokens);

}  // namespace plexus

template <>
struct std::hash<plexus::BlockHash> {
  std::size_t operator()(const plexus::BlockHash& h) const noexcept {
    std::size_t v;  // the bytes are already uniformly distributed
    std::memcpy(&v, h.bytes.data(), sizeof(v));
    return v;
  }
};
