// uniq and uniqExact (see uniq.h for what they compute and how each type is hashed), the hashing
// the whole uniq family shares (UniqHasher), and the family over NULL.
#include "exec/uniq.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "exec/hash_functions.h"
#include "exec/hash_table.h"
#include "exec/kernel_loops.h"

namespace perch {

// hash_table.h's hashInt is the same MurmurHash3 finalizer (UniquesHashSet.ClickHouseHashPrimitives
// pins the values ClickHouse gives).
uint64_t uniqIntHash64(uint64_t x) { return hashInt(x); }

// ---- UniquesHashSet -----------------------------------------------------------------------

namespace {
constexpr const char* kChargeName = "uniq hash set";
}  // namespace

UniquesHashSet::UniquesHashSet(const UniquesHashSet& other) { *this = other; }

UniquesHashSet& UniquesHashSet::operator=(const UniquesHashSet& other) {
  if (this == &other) return *this;
  charge_.set(other.heap_ ? (size_t{1} << other.size_degree_) * sizeof(uint32_t) : 0, kChargeName);
  delete[] heap_;
  heap_ = nullptr;
  size_ = other.size_;
  size_degree_ = other.size_degree_;
  skip_degree_ = other.skip_degree_;
  has_zero_ = other.has_zero_;
  const size_t cells = size_t{1} << size_degree_;
  if (other.heap_) heap_ = new uint32_t[cells];
  std::memcpy(this->cells(), other.cells(), cells * sizeof(uint32_t));
  return *this;
}

void UniquesHashSet::rebuild(uint8_t size_degree) {
  const size_t old_cells = size_t{1} << size_degree_;
  const size_t new_cells = size_t{1} << size_degree;
  // Charged first: past the memory limit this throws with the set unchanged. (The old cells are
  // freed at the end; for that moment both exist, as in any growth.)
  charge_.set(size_degree > kInitialSizeDegree ? new_cells * sizeof(uint32_t) : 0, kChargeName);
  uint32_t inline_copy[1u << kInitialSizeDegree];
  uint32_t* old_heap = heap_;
  const uint32_t* old = old_heap;
  if (!old_heap) {
    std::memcpy(inline_copy, inline_, sizeof(inline_));
    old = inline_copy;
  }
  heap_ = size_degree > kInitialSizeDegree ? new uint32_t[new_cells]() : nullptr;
  if (!heap_) std::memset(inline_, 0, sizeof(inline_));
  size_degree_ = size_degree;
  uint32_t* fresh = cells();
  const size_t mask = new_cells - 1;
  size_ = has_zero_ ? 1 : 0;
  for (size_t i = 0; i < old_cells; ++i) {
    const uint32_t hash = old[i];
    if (hash == 0 || !good(hash)) continue;
    size_t place = (hash >> kBitsForSkip) & mask;
    while (fresh[place] != 0) place = (place + 1) & mask;
    fresh[place] = hash;
    ++size_;
  }
  delete[] old_heap;
}

void UniquesHashSet::grow() {
  if (size_ <= kMaxSize) {
    rebuild(static_cast<uint8_t>(size_degree_ + 1));
    return;
  }
  // Raise the skip degree until at most kMaxSize hashes stay (zero always stays).
  do {
    ++skip_degree_;
    uint32_t kept = has_zero_ ? 1 : 0;
    forEach([&](uint32_t hash) { kept += hash != 0 && good(hash); });
    size_ = kept;
  } while (size_ > kMaxSize);
  rebuild(size_degree_);
}

void UniquesHashSet::insertMany(const uint32_t* hashes, size_t count, const uint8_t* skip) {
  uint32_t* cells = this->cells();
  size_t mask = (size_t{1} << size_degree_) - 1;
  uint32_t skip_mask = skipMask();
  uint32_t limit = 1u << (size_degree_ - 1);
  uint32_t size = size_;
  for (size_t i = 0; i < count; ++i) {
    const uint32_t hash = hashes[i];
    if ((skip && skip[i]) || (hash & skip_mask) != 0) continue;
    if (hash == 0) {
      if (has_zero_) continue;
      has_zero_ = true;
    } else {
      size_t place = (hash >> kBitsForSkip) & mask;
      bool found = false;
      while (cells[place] != 0) {
        if (cells[place] == hash) {
          found = true;
          break;
        }
        place = (place + 1) & mask;
      }
      if (found) continue;
      cells[place] = hash;
    }
    if (++size > limit) {
      size_ = size;
      grow();
      cells = this->cells();
      mask = (size_t{1} << size_degree_) - 1;
      skip_mask = skipMask();
      limit = 1u << (size_degree_ - 1);
      size = size_;
    }
  }
  size_ = size;
}

void UniquesHashSet::merge(const UniquesHashSet& other) {
  if (other.skip_degree_ > skip_degree_) {
    skip_degree_ = other.skip_degree_;
    rebuild(size_degree_);
  }
  other.forEach([&](uint32_t hash) { insert(hash); });
}

uint64_t UniquesHashSet::estimate() const {
  if (skip_degree_ == 0) return size_;
  uint64_t scaled = static_cast<uint64_t>(size_) << skip_degree_;
  scaled += uniqIntHash64(size_) & ((uint64_t{1} << skip_degree_) - 1);
  // How many distinct values, scattered over 2^32 hash values, fill `scaled` of them on average.
  const double p32 = 4294967296.0;
  return static_cast<uint64_t>(std::round(p32 * (std::log(p32) - std::log(p32 - static_cast<double>(scaled)))));
}

void UniquesHashSet::write(StateWriter& out) const {
  out.writePod(skip_degree_);
  out.writeVarUInt(size_);
  forEach([&](uint32_t hash) { out.writePod(hash); });
}

void UniquesHashSet::read(StateReader& in) {
  const auto skip_degree = in.readPod<uint8_t>();
  if (skip_degree > 32) in.corrupt("its uniq skip degree is above 32");
  skip_degree_ = skip_degree;
  const uint64_t count = in.readCount(sizeof(uint32_t));
  if (count > kMaxSize) in.corrupt("it holds more uniq hashes than 65536");
  for (uint64_t i = 0; i < count; ++i) {
    const auto hash = in.readPod<uint32_t>();
    if (!good(hash)) in.corrupt("a uniq hash is not divisible by 2^skip degree");
    insert(hash);
  }
  if (size_ != count) in.corrupt("a uniq hash repeats");
}

// ---- SipHash ------------------------------------------------------------------------------

namespace {

// ClickHouse's SipHash (SipHash-2-4 with a zero key): streaming update, and its two results —
// get64 (v0^v1^v2^v3) and get128, whose low half is v0^v1 after the same finalization.
class SipHasher {
 public:
  void update(const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
      tail_ |= static_cast<uint64_t>(bytes[i]) << (8 * (length_ & 7));
      if ((++length_ & 7) == 0) {
        block(tail_);
        tail_ = 0;
      }
    }
  }
  template <typename T>
  void updatePod(const T& value) { update(&value, sizeof(T)); }

