#include "storage/column_encoding.h"

#include <cstring>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "storage/batch_codec.h"

namespace perch::storage {
namespace {

enum class LeafLayout : uint8_t { kPlain = 0, kDictionary = 1, kByteSplit = 2, kDeltaByteSplit = 3 };

// Indexes are one byte up to 256 distinct values, two bytes up to this many; more falls back to plain.
constexpr size_t kMaxDictionarySize = 65536;

size_t indexWidth(size_t dictionary_size) { return dictionary_size <= 256 ? 1 : 2; }

size_t varintSize(uint64_t value) {
  size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

// The distinct strings of rows [start, start + count) in order of first appearance, and each
// row's position among them.
struct Dictionary {
  std::vector<std::string_view> values;
  std::vector<uint16_t> indexes;
  size_t encoded_bytes = 0;  // of the dictionary's values, lengths included
};

std::optional<Dictionary> buildDictionary(const ColumnString& column, size_t start, size_t count) {
  Dictionary dictionary;
  dictionary.indexes.reserve(count);
  std::unordered_map<std::string_view, uint16_t> positions;
  for (size_t row = start; row < start + count; ++row) {
    const std::string_view value = column.at(row);
    auto [it, inserted] = positions.try_emplace(value, static_cast<uint16_t>(dictionary.values.size()));
    if (inserted) {
      if (dictionary.values.size() == kMaxDictionarySize) return std::nullopt;
      dictionary.values.push_back(value);
      dictionary.encoded_bytes += varintSize(value.size()) + value.size();
    }
    dictionary.indexes.push_back(it->second);
  }
  return dictionary;
}

size_t plainStringBytes(const ColumnString& column, size_t start, size_t count) {
  size_t bytes = 0;
  for (size_t row = start; row < start + count; ++row) bytes += varintSize(column.at(row).size()) + column.at(row).size();
  return bytes;
}

// A LowCardinality(String) granule is dictionary-encoded whenever the dictionary fits; a plain
// String only when that at least halves it (most values repeat), since expanding a dictionary
// costs a little more to read than plain strings.
bool dictionaryPays(const ColumnString& column, size_t start, size_t count, const Dictionary& dictionary) {
  if (column.type().lowCardinality()) return true;
  const size_t dictionary_bytes = varintSize(dictionary.values.size()) + dictionary.encoded_bytes +
                                  count * indexWidth(dictionary.values.size());
  return dictionary_bytes * 2 <= plainStringBytes(column, start, count);
}

void writeDictionary(const Dictionary& dictionary, std::string& out) {
  ByteWriter writer(out);
  writer.put<uint8_t>(static_cast<uint8_t>(LeafLayout::kDictionary));
  writer.putVarint(dictionary.values.size());
  for (std::string_view value : dictionary.values) writer.putVarint(value.size());
  for (std::string_view value : dictionary.values) out.append(value);
  if (indexWidth(dictionary.values.size()) == 1) {
    for (uint16_t index : dictionary.indexes) writer.put<uint8_t>(static_cast<uint8_t>(index));
  } else {
    for (uint16_t index : dictionary.indexes) writer.put<uint16_t>(index);
  }
}

// Builds the column of `rows` dictionary references in two passes over the indexes: offsets (and
// the bounds check) first, then the bytes into a buffer sized once. Values of up to 16 bytes are
// copied as one fixed 16-byte move from a padded copy of the dictionary (the output buffer has 16
// bytes of slack, trimmed at the end), which is what keeps this path off memmove's per-call cost.
template <typename Index>
MutableColumnPtr expandDictionary(const DataType& type, const ColumnString& dictionary, std::string_view indexes) {
  constexpr size_t kSlot = 16;
  const size_t count = dictionary.size();
  const size_t rows = indexes.size() / sizeof(Index);
  std::vector<uint32_t> lengths(count);
  std::string padded(count * kSlot, '\0');
  for (size_t i = 0; i < count; ++i) {
    const std::string_view value = dictionary.at(i);
    lengths[i] = static_cast<uint32_t>(value.size());
    if (value.size() <= kSlot) std::memcpy(padded.data() + i * kSlot, value.data(), value.size());
  }
  std::vector<uint64_t> offsets(rows);
  uint64_t total = 0;
  for (size_t row = 0; row < rows; ++row) {
    Index index;
    std::memcpy(&index, indexes.data() + row * sizeof(Index), sizeof(Index));
    if (index >= count) {
      throw CorruptDataError("dictionary index " + std::to_string(index) + " out of " + std::to_string(count));
    }
    total += lengths[index];
    offsets[row] = total;
  }
  std::string chars(total + kSlot, '\0');
  char* out = chars.data();
  for (size_t row = 0; row < rows; ++row) {
    Index index;
    std::memcpy(&index, indexes.data() + row * sizeof(Index), sizeof(Index));
    const uint32_t length = lengths[index];
    if (length <= kSlot) std::memcpy(out, padded.data() + size_t{index} * kSlot, kSlot);
    else std::memcpy(out, dictionary.at(index).data(), length);
    out += length;
  }
  chars.resize(total);
  return std::make_shared<ColumnString>(type, std::move(offsets), std::move(chars));
}

MutableColumnPtr readDictionary(const DataType& type, size_t rows, ByteReader& in, StringDictionary* kept = nullptr) {
  const uint64_t size = in.getVarint();
  if (size > kMaxDictionarySize || (size == 0 && rows != 0)) {
    throw CorruptDataError("dictionary of " + std::to_string(size) + " values for " + std::to_string(rows) + " rows");
  }
  const MutableColumnPtr values = decodeColumn(DataType(TypeId::kString), size, in);
  const auto& dictionary = static_cast<const ColumnString&>(*values);
  const size_t width = indexWidth(size);
  if (rows > in.remaining() / width) throw CorruptDataError("dictionary indexes are shorter than the row count");
  const std::string_view indexes = in.take(rows * width);
  MutableColumnPtr column = width == 1 ? expandDictionary<uint8_t>(type, dictionary, indexes)
                                        : expandDictionary<uint16_t>(type, dictionary, indexes);
  if (kept) *kept = StringDictionary{values, std::string(indexes), width};  // indexes checked by the expansion
  return column;
}

// Integers of two bytes or more are stored as byte planes (byte 0 of every row, then byte 1, ...):
// the high bytes of small or similar values then form long runs that LZ4 compresses to nearly
// nothing, which it cannot do when they are interleaved with the varying low bytes. A column that
// mostly goes up (DateTime within a sorting-key prefix) stores its differences instead, which are
// small. Floats stay plain: their byte planes compress worse than the values.
template <typename T>
constexpr bool kSplitsBytes = std::is_integral_v<T> && sizeof(T) >= 2;

// Delta pays when at least 7 of 8 steps do not go down (a sorted run broken by a few key changes).
template <typename T>
bool mostlyAscending(const T* values, size_t count) {
  size_t descending = 0;
  for (size_t row = 1; row < count; ++row) descending += values[row] < values[row - 1];
  return count > 1 && descending * 8 <= count - 1;
}

template <typename T>
void writeByteSplit(const T* values, size_t count, std::string& out) {
  using Unsigned = std::make_unsigned_t<T>;
  const bool delta = mostlyAscending(values, count);
  out.push_back(static_cast<char>(delta ? LeafLayout::kDeltaByteSplit : LeafLayout::kByteSplit));
  std::vector<Unsigned> stored(values, values + count);
  if (delta) {
    for (size_t row = count; row-- > 1;) stored[row] = static_cast<Unsigned>(stored[row] - stored[row - 1]);  // wraps
  }
  const size_t base = out.size();
  out.resize(base + count * sizeof(T));
  for (size_t byte = 0; byte < sizeof(T); ++byte) {
    char* plane = out.data() + base + byte * count;
    for (size_t row = 0; row < count; ++row) plane[row] = static_cast<char>(stored[row] >> (8 * byte));
  }
}

template <typename T>
MutableColumnPtr readByteSplit(const DataType& type, size_t rows, bool delta, ByteReader& in) {
  using Unsigned = std::make_unsigned_t<T>;
  if (rows > in.remaining() / sizeof(T)) throw CorruptDataError("integer column is shorter than its row count");
  const auto* planes = reinterpret_cast<const uint8_t*>(in.take(rows * sizeof(T)).data());
  std::vector<T> values(rows);
  auto* stored = reinterpret_cast<Unsigned*>(values.data());  // a type's unsigned variant may alias it
  for (size_t byte = 0; byte < sizeof(T); ++byte) {
    const uint8_t* plane = planes + byte * rows;
    for (size_t row = 0; row < rows; ++row) stored[row] |= static_cast<Unsigned>(static_cast<Unsigned>(plane[row]) << (8 * byte));
  }
  if (delta) {
    for (size_t row = 1; row < rows; ++row) stored[row] = static_cast<Unsigned>(stored[row] + stored[row - 1]);
  }
  return std::make_shared<ColumnVector<T>>(type, std::move(values));
}

// Writes the leaf with the layout that suits its values; false when that is plain.
bool encodeLeafSpecially(const Column& leaf, size_t start, size_t count, std::string& out) {
  return dispatchPhysical(leaf.type(), [&](auto* tag) -> bool {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (std::is_same_v<ColumnType, ColumnString>) {
      const auto& strings = static_cast<const ColumnString&>(leaf);
      auto dictionary = buildDictionary(strings, start, count);
      if (!dictionary || !dictionaryPays(strings, start, count, *dictionary)) return false;
      writeDictionary(*dictionary, out);
      return true;
    } else if constexpr (requires { typename ColumnType::ValueType; }) {
      if constexpr (kSplitsBytes<typename ColumnType::ValueType>) {
        writeByteSplit(static_cast<const ColumnType&>(leaf).data().data() + start, count, out);
        return true;
      }
    }
    return false;
  });
}

void encodeLeaf(const Column& leaf, size_t start, size_t count, std::string& out) {
  if (encodeLeafSpecially(leaf, start, count, out)) return;
  out.push_back(static_cast<char>(LeafLayout::kPlain));
  kPlainLeaves.encode(leaf, start, count, out);
}

// Decodes the non-plain layouts that apply to `type`; nullptr for any other.
MutableColumnPtr decodeSpecialLeaf(const DataType& type, size_t rows, uint8_t layout, ByteReader& in) {
  return dispatchPhysical(type, [&](auto* tag) -> MutableColumnPtr {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (std::is_same_v<ColumnType, ColumnString>) {
      if (layout == static_cast<uint8_t>(LeafLayout::kDictionary)) return readDictionary(type, rows, in);
    } else if constexpr (requires { typename ColumnType::ValueType; }) {
      if constexpr (kSplitsBytes<typename ColumnType::ValueType>) {
        const bool delta = layout == static_cast<uint8_t>(LeafLayout::kDeltaByteSplit);
        if (delta || layout == static_cast<uint8_t>(LeafLayout::kByteSplit)) {
          return readByteSplit<typename ColumnType::ValueType>(type, rows, delta, in);
        }
      }
    }
    return nullptr;
  });
}

MutableColumnPtr decodeLeaf(const DataType& type, size_t rows, ByteReader& in) {
  const uint8_t layout = in.get<uint8_t>();
  if (layout == static_cast<uint8_t>(LeafLayout::kPlain)) return kPlainLeaves.decode(type, rows, in);
  if (MutableColumnPtr column = decodeSpecialLeaf(type, rows, layout, in)) return column;
  throw CorruptDataError("unknown layout " + std::to_string(layout) + " for a " + type.name() + " column");
}

const LeafCodec kGranuleLeaves{encodeLeaf, decodeLeaf};

}  // namespace

void encodeGranuleColumn(const Column& column, size_t start, size_t count, std::string& out) {
  encodeColumnWith(column, start, count, out, kGranuleLeaves);
}

MutableColumnPtr decodeGranuleColumn(const DataType& type, size_t rows, ByteReader& in) {
  return decodeColumnWith(type, rows, in, kGranuleLeaves);
}

MutableColumnPtr decodeGranuleColumn(const DataType& type, size_t rows, ByteReader& in, StringDictionary* dictionary) {
  // A String (LowCardinality or not; never Nullable or Array, other ids) is one leaf: its layout
  // byte comes first.
  if (dictionary && type.id() == TypeId::kString) {
    ByteReader peek = in;
    if (peek.remaining() > 0 && peek.get<uint8_t>() == static_cast<uint8_t>(LeafLayout::kDictionary)) {
      in.get<uint8_t>();
      return readDictionary(type, rows, in, dictionary);
    }
  }
  return decodeGranuleColumn(type, rows, in);
}

}  // namespace perch::storage
