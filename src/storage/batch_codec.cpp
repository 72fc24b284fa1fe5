#include "storage/batch_codec.h"

#include <stdexcept>
#include <utility>
#include <type_traits>

namespace perch::storage {
namespace {

// The plain leaf layout: strings as lengths then bytes, fixed-width values as raw bytes.
// Writes the sizes of rows [start, start + count) given their end offsets (strings, arrays);
// returns where their contents begin and end.
std::pair<uint64_t, uint64_t> putSizes(const std::vector<uint64_t>& offsets, size_t start, size_t count, std::string& out) {
  ByteWriter writer(out);
  const uint64_t begin = start == 0 ? 0 : offsets[start - 1];
  uint64_t previous = begin;
  for (size_t row = start; row < start + count; ++row) {
    writer.putVarint(offsets[row] - previous);
    previous = offsets[row];
  }
  return {begin, previous};
}

template <typename ColumnType>
void encodeLeaf(const ColumnType& column, size_t start, size_t count, std::string& out) {
  if constexpr (std::is_same_v<ColumnType, ColumnString>) {
    const auto [begin, end] = putSizes(column.offsets(), start, count, out);
    out.append(column.chars().data() + begin, end - begin);
  } else {
    using T = typename ColumnType::ValueType;
    ByteWriter(out).putBytes(column.data().data() + start, count * sizeof(T));
  }
}

template <typename ColumnType>
MutableColumnPtr decodeLeaf(const DataType& type, size_t rows, ByteReader& in) {
  if constexpr (std::is_same_v<ColumnType, ColumnString>) {
    std::vector<uint64_t> lengths;
    lengths.reserve(std::min(rows, in.remaining()));
    uint64_t total = 0;
    for (size_t row = 0; row < rows; ++row) {
      lengths.push_back(in.getVarint());
      total += lengths.back();
      if (total > in.remaining()) throw CorruptDataError("string lengths exceed the data");
    }
    std::string_view chars = in.take(total);
    auto column = std::make_shared<ColumnString>(type);
    column->reserve(rows);
    size_t position = 0;
    for (uint64_t length : lengths) {
      column->push(chars.substr(position, length));
      position += length;
    }
    return column;
  } else {
    using T = typename ColumnType::ValueType;
    if (rows > in.remaining() / sizeof(T)) throw CorruptDataError("fixed-width column is shorter than its row count");
    std::string_view bytes = in.take(rows * sizeof(T));
    std::vector<T> values(rows);
    if (rows != 0) std::memcpy(values.data(), bytes.data(), bytes.size());
    if constexpr (std::is_same_v<T, uint8_t>) {
      if (type.id() == TypeId::kBool) {
        for (uint8_t value : values) {
          if (value > 1) throw CorruptDataError("Bool value is not 0 or 1");
        }
      }
    }
    return std::make_shared<ColumnType>(type, std::move(values));
  }
}

template <typename ColumnType>
constexpr bool kIsWrapper = std::is_same_v<ColumnType, ColumnNullable> || std::is_same_v<ColumnType, ColumnArray>;

void encodePlainLeaf(const Column& column, size_t start, size_t count, std::string& out) {
  dispatchPhysical(column.type(), [&](auto* tag) {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (!kIsWrapper<ColumnType>) encodeLeaf(static_cast<const ColumnType&>(column), start, count, out);
  });
}

MutableColumnPtr decodePlainLeaf(const DataType& type, size_t rows, ByteReader& in) {
  return dispatchPhysical(type, [&](auto* tag) -> MutableColumnPtr {
    using ColumnType = std::remove_pointer_t<decltype(tag)>;
    if constexpr (kIsWrapper<ColumnType>) {
      throw std::logic_error("decodePlainLeaf: " + type.name() + " is not a leaf type");
    } else {
      return decodeLeaf<ColumnType>(type, rows, in);
    }
  });
}

void encodeNullable(const ColumnNullable& column, size_t start, size_t count, std::string& out, const LeafCodec& leaves) {
  ByteWriter(out).putBytes(column.nullMap().data() + start, count);
  encodeColumnWith(column.nested(), start, count, out, leaves);
}

void encodeArray(const ColumnArray& column, size_t start, size_t count, std::string& out, const LeafCodec& leaves) {
  const auto [begin, end] = putSizes(column.offsets(), start, count, out);
  encodeColumnWith(column.elements(), begin, end - begin, out, leaves);
}

MutableColumnPtr decodeNullable(const DataType& type, size_t rows, ByteReader& in, const LeafCodec& leaves) {
  std::string_view null_bytes = in.take(rows);
  std::vector<uint8_t> null_map(null_bytes.begin(), null_bytes.end());
  for (uint8_t& flag : null_map) {
    if (flag > 1) throw CorruptDataError("null map byte is not 0 or 1");
  }
  MutableColumnPtr nested = decodeColumnWith(type.nested(), rows, in, leaves);
  return std::make_shared<ColumnNullable>(type, std::move(nested), std::move(null_map));
}

MutableColumnPtr decodeArray(const DataType& type, size_t rows, ByteReader& in, const LeafCodec& leaves) {
  std::vector<uint64_t> counts;
  counts.reserve(std::min(rows, in.remaining()));
  uint64_t total = 0;
  for (size_t row = 0; row < rows; ++row) {
    counts.push_back(in.getVarint());
    total += counts.back();
    if (total > (uint64_t{1} << 40)) throw CorruptDataError("array sizes are implausible");
  }
  MutableColumnPtr elements = decodeColumnWith(type.nested(), total, in, leaves);
  auto column = std::make_shared<ColumnArray>(type);
  column->reserve(rows);
  column->elements().reserve(total);
  size_t position = 0;
  for (uint64_t count : counts) {
    column->elements().appendRange(*elements, position, count);
    column->finishRow();
    position += count;
  }
  return column;
}

}  // namespace

const LeafCodec kPlainLeaves{encodePlainLeaf, decodePlainLeaf};

void encodeColumnWith(const Column& column, size_t start, size_t count, std::string& out, const LeafCodec& leaves) {
  if (column.type().isNullable()) return encodeNullable(static_cast<const ColumnNullable&>(column), start, count, out, leaves);
  if (column.type().isArray()) return encodeArray(static_cast<const ColumnArray&>(column), start, count, out, leaves);
  leaves.encode(column, start, count, out);
}

MutableColumnPtr decodeColumnWith(const DataType& type, size_t rows, ByteReader& in, const LeafCodec& leaves) {
  if (type.id() == TypeId::kNothing) throw CorruptDataError("cannot decode a column of type Nothing");
  if (type.isNullable()) return decodeNullable(type, rows, in, leaves);
  if (type.isArray()) return decodeArray(type, rows, in, leaves);
  return leaves.decode(type, rows, in);
}

void encodeColumn(const Column& column, size_t start, size_t count, std::string& out) {
  encodeColumnWith(column, start, count, out, kPlainLeaves);
}

MutableColumnPtr decodeColumn(const DataType& type, size_t rows, ByteReader& in) {
  return decodeColumnWith(type, rows, in, kPlainLeaves);
}

void encodeBatch(const Batch& batch, std::string& out) {
  ByteWriter writer(out);
  writer.put<uint64_t>(batch.rows);
  writer.put<uint32_t>(static_cast<uint32_t>(batch.columns.size()));
  for (const auto& column : batch.columns) encodeColumn(*column, 0, batch.rows, out);
}

Batch decodeBatch(const TableSchema& schema, std::string_view data) {
  ByteReader in(data);
  Batch batch;
  batch.rows = in.get<uint64_t>();
  const uint32_t column_count = in.get<uint32_t>();
  if (column_count != schema.columns.size()) {
    throw CorruptDataError("batch has " + std::to_string(column_count) + " columns, the schema " +
                           std::to_string(schema.columns.size()));
  }
  for (const auto& column : schema.columns) batch.columns.push_back(decodeColumn(column.type, batch.rows, in));
  if (!in.atEnd()) throw CorruptDataError(std::to_string(in.remaining()) + " trailing bytes after the batch");
  return batch;
}

}  // namespace perch::storage