  uint64_t get64() {
    finalize();
    return v0_ ^ v1_ ^ v2_ ^ v3_;
  }
  uint64_t get128Low() {
    finalize();
    return v0_ ^ v1_;
  }

 private:
  static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
  void round() {
    v0_ += v1_; v1_ = rotl(v1_, 13); v1_ ^= v0_; v0_ = rotl(v0_, 32);
    v2_ += v3_; v3_ = rotl(v3_, 16); v3_ ^= v2_;
    v0_ += v3_; v3_ = rotl(v3_, 21); v3_ ^= v0_;
    v2_ += v1_; v1_ = rotl(v1_, 17); v1_ ^= v2_; v2_ = rotl(v2_, 32);
  }
  void block(uint64_t m) {
    v3_ ^= m;
    round();
    round();
    v0_ ^= m;
  }
  void finalize() {
    block(tail_ | (static_cast<uint64_t>(length_ & 0xFF) << 56));
    v2_ ^= 0xFF;
    for (int i = 0; i < 4; ++i) round();
  }

  uint64_t v0_ = 0x736f6d6570736575ULL, v1_ = 0x646f72616e646f6dULL;
  uint64_t v2_ = 0x6c7967656e657261ULL, v3_ = 0x7465646279746573ULL;
  uint64_t tail_ = 0;
  uint64_t length_ = 0;
};

}  // namespace

