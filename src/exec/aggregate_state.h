// Serialized aggregate function states: the bytes of one `AggregateFunction(f, T...)` value, as
// `fState(...)` produces them and `fMerge(...)` / `finalizeAggregation(...)` read them.
//
// Format (one value): a format-version byte (kStateFormatVersion), then the function's state as
// its `serialize` writes it, and nothing after it. Building blocks, all little-endian:
//   VarUInt   LEB128, at most 10 bytes (counts, lengths, count()'s state);
//   Pod<T>    sizeof(T) raw bytes (sums, numeric values, uniq's 32-bit hashes);
//   Bool      one byte, 0 or 1;
//   Bytes     VarUInt length, then that many bytes (strings).
// A state is as small as its content: count() is 1-2 bytes, sum 8, uniq 4 per kept hash (at most
// 65,536: UniquesHashSet::write in uniq.h), uniqExact 8 per distinct value, uniqCombined and
// uniqHLL12 4 or 8 per key while they count exactly, then 2-4 per non-zero HyperLogLog register
// (CardinalityEstimator::write in uniq_combined.h).
//
// The format is Perch's own: it is NOT byte-compatible with ClickHouse's states (a state written
// by ClickHouse cannot be read here, nor the other way round). Reading is bounds-checked: a
// truncated, padded or foreign value throws perch::Error (kBadRequest) naming the problem, never
// reads past the value, and never allocates more than the value's size could justify.
//
// Thread-safety: writers and readers are plain values used by one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace perch {

inline constexpr uint8_t kStateFormatVersion = 1;

class StateWriter {
 public:
  explicit StateWriter(std::string& out) : out_(out) {}

  void writeVarUInt(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  template <typename T>
  void writePod(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  /// `width` raw bytes (a fixed-width value whose C++ type the caller erased).
  void writeRaw(const void* data, size_t width) {
    if (width) out_.append(static_cast<const char*>(data), width);
  }
  void writeBool(bool value) { out_.push_back(value ? 1 : 0); }
  void writeBytes(std::string_view bytes) {
    writeVarUInt(bytes.size());
    out_.append(bytes);
  }

 private:
  std::string& out_;
};

class StateReader {
 public:
  /// `context` names the state in error messages, e.g. "AggregateFunction(sum, UInt64)".
  StateReader(std::string_view bytes, std::string_view context) : bytes_(bytes), context_(context) {}

  uint64_t readVarUInt();
  template <typename T>
  T readPod() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    readRaw(&value, sizeof(T));
    return value;
  }
  void readRaw(void* out, size_t width) {
    need(width);
    if (width) std::memcpy(out, bytes_.data() + position_, width);
    position_ += width;
  }
  bool readBool();
  std::string_view readBytes() {
    const uint64_t size = readVarUInt();
    need(size);
    const std::string_view bytes = bytes_.substr(position_, size);
    position_ += size;
    return bytes;
  }
  /// A count of elements that each take at least `min_element_bytes`: a count the remaining
  /// bytes cannot hold is corrupt (so callers may reserve() it safely).
  uint64_t readCount(size_t min_element_bytes);
  /// Throws unless every byte was read.
  void finish() const;

  [[noreturn]] void corrupt(std::string_view problem) const;

 private:
  void need(uint64_t size) const {
    if (size > bytes_.size() - position_) corrupt("it ends too early");
  }

  std::string_view bytes_;
  std::string_view context_;
  size_t position_ = 0;
};

}  // namespace perch
