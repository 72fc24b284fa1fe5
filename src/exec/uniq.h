// uniq, uniqExact (count_distinct), uniqCombined and uniqHLL12 as ClickHouse 18.16 computes them.
//
// uniq is ClickHouse's approximate UniquesHashSet (the BJKST scheme): each row becomes a 32-bit
// hash; the set keeps the distinct hashes divisible by 2^skip_degree and raises skip_degree
// whenever more than 65,536 of them would be kept; the result scales the kept count back up
// (details at UniquesHashSet). The kept set depends only on the distinct hashes seen, never on
// their order, so partial states merged in any order (threads, -State/-Merge) give the same
// number, and that number is ClickHouse's on the same data.
//
// Per-row hashes, as ClickHouse's uniq takes them (UniqHasher in uniq.cpp):
//   one integer, Date, DateTime, DateTime64, Bool: the value widened to 64 bits (signed types
//     sign-extended), then ClickHouse's internal intHash64 (the MurmurHash3 finalizer; the SQL
//     function intHash64 XORs a constant in first, uniq does not);
//   one Float32/Float64: its bits zero-extended to 64 bits, then intHash64 (so -0.0 and 0.0, and
//     NaNs with different bits, are different values);
//   one String: CityHash64 (1.0.2) of the bytes, then intHash64; UUID: SipHash-2-4 of its 16
//     bytes in ClickHouse's memory order, then intHash64;
//   several arguments, a Tuple, a Decimal, an Array of numbers: CityHash64 of each value's raw
//     bytes (an array's: its elements' bytes), chained with Hash128to64 (no intHash64 after it);
//   anything holding an Array of non-numbers, a Nullable or a Tuple (ClickHouse: "not contiguous
//     in memory"): ClickHouse's 128-bit SipHash of the values (updateHashWithValue).
// Of each 64-bit result the low 32 bits go into the set.
//
// uniqExact is exact (a set of 64-bit identities: the value itself for one fixed-width argument,
// the hashes above otherwise), with ClickHouse's float semantics: 0.0 and -0.0 are one value
// and every NaN row counts (NaN != NaN in ClickHouse's hash set). uniqCombined and uniqHLL12 —
// exact small sets, then HyperLogLog — live in uniq_combined.h and hash with UniqHasher too.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "exec/aggregate_function.h"
#include "exec/memory_tracker.h"

namespace perch {

/// ClickHouse's UniquesHashSet: an open-addressing set of non-zero 32-bit hashes (zero is a flag),
/// placed by their high bits, linear probing, doubled when more than half full, up to 2^17
/// cells. Instances are plain values owned by one thread.
class UniquesHashSet {
 public:
  static constexpr unsigned kMaxSizeDegree = 17;
  /// At most this many hashes are kept: more raise the skip degree.
  static constexpr uint32_t kMaxSize = 1u << (kMaxSizeDegree - 1);
  /// Hashes are placed by their bits above this many low bits (the low bits are the ones the skip
  /// degree zeroes).
  static constexpr unsigned kBitsForSkip = 32 - kMaxSizeDegree;
  static constexpr unsigned kInitialSizeDegree = 4;

  UniquesHashSet() = default;
  UniquesHashSet(const UniquesHashSet& other);
  UniquesHashSet& operator=(const UniquesHashSet& other);
  ~UniquesHashSet() { delete[] heap_; }

  /// Adds one hash (ignored unless divisible by 2^skipDegree()).
  void insert(uint32_t hash) {
    if (!good(hash)) return;
    if (hash == 0) {
      if (has_zero_) return;
      has_zero_ = true;
    } else {
      uint32_t* cells = this->cells();
      const size_t mask = (size_t{1} << size_degree_) - 1;
      size_t place = (hash >> kBitsForSkip) & mask;
      while (cells[place] != 0) {
        if (cells[place] == hash) return;
        place = (place + 1) & mask;
      }
      cells[place] = hash;
    }
    if (++size_ > (1u << (size_degree_ - 1))) grow();
  }
  /// insert() for each of `count` hashes whose skip[i] is 0 (skip may be null), with the table's
  /// fields held in registers between growths.
  void insertMany(const uint32_t* hashes, size_t count, const uint8_t* skip);
  /// Adds every hash of `other` (raising the skip degree to other's first): the result is the set
  /// that inserting both sets' hashes in any order gives.
  void merge(const UniquesHashSet& other);
  /// The estimate of distinct values: exact while skipDegree() is 0, otherwise the kept count
  /// scaled by 2^skipDegree(), plus ClickHouse's pseudo-random remainder (uniqIntHash64 of the
  /// kept count), corrected for
  /// collisions among 2^32 hash values.
  uint64_t estimate() const;