uint64_t clickhouseSipHash64(const char* data, size_t size) {
  SipHasher hasher;
  hasher.update(data, size);
  return hasher.get64();
}

namespace {

// ---- per-row hashing ----------------------------------------------------------------------


// A UUID's 16 bytes as ClickHouse 18.16 holds them in memory: two little-endian UInt64, the first
// the number the first 16 hex digits spell, the second the last 16 (each half's bytes reversed).
// Perch keeps UUIDs as canonical text.
void uuidBytes(std::string_view text, uint8_t out[16]) {
  uint8_t parsed[16] = {};
  size_t digit = 0;
  for (char c : text) {
    int value;
    if (c >= '0' && c <= '9') value = c - '0';
    else if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') value = c - 'A' + 10;
    else continue;
    if (digit < 32) parsed[digit / 2] = static_cast<uint8_t>(parsed[digit / 2] << 4 | value);
    ++digit;
  }
  for (int i = 0; i < 8; ++i) {
    out[i] = parsed[7 - i];
    out[8 + i] = parsed[15 - i];
  }
}

// ClickHouse's IColumn::updateHashWithValue for the value at `row`.
void sipUpdateValue(SipHasher& hasher, const Column& column, size_t row) {
  const DataType& type = column.type();
  switch (type.id()) {
    case TypeId::kNullable: {
      const auto& nullable = static_cast<const ColumnNullable&>(column);
      const uint8_t is_null = nullable.nullMap()[row] != 0;
      hasher.updatePod(is_null);
      if (!is_null) sipUpdateValue(hasher, nullable.nested(), row);
      return;
    }
    case TypeId::kArray: {
      const auto& array = static_cast<const ColumnArray&>(column);
      const uint64_t begin = row == 0 ? 0 : array.offsets()[row - 1];
      const uint64_t end = array.offsets()[row];
      hasher.updatePod(static_cast<uint64_t>(end - begin));
      for (uint64_t i = begin; i < end; ++i) sipUpdateValue(hasher, array.elements(), i);
      return;
    }
    case TypeId::kTuple: {
      const auto& tuple = static_cast<const ColumnTuple&>(column);
      for (size_t e = 0; e < tuple.elementCount(); ++e) sipUpdateValue(hasher, tuple.element(e), row);
      return;
    }
    case TypeId::kUUID: {
      uint8_t bytes[16];
      uuidBytes(asString(column).at(row), bytes);
      hasher.update(bytes, sizeof(bytes));
      return;
    }
    case TypeId::kString: {
      const std::string_view value = asString(column).at(row);
      hasher.updatePod(static_cast<uint64_t>(value.size() + 1));  // ClickHouse's strings end with a zero byte
      hasher.update(value.data(), value.size());
      hasher.updatePod(uint8_t{0});
      return;
    }
    case TypeId::kNothing:
      hasher.updatePod(uint8_t{0});
      return;
    default:
      dispatchFixed(type, [&](auto tag) {
        using T = decltype(tag);
        hasher.updatePod(asVector<T>(column).data()[row]);
        return 0;
      });
  }
}

// Calls fn(row, bytes, size) with each row's raw bytes as ClickHouse's getDataAt gives them.
template <typename Fn>
void forEachRawValue(const Column& column, size_t rows, Fn&& fn) {
  const DataType& type = column.type();
  if (type.id() == TypeId::kUUID) {
    for (size_t i = 0; i < rows; ++i) {
      uint8_t bytes[16];
      uuidBytes(asString(column).at(i), bytes);
      fn(i, reinterpret_cast<const char*>(bytes), sizeof(bytes));
    }
  } else if (type.isStringLike()) {
    const auto& strings = asString(column);
    for (size_t i = 0; i < rows; ++i) {
      const std::string_view value = strings.at(i);
      fn(i, value.data(), value.size());
    }
  } else if (type.id() == TypeId::kArray) {  // of numbers (contiguous())
    const auto& array = static_cast<const ColumnArray&>(column);
    dispatchFixed(type.nested(), [&](auto tag) {
      using T = decltype(tag);
      const T* data = asVector<T>(array.elements()).data().data();
      for (size_t i = 0; i < rows; ++i) {
        const uint64_t begin = i == 0 ? 0 : array.offsets()[i - 1];
        fn(i, reinterpret_cast<const char*>(data + begin), (array.offsets()[i] - begin) * sizeof(T));
      }
      return 0;
    });
  } else if (type.id() == TypeId::kNothing) {
    const char zero = 0;
    for (size_t i = 0; i < rows; ++i) fn(i, &zero, 1);
  } else {
    dispatchFixed(type, [&](auto tag) {
      using T = decltype(tag);
      const T* data = asVector<T>(column).data().data();
      for (size_t i = 0; i < rows; ++i) fn(i, reinterpret_cast<const char*>(data + i), sizeof(T));
      return 0;
    });
  }
}

// By name: Decimal support lands in the types module separately from this file.
bool isDecimal(const DataType& type) { return type.name().starts_with("Decimal"); }

// ClickHouse's isValueUnambiguouslyRepresentedInContiguousMemoryRegion: values hashed by their raw
// bytes (getDataAt). An array qualifies when its elements are numbers: its bytes are those of its
// elements, one after the other (the length is not hashed).
bool contiguous(const DataType& type) {
  if (type.id() == TypeId::kArray) return type.nested().fixedWidth() != 0 && type.nested().id() != TypeId::kNothing;
  return type.id() != TypeId::kNullable && type.id() != TypeId::kTuple;
}

}  // namespace

