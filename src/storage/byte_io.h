// Little-endian byte writing and bounds-checked reading for the on-disk formats (WAL records,
// part blocks and footers), plus the checksum they all use.
//
// ByteReader never reads past its buffer: a short or malformed input throws CorruptDataError,
// which the callers turn into an error naming the file and offset. Values are stored in the
// machine's byte order, which the formats document as little-endian (x86-64 and AArch64).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <zlib.h>

namespace perch::storage {

/// Input that does not parse (bad length, value out of range, short buffer).
class CorruptDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// CRC-32 (zlib polynomial) of `data`.
inline uint32_t checksum(std::string_view data, uint32_t seed = 0) {
  uLong crc = seed;
  while (!data.empty()) {
    const size_t chunk = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(chunk));
    data.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  template <typename T>
  void put(T value) {
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void putVarint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void putBytes(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  /// A varint length followed by the bytes.
  void putString(std::string_view value) {
    putVarint(value.size());
    out_.append(value);
  }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  template <typename T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  uint64_t getVarint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t byte = get<uint8_t>();
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw CorruptDataError("varint longer than 10 bytes");
  }
  std::string_view getString() { return take(getVarint()); }
  std::string_view take(uint64_t size) {
    if (size > data_.size() - position_) {
      throw CorruptDataError("needs " + std::to_string(size) + " bytes at offset " + std::to_string(position_) +
                             ", only " + std::to_string(data_.size() - position_) + " left");
    }
    std::string_view result = data_.substr(position_, size);
    position_ += size;
    return result;
  }
  size_t position() const { return position_; }
  size_t remaining() const { return data_.size() - position_; }
  bool atEnd() const { return position_ == data_.size(); }

 private:
  std::string_view data_;
  size_t position_ = 0;
};

}  // namespace perch::storage
