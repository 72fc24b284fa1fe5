// Column encoding of part blocks (part format version 2, docs/formats/part.md "Granule encoding").
//
// A part block holds several consecutive granules of one column; each granule is encoded on its
// own with this encoding, so a reader can decode a block granule by granule and a granule never
// depends on another. The encoding follows the column's type tree like the WAL's batch payload
// (storage/batch_codec.h): a Nullable writes its null map, an Array its element counts, and every
// leaf (a string or fixed-width column) starts with a one-byte tag that says how its values are
// laid out. The tag is chosen per leaf when writing, from the values themselves, so the encoding
// is self-describing and the reader needs nothing but the schema type:
//   plain       the batch_codec layout (floats, single bytes, strings that do not repeat)
//   dictionary  strings: the distinct values once, then one small index per row
//               (LowCardinality(String) always, unless the granule has more than 65,536 distinct
//               values; a plain String only when that halves its size)
//   byte split  integers of 2+ bytes: byte 0 of every row, then byte 1, ... (LZ4 then squeezes
//               the runs of equal high bytes)
//   delta byte split  the same over the differences of consecutive rows, when the values mostly
//               go up (a DateTime sorted within a sorting-key prefix)
// Decoding produces exactly the in-memory column decodeColumn() would (a dictionary is expanded
// back to a ColumnString), so nothing above storage sees the encoding. Malformed input throws
// CorruptDataError and never reads out of bounds.
#pragma once

#include <string>

#include "storage/byte_io.h"
#include "types/column.h"

namespace perch::storage {

/// A String granule stored in the dictionary layout, as stored: its distinct values (a
/// ColumnString, in order of first appearance) and each row's index among them, `width` bytes per
/// row (1 or 2, little-endian). Lets a GROUP BY work on the indexes instead of the strings.
struct StringDictionary {
  ColumnPtr values;
  std::string indexes;
  size_t width = 1;
};

/// Appends rows [start, start + count) of `column` in the granule encoding.
void encodeGranuleColumn(const Column& column, size_t start, size_t count, std::string& out);
/// Reads `rows` rows of `type` written by encodeGranuleColumn.
MutableColumnPtr decodeGranuleColumn(const DataType& type, size_t rows, ByteReader& in);
/// The same; when `type` is a String (not inside a Nullable or Array) whose granule is in the
/// dictionary layout, also sets *dictionary (else leaves it as it was).
MutableColumnPtr decodeGranuleColumn(const DataType& type, size_t rows, ByteReader& in, StringDictionary* dictionary);

}  // namespace perch::storage