// ---- UniqHasher ---------------------------------------------------------------------------

UniqHasher::UniqHasher(std::string_view name, std::span<const DataType> types) {
  if (types.empty()) throwBadRequest("Aggregate function " + std::string(name) + " requires at least one argument");
  const bool tuple = types.size() == 1 && types[0].id() == TypeId::kTuple;
  const std::span<const DataType> values = tuple ? std::span<const DataType>(types[0].tupleElements()) : types;
  for (const DataType& type : values) checkHashable(name, type);
  tuple_ = tuple;
  if (types.size() == 1 && !tuple) {
    const DataType& type = types[0];
    if (type.id() == TypeId::kUUID) mode_ = Mode::kUuid;
    else if (type.isStringLike()) mode_ = Mode::kString;
    else if (isDecimal(type)) mode_ = Mode::kChain;  // ClickHouse 18.16 hashes Decimal as a variadic argument
    else if (type.id() == TypeId::kArray) mode_ = contiguous(type) ? Mode::kChain : Mode::kSip;
    else mode_ = Mode::kNumber;
    return;
  }
  mode_ = Mode::kChain;
  for (const DataType& type : values) {
    if (!contiguous(type)) mode_ = Mode::kSip;
  }
}

void UniqHasher::hashRows(std::span<const ColumnPtr> args, size_t rows, uint64_t* out) const {
  std::vector<const Column*> columns;
  if (tuple_) {
    const auto& tuple = static_cast<const ColumnTuple&>(*args[0]);
    for (size_t e = 0; e < tuple.elementCount(); ++e) columns.push_back(&tuple.element(e));
  } else {
    for (const ColumnPtr& arg : args) columns.push_back(arg.get());
  }
  switch (mode_) {
    case Mode::kString:
      forEachRawValue(*columns[0], rows, [&](size_t i, const char* data, size_t size) { out[i] = clickhouseCityHash64(data, size); });
      return;
    case Mode::kUuid:
      forEachRawValue(*columns[0], rows, [&](size_t i, const char* data, size_t size) { out[i] = clickhouseSipHash64(data, size); });
      return;
    case Mode::kChain:
      for (size_t c = 0; c < columns.size(); ++c) {
        forEachRawValue(*columns[c], rows, [&](size_t i, const char* data, size_t size) {
          const uint64_t hash = clickhouseCityHash64(data, size);
          out[i] = c == 0 ? hash : clickhouseHash128to64(hash, out[i]);
        });
      }
      return;
    case Mode::kSip:
      for (size_t i = 0; i < rows; ++i) {
        SipHasher hasher;
        for (const Column* column : columns) sipUpdateValue(hasher, *column, i);
        out[i] = hasher.get128Low();
      }
      return;
    case Mode::kNumber:  // callers hash numbers themselves (uniqNumberType())
      return;
  }
}

