#include "manifest/byte_size.h"

#include <gtest/gtest.h>

namespace plexus {
namespace {

std::uint64_t bytes_of(std::string_view text) {
  Result<std::uint64_t> r = parse_byte_size(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().to_string();
  return r.ok() ? *r : 0;
}

TEST(ByteSize, BinaryAndDecimalUnits) {
  EXPECT_EQ(bytes_of("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(bytes_of("512MiB"), 512ull * 1024 * 1024);
  EXPECT_EQ(bytes_of("1.5GB"), 1'500'000'000ull);
  EXPECT_EQ(bytes_of("1.5GiB"), 1'610'612'736ull);
  EXPECT_EQ(bytes_of("4k"), 4096u);
  EXPECT_EQ(bytes_of("4 KiB"), 4096u);
  EXPECT_EQ(bytes_of("3kb"), 3000u);
  EXPECT_EQ(bytes_of("1TB"), 1'000'000'000'000ull);
  EXPECT_EQ(bytes_of("2T"), 2ull << 40);
  EXPECT_EQ(bytes_of("1024"), 1024u);
  EXPECT_EQ(bytes_of("1024B"), 1024u);
  EXPECT_EQ(bytes_of("0.5KiB"), 512u);
  // A fraction of a byte is dropped, not rounded up.
  EXPECT_EQ(bytes_of("1.9"), 1u);
}

TEST(ByteSize, LimitsOf64Bits) {
  EXPECT_EQ(bytes_of("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(bytes_of("00000000000000000000000000001KiB"), 1024u);
  EXPECT_EQ(bytes_of("16777215.99999999999999999999TiB"), 18446744073709551615ull);
  for (std::string_view too_big :
       {"18446744073709551616", "16777216TiB", "99999999999999999999999999GiB"}) {
    Result<std::uint64_t> r = parse_byte_size(too_big);
    ASSERT_FALSE(r.ok()) << too_big;
    EXPECT_EQ(r.status().message(), "is too large: sizes must be below 16EiB (2^64 bytes)");
  }
}

TEST(ByteSize, RejectsWhatIsNotASize) {
  for (std::string_view bad :
       {"", "GiB", "-1", "1e9", "1.GiB", ".5GiB", "2 gigs", "2GiB ", " 2GiB", "2iB", "2PiB"}) {
    Result<std::uint64_t> r = parse_byte_size(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
  }
}

TEST(ByteSize, FormatIsExactAndParsesBack) {
  EXPECT_EQ(format_byte_size(2ull << 30), "2GiB");
  EXPECT_EQ(format_byte_size(1536ull << 10), "1536KiB");
  EXPECT_EQ(format_byte_size(1'500'000'000ull), "1500000000");
  EXPECT_EQ(format_byte_size(0), "0");
  for (std::uint64_t v :
       std::initializer_list<std::uint64_t>{1, 1000, 1024, 3ull << 40, 1'610'612'736, UINT64_MAX}) {
    EXPECT_EQ(bytes_of(format_byte_size(v)), v) << v;
  }
}

}  // namespace
}  // namespace plexus