  uint8_t skipDegree() const { return skip_degree_; }
  /// The number of hashes kept (zero included).
  uint32_t keptCount() const { return size_; }
  bool good(uint32_t hash) const { return (hash & skipMask()) == 0; }
  template <typename Fn>
  void forEach(Fn&& fn) const {
    if (has_zero_) fn(uint32_t{0});
    const uint32_t* cells = this->cells();
    for (size_t i = 0, n = size_t{1} << size_degree_; i < n; ++i) {
      if (cells[i] != 0) fn(cells[i]);
    }
  }

  /// Serialized form (aggregate_state.h building blocks): Pod<uint8_t> skip degree, VarUInt count,
  /// then that many Pod<uint32_t> hashes (0 for the zero hash), in no particular order.
  void write(StateWriter& out) const;
  /// Reads a value written by write() into this fresh (empty) set. A skip degree above 32, a
  /// count above kMaxSize, a hash the skip degree excludes or a repeated hash is corrupt.
  void read(StateReader& in);

 private:
  uint32_t skipMask() const { return static_cast<uint32_t>((uint64_t{1} << skip_degree_) - 1); }
  uint32_t* cells() { return heap_ ? heap_ : inline_; }
  const uint32_t* cells() const { return heap_ ? heap_ : inline_; }
  /// Doubles the table, or raises the skip degree once it holds more than kMaxSize hashes.
  void grow();
  /// Rebuilds the table with 2^size_degree cells keeping the hashes good() accepts.
  void rebuild(uint8_t size_degree);

  uint32_t size_ = 0;
  uint8_t size_degree_ = kInitialSizeDegree;
  uint8_t skip_degree_ = 0;
  bool has_zero_ = false;
  uint32_t* heap_ = nullptr;  // the cells once they outgrow inline_
  MemoryCharge charge_;       // heap_'s bytes, charged to the query before they are allocated
  uint32_t inline_[1u << kInitialSizeDegree] = {};
};

/// ClickHouse's internal intHash64 (DefaultHash<UInt64>): the MurmurHash3 64-bit finalizer. It hashes
/// uniq's numbers, and picks the estimate's remainder: ClickHouse's intHashCRC32 falls back to it in
/// builds without SSE4.2, such as the 18.16 Debian package the results were checked against.
uint64_t uniqIntHash64(uint64_t x);

/// ClickHouse's sipHash64 (SipHash-2-4, zero key) of `size` bytes.
uint64_t clickhouseSipHash64(const char* data, size_t size);

/// How the uniq family turns the rows of one argument list into 64-bit values (the table at the
/// top of this file). Immutable after construction; shared by threads.
class UniqHasher {
 public:
  enum class Mode {
    kNumber,  // one fixed-width argument: the caller reads its values (uniqWiden)
    kString,  // one String: CityHash64 (uniq applies intHash64 after it)
    kUuid,    // one UUID: sipHash64 (uniq applies intHash64 after it)
    kChain,   // several contiguous values, a Decimal, an Array of numbers: CityHash64 chained with Hash128to64
    kSip,     // anything else: the low half of ClickHouse's 128-bit SipHash
  };

  /// Throws kBadRequest naming `name` for no arguments or an argument it cannot hash.
  UniqHasher(std::string_view name, std::span<const DataType> types);

  Mode mode() const { return mode_; }
  /// The 64-bit value of each row for every mode but kNumber (which writes nothing).
  void hashRows(std::span<const ColumnPtr> args, size_t rows, uint64_t* out) const;

 private:
  static void checkHashable(std::string_view name, const DataType& type);

  Mode mode_ = Mode::kNumber;
  bool tuple_ = false;  // one Tuple argument: its elements are the values
};

/// A fixed-width value widened to 64 bits as ClickHouse's uniq family takes it: integers converted
/// (signed ones sign-extended), floats' bits zero-extended.
template <typename T>
uint64_t uniqWiden(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    return bits;
  } else {
    return static_cast<uint64_t>(value);
  }
}

/// The column type a kNumber argument is read as (Nothing: one byte per row).
inline DataType uniqNumberType(const DataType& type) { return type.id() == TypeId::kNothing ? DataType(TypeId::kUInt8) : type; }

/// A per-thread buffer of at least `rows` values for one batch's hashes: valid until the next call
/// for the same T on the same thread.
template <typename T>
std::vector<T>& uniqScratch(size_t rows) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < rows) buffer.resize(rows);
  return buffer;
}

/// uniq's 32-bit hash of each of `rows` numbers of a kNumber argument: the low half of intHash64 of
/// the widened value (uniqCombined keys numbers by it too).
void uniqNumberHashes32(const DataType& type, const Column& column, size_t rows, uint32_t* out);

enum class UniqKind { kApproximate, kExact };

/// uniq (kApproximate) or uniqExact (kExact) over `types` (non-Nullable: the Nullable adapter
/// strips them); throws kBadRequest naming `name` for argument types it cannot hash.
AggregateFunctionPtr createUniq(std::string_view name, UniqKind kind, std::span<const DataType> types);

}  // namespace perch