void UniqHasher::checkHashable(std::string_view name, const DataType& type) {
  switch (type.id()) {
    case TypeId::kAggregateFunction:
      throwBadRequest("Illegal type " + type.name() + " of argument for aggregate function " + std::string(name));
    case TypeId::kNullable: case TypeId::kArray:
      checkHashable(name, type.nested());
      return;
    case TypeId::kTuple:
      for (const DataType& element : type.tupleElements()) checkHashable(name, element);
      return;
    default:
      return;
  }
}

namespace {

// ---- uniq ---------------------------------------------------------------------------------

class Uniq final : public AggregateFunctionHelper<Uniq, UniquesHashSet> {
 public:
  Uniq(std::string_view name, std::span<const DataType> types)
      : AggregateFunctionHelper(DataType(TypeId::kUInt64)), hasher_(name, types), type_(uniqNumberType(types[0])) {}

  // The 32-bit hashes live in a thread-local buffer for the duration of one batch.
  const uint32_t* prepare(std::span<const ColumnPtr> args) const {
    const size_t rows = args[0]->size();
    std::vector<uint32_t>& hashes = uniqScratch<uint32_t>(rows);
    if (hasher_.mode() == UniqHasher::Mode::kNumber) {
      uniqNumberHashes32(type_, *args[0], rows, hashes.data());
      return hashes.data();
    }
    std::vector<uint64_t>& wide = uniqScratch<uint64_t>(rows);
    hasher_.hashRows(args, rows, wide.data());
    const bool single = hasher_.mode() == UniqHasher::Mode::kString || hasher_.mode() == UniqHasher::Mode::kUuid;
    for (size_t i = 0; i < rows; ++i) hashes[i] = static_cast<uint32_t>(single ? uniqIntHash64(wide[i]) : wide[i]);
    return hashes.data();
  }
  void add(UniquesHashSet& state, const uint32_t* hashes, size_t row) const { state.insert(hashes[row]); }
  void addBatchSingle(char* place, std::span<const ColumnPtr> args, size_t rows, const uint8_t* skip) const override {
    reinterpret_cast<UniquesHashSet*>(place)->insertMany(prepare(args), rows, skip);
  }
  void mergeStates(UniquesHashSet& state, const UniquesHashSet& other) const { state.merge(other); }
  void insertState(const UniquesHashSet& state, Column& to) const {
    static_cast<ColumnVector<uint64_t>&>(to).data().push_back(state.estimate());
  }
  void writeState(const UniquesHashSet& state, StateWriter& out) const { state.write(out); }
  void readState(UniquesHashSet& state, StateReader& in) const { state.read(in); }

