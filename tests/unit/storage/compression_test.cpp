#include "storage/compression.h"

#include <gtest/gtest.h>

#include "storage/byte_io.h"

namespace perch::storage {
namespace {

std::string sample(size_t size, char seed) {
  std::string raw(size, '\0');
  for (size_t i = 0; i < size; ++i) raw[i] = static_cast<char>(seed + (i * 31 + i / 7) % 53);
  return raw;
}

// Part reads decompress every block into one reused per-thread buffer: a smaller block after a
// larger one, and blocks of every codec, must come out exactly, with nothing of the previous block
// left behind.
TEST(Compression, ReusedBufferHoldsExactlyTheLatestBlock) {
  std::string buffer;
  for (const Codec codec : {Codec::kLZ4, Codec::kZSTD, Codec::kNone}) {
    for (const size_t size : {size_t{1} << 20, size_t{1000}, size_t{0}, size_t{70000}}) {
      const std::string raw = sample(size, static_cast<char>('a' + size % 7));
      const std::string compressed = compressBlock(codec, raw);
      decompressBlockInto(codec, compressed, raw.size(), buffer);
      ASSERT_EQ(buffer, raw) << codecName(codec) << " " << size;
      EXPECT_EQ(decompressBlock(codec, compressed, raw.size()), raw);
    }
  }
}

TEST(Compression, WrongRecordedSizeIsCorruptData) {
  const std::string raw = sample(5000, 'x');
  std::string buffer = "left over";
  for (const Codec codec : {Codec::kLZ4, Codec::kZSTD, Codec::kNone}) {
    const std::string compressed = compressBlock(codec, raw);
    EXPECT_THROW(decompressBlockInto(codec, compressed, raw.size() + 1, buffer), CorruptDataError) << codecName(codec);
    EXPECT_THROW(decompressBlockInto(codec, compressed, raw.size() - 1, buffer), CorruptDataError) << codecName(codec);
  }
}

}  // namespace
}  // namespace perch::storage
