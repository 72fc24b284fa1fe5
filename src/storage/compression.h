// Block compression for part files. LZ4 is the default (fast to decode, which is what scans pay
// for); ZSTD trades write speed for size and is selectable per column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perch::storage {

enum class Codec : uint8_t { kNone = 0, kLZ4 = 1, kZSTD = 2 };

/// "NONE", "LZ4" or "ZSTD".
std::string_view codecName(Codec codec);
/// The compression of a ClickHouse codec spec such as "ZSTD(3)", "CODEC(Delta, LZ4)" or "LZ4HC"
/// (levels ignored, preprocessing codecs skipped); nullopt if it names none.
std::optional<Codec> parseCodec(std::string_view text);

/// Compresses `raw` with `codec`.
std::string compressBlock(Codec codec, std::string_view raw);
/// Decompresses a block that decompresses to exactly `raw_size` bytes; throws CorruptDataError otherwise.
std::string decompressBlock(Codec codec, std::string_view compressed, size_t raw_size);
/// The same into `out` (resized to raw_size; a reused buffer is not cleared first, which spares
/// the zero fill of every block a scan decompresses).
void decompressBlockInto(Codec codec, std::string_view compressed, size_t raw_size, std::string& out);

}  // namespace perch::storage