 private:
  UniqHasher hasher_;
  DataType type_;
};

// ---- uniqExact ----------------------------------------------------------------------------

struct ExactState {
  FlatHashSet64 values;
  uint64_t nan_rows = 0;  // ClickHouse's hash set never finds a NaN again: each NaN row counts
};

struct ExactInput {
  const uint64_t* identities;
  const uint8_t* nan;  // null unless the argument is one float
};

class UniqExact final : public AggregateFunctionHelper<UniqExact, ExactState> {
 public:
  UniqExact(std::string_view name, std::span<const DataType> types)
      : AggregateFunctionHelper(DataType(TypeId::kUInt64)), hasher_(name, types), type_(uniqNumberType(types[0])) {}

  ExactInput prepare(std::span<const ColumnPtr> args) const {
    const size_t rows = args[0]->size();
    std::vector<uint64_t>& identities = uniqScratch<uint64_t>(rows);
    if (hasher_.mode() != UniqHasher::Mode::kNumber) {
      hasher_.hashRows(args, rows, identities.data());
      return {identities.data(), nullptr};
    }
    return dispatchFixed(type_, [&](auto tag) -> ExactInput {
      using T = decltype(tag);
      const T* data = asVector<T>(*args[0]).data().data();
      if constexpr (std::is_floating_point_v<T>) {
        std::vector<uint8_t>& nan = uniqScratch<uint8_t>(rows);
        for (size_t i = 0; i < rows; ++i) {
          nan[i] = std::isnan(data[i]);
          identities[i] = uniqWiden(data[i] == 0 ? T{0} : data[i]);  // 0.0 == -0.0
        }
        return {identities.data(), nan.data()};
      } else {
        for (size_t i = 0; i < rows; ++i) identities[i] = uniqWiden(data[i]);
        return {identities.data(), nullptr};
      }
    });
  }
  void add(ExactState& state, const ExactInput& input, size_t row) const {
    if (input.nan && input.nan[row]) ++state.nan_rows;
    else state.values.insert(input.identities[row]);
  }
  void mergeStates(ExactState& state, const ExactState& other) const {
    other.values.forEach([&](uint64_t value) { state.values.insert(value); });
    state.nan_rows += other.nan_rows;
  }
  void insertState(const ExactState& state, Column& to) const {
    static_cast<ColumnVector<uint64_t>&>(to).data().push_back(state.values.size() + state.nan_rows);
  }
  // VarUInt count, that many Pod<uint64_t> identities, VarUInt NaN rows.
  void writeState(const ExactState& state, StateWriter& out) const {
    out.writeVarUInt(state.values.size());
    state.values.forEach([&](uint64_t value) { out.writePod(value); });
    out.writeVarUInt(state.nan_rows);
  }
  void readState(ExactState& state, StateReader& in) const {
    for (uint64_t n = in.readCount(sizeof(uint64_t)); n > 0; --n) state.values.insert(in.readPod<uint64_t>());
    state.nan_rows = in.readVarUInt();
  }

 private:
  UniqHasher hasher_;
  DataType type_;
};

// ---- over NULL ----------------------------------------------------------------------------


}  // namespace

void uniqNumberHashes32(const DataType& type, const Column& column, size_t rows, uint32_t* out) {
  dispatchFixed(type, [&](auto tag) {
    using T = decltype(tag);
    const T* data = asVector<T>(column).data().data();
    for (size_t i = 0; i < rows; ++i) out[i] = static_cast<uint32_t>(uniqIntHash64(uniqWiden(data[i])));
    return 0;
  });
}

AggregateFunctionPtr createUniq(std::string_view name, UniqKind kind, std::span<const DataType> types) {
  if (kind == UniqKind::kExact) return std::make_shared<UniqExact>(name, types);
  return std::make_shared<Uniq>(name, types);
}

}  // namespace perch
