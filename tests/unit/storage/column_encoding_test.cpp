#include "storage/column_encoding.h"

#include <gtest/gtest.h>

#include <climits>

namespace perch::storage {
namespace {

MutableColumnPtr strings(const DataType& type, const std::vector<std::string>& values) {
  auto column = std::make_shared<ColumnString>(type);
  for (const auto& value : values) column->push(value);
  return column;
}

std::string encode(const Column& column) {
  std::string out;
  encodeGranuleColumn(column, 0, column.size(), out);
  return out;
}

MutableColumnPtr decode(const DataType& type, size_t rows, std::string_view data) {
  ByteReader in(data);
  MutableColumnPtr column = decodeGranuleColumn(type, rows, in);
  EXPECT_TRUE(in.atEnd());
  return column;
}

const DataType kLowCardinality(TypeId::kString, true);

TEST(ColumnEncoding, DictionaryLayoutIsTagCountValuesThenOneByteIndexes) {
  const auto column = strings(kLowCardinality, {"b", "", "b", "b"});
  // tag 1, 2 values, lengths 1 and 0, "b", indexes 0 1 0 0
  EXPECT_EQ(encode(*column), std::string("\x01\x02\x01\x00" "b" "\x00\x01\x00\x00", 9));
  const auto decoded = decode(kLowCardinality, 4, encode(*column));
  EXPECT_EQ(decoded->type(), kLowCardinality);
  EXPECT_EQ(asString(*decoded).at(0), "b");
  EXPECT_EQ(asString(*decoded).at(1), "");
  EXPECT_EQ(asString(*decoded).at(3), "b");
}

// The dictionary expansion copies short values (up to 16 bytes) with one fixed-size move and
// longer ones by length: every length around that boundary, with 1- and 2-byte indexes, comes
// back byte for byte and in order.
TEST(ColumnEncoding, DictionaryExpansionKeepsEveryValueLengthAndOrder) {
  for (const size_t distinct : {3u, 300u}) {  // 1-byte and 2-byte indexes
    std::vector<std::string> values;
    for (size_t row = 0; row < 2000; ++row) {
      const size_t id = (row * 7919) % distinct;
      const size_t length = id % 40;  // 0..39 bytes: below, at and above 16
      std::string value(length, static_cast<char>('a' + id % 26));
      if (length > 0) value.back() = static_cast<char>('0' + id % 10);
      values.push_back(value);
    }
    const auto column = strings(kLowCardinality, values);
    const std::string data = encode(*column);
    ASSERT_EQ(static_cast<uint8_t>(data[0]), 1) << "expected the dictionary layout";
    const auto decoded = decode(kLowCardinality, values.size(), data);
    ASSERT_EQ(decoded->size(), values.size());
    for (size_t row = 0; row < values.size(); ++row) ASSERT_EQ(asString(*decoded).at(row), values[row]) << row;
    EXPECT_EQ(asString(*decoded).chars().size(), asString(*column).chars().size());
  }
}

TEST(ColumnEncoding, IntegersAreStoredAsBytePlanes) {
  const DataType int32(TypeId::kInt32);
  auto column = std::make_shared<ColumnVector<int32_t>>(int32, std::vector<int32_t>{7, -1});
  const std::string data = encode(*column);
  // tag 2, then byte 0 of both rows, byte 1 of both rows, ...
  EXPECT_EQ(data, std::string("\x02\x07\xff\x00\xff\x00\xff\x00\xff", 9));
  EXPECT_EQ(asVector<int32_t>(*decode(int32, 2, data)).data(), (std::vector<int32_t>{7, -1}));
}

TEST(ColumnEncoding, MostlyAscendingIntegersStoreTheirDifferences) {
  const DataType date_time(TypeId::kDateTime);
  auto column = std::make_shared<ColumnVector<uint32_t>>(date_time, std::vector<uint32_t>{100, 101, 103});
  EXPECT_EQ(encode(*column), std::string("\x03\x64\x01\x02" "\x00\x00\x00" "\x00\x00\x00" "\x00\x00\x00", 13));
  // Differences wrap around, so a step down or the extremes still decode exactly.
  const std::vector<int64_t> extremes = {INT64_MIN, INT64_MIN + 1, -1, 0, INT64_MAX, -7, 3, 4, 5, 6, 7, 8, 9};
  auto wide = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), extremes);
  const std::string data = encode(*wide);
  EXPECT_EQ(data[0], '\x03');
  EXPECT_EQ(asVector<int64_t>(*decode(DataType(TypeId::kInt64), extremes.size(), data)).data(), extremes);
}

TEST(ColumnEncoding, FloatsAndSingleBytesStayPlain) {
  auto floats = std::make_shared<ColumnVector<double>>(DataType(TypeId::kFloat64), std::vector<double>{1.5, 2.5});
  EXPECT_EQ(encode(*floats)[0], '\x00');
  auto bytes = std::make_shared<ColumnVector<uint8_t>>(DataType(TypeId::kUInt8), std::vector<uint8_t>{1, 2, 3});
  EXPECT_EQ(encode(*bytes), std::string("\x00\x01\x02\x03", 4));
}

TEST(ColumnEncoding, MalformedInputThrowsInsteadOfReadingOutOfBounds) {
  const DataType int32(TypeId::kInt32);
  auto expectCorrupt = [](const DataType& type, size_t rows, std::string data) {
    ByteReader in(data);
    EXPECT_THROW(decodeGranuleColumn(type, rows, in), CorruptDataError) << type.name();
  };
  expectCorrupt(kLowCardinality, 2, std::string("\x07\x00\x00", 3));                    // unknown layout
  expectCorrupt(int32, 1, std::string("\x01\x01\x00\x00\x00", 5));                     // dictionary of integers
  expectCorrupt(kLowCardinality, 2, std::string("\x01\x01\x01" "a" "\x00\x01", 6));     // index 1 of 1 value
  expectCorrupt(kLowCardinality, 3, std::string("\x01\x01\x01" "a" "\x00\x00", 6));     // indexes cut short
  expectCorrupt(kLowCardinality, 1, std::string("\x01\x00", 2));                         // empty dictionary for a row
  expectCorrupt(kLowCardinality, 1, std::string("\x01\xff\xff\xff\x0f", 5));             // implausible dictionary
  expectCorrupt(DataType::nullable(kLowCardinality), 1, std::string("\x02\x00", 2));     // null map byte 2
  expectCorrupt(DataType(TypeId::kFloat64), 1, std::string("\x02") + std::string(8, '\0'));  // byte planes of a float
  expectCorrupt(int32, 2, std::string("\x03\x01\x02\x00\x00\x00\x00", 7));               // planes cut short
}

}  // namespace
}  // namespace perch::storage
