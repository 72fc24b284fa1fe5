// BatchCodec: the compact columnar serialization of a Batch used by WAL records and part blocks.
//
// Layout (little-endian; see docs/formats/wal.md):
//   batch   := u64 rows, u32 column_count, column*
//   column  := depends on the physical class of the schema type, for `rows` rows:
//     ColumnVector<T>  rows * sizeof(T) raw bytes
//     ColumnString     varint length per row, then all bytes concatenated
//     ColumnNullable   rows bytes of null map (1 = NULL), then the nested column for `rows` rows
//     ColumnArray      varint element count per row, then the element column for sum(counts) rows
// Decoding is driven by the schema (types are not repeated per record) and is bounds-checked:
// malformed input throws CorruptDataError, never reads out of bounds.
#pragma once

#include <string>
#include <string_view>

#include "storage/byte_io.h"
#include "storage/table_schema.h"
#include "types/column.h"

namespace perch::storage {

/// Appends rows [start, start + count) of `column`.
void encodeColumn(const Column& column, size_t start, size_t count, std::string& out);
/// Reads `rows` rows of `type` written by encodeColumn.
MutableColumnPtr decodeColumn(const DataType& type, size_t rows, ByteReader& in);

/// How the leaves of a column tree (string and fixed-width columns) are written. encodeColumn
/// uses the plain layout above; part blocks (storage/column_encoding.h) plug in their own, and
/// share the Nullable and Array framing through the *With functions.
struct LeafCodec {
  void (*encode)(const Column& leaf, size_t start, size_t count, std::string& out);
  MutableColumnPtr (*decode)(const DataType& type, size_t rows, ByteReader& in);
};
/// The plain leaf layout of encodeColumn/decodeColumn.
extern const LeafCodec kPlainLeaves;
void encodeColumnWith(const Column& column, size_t start, size_t count, std::string& out, const LeafCodec& leaves);
MutableColumnPtr decodeColumnWith(const DataType& type, size_t rows, ByteReader& in, const LeafCodec& leaves);

/// Appends the whole batch.
void encodeBatch(const Batch& batch, std::string& out);
/// Reads a batch written by encodeBatch; `data` must hold exactly one batch.
Batch decodeBatch(const TableSchema& schema, std::string_view data);

}  // namespace perch::storage
