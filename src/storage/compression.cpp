#include "storage/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <stdexcept>

#include "storage/byte_io.h"

namespace perch::storage {

std::string_view codecName(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "NONE";
    case Codec::kLZ4: return "LZ4";
    case Codec::kZSTD: return "ZSTD";
  }
  return "?";
}

namespace {

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::optional<Codec> parseOneCodec(std::string_view text) {
  text = trimSpaces(text);
  if (text == "NONE") return Codec::kNone;
  if (text == "LZ4" || text == "LZ4HC" || text.starts_with("LZ4HC(")) return Codec::kLZ4;
  if (text == "ZSTD" || text.starts_with("ZSTD(")) return Codec::kZSTD;
  return std::nullopt;
}

}  // namespace

std::optional<Codec> parseCodec(std::string_view text) {
  text = trimSpaces(text);
  if (text.starts_with("CODEC(") && text.ends_with(")")) text = text.substr(6, text.size() - 7);
  // A chain such as "Delta(4), ZSTD(1)": the last general-purpose codec decides the compression
  // (the preprocessing codecs are not implemented and are skipped).
  std::optional<Codec> result;
  size_t depth = 0, start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '(') ++depth;
    if (i < text.size() && text[i] == ')' && depth > 0) --depth;
    if (i < text.size() && (text[i] != ',' || depth > 0)) continue;
    if (auto codec = parseOneCodec(text.substr(start, i - start))) result = codec;
    start = i + 1;
  }
  return result;
}

std::string compressBlock(Codec codec, std::string_view raw) {
  if (raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) throw std::length_error("block larger than 2 GB");
  std::string out;
  switch (codec) {
    case Codec::kNone:
      out.assign(raw);
      break;
    case Codec::kLZ4: {
      out.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw.size()))));
      const int size = LZ4_compress_default(raw.data(), out.data(), static_cast<int>(raw.size()), static_cast<int>(out.size()));
      if (size <= 0 && !raw.empty()) throw std::runtime_error("LZ4 compression failed");
      out.resize(static_cast<size_t>(size));
      break;
    }
    case Codec::kZSTD: {
      out.resize(ZSTD_compressBound(raw.size()));
      const size_t size = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3);
      if (ZSTD_isError(size)) throw std::runtime_error(std::string("ZSTD compression failed: ") + ZSTD_getErrorName(size));
      out.resize(size);
      break;
    }
  }
  return out;
}

std::string decompressBlock(Codec codec, std::string_view compressed, size_t raw_size) {
  std::string out;
  decompressBlockInto(codec, compressed, raw_size, out);
  return out;
}

void decompressBlockInto(Codec codec, std::string_view compressed, size_t raw_size, std::string& out) {
  switch (codec) {
    case Codec::kNone:
      if (compressed.size() != raw_size) throw CorruptDataError("uncompressed block has the wrong size");
      out.assign(compressed);
      break;
    case Codec::kLZ4: {
      if (raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) throw CorruptDataError("LZ4 block size is implausible");
      out.resize(raw_size);
      const int size = LZ4_decompress_safe(compressed.data(), out.data(), static_cast<int>(compressed.size()), static_cast<int>(raw_size));
      if (size < 0 || static_cast<size_t>(size) != raw_size) throw CorruptDataError("LZ4 block does not decompress to its recorded size");
      break;
    }
    case Codec::kZSTD: {
      out.resize(raw_size);
      const size_t size = ZSTD_decompress(out.data(), raw_size, compressed.data(), compressed.size());
      if (ZSTD_isError(size) || size != raw_size) throw CorruptDataError("ZSTD block does not decompress to its recorded size");
      break;
    }
    default:
      throw CorruptDataError("unknown codec " + std::to_string(static_cast<int>(codec)));
  }
}

}  // namespace perch::storage
