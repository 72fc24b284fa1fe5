// Decimal columns through the WAL batch codec and a part (granules, byte-split layout, min/max):
// the storage integer (value × 10^S) round-trips, the type keeps its precision and scale, and
// the per-granule min/max are the storage integers. Decimal(P > 18) is stored in 128 bits.
#include <gtest/gtest.h>

#include <cstring>

#include "storage/batch_codec.h"
#include "storage/part.h"
#include "storage/row_order.h"
#include "storage_test_util.h"

namespace perch::storage {
namespace {

using testing::rowsAsText;
using testing::ScratchDirectory;

TableSchema decimalSchema() {
  TableSchema schema;
  schema.columns.push_back({"id", DataType(TypeId::kInt64)});
  schema.columns.push_back({"price", DataType::parse("Decimal(9, 2)")});
  schema.columns.push_back({"rate", DataType::parse("Decimal64(4)")});
  schema.columns.push_back({"maybe", DataType::parse("Nullable(Decimal(38, 3))")});
  return schema;
}

// Row i: price = i - 5000.25 (negative and positive), rate = i / 10000, maybe NULL every 3rd row
// and far past the Int64 range otherwise.
Batch decimalBatch(size_t rows) {
  const TableSchema schema = decimalSchema();
  std::vector<int64_t> ids(rows), rates(rows);
  std::vector<Int128> maybe(rows);
  std::vector<int32_t> prices(rows);
  std::vector<uint8_t> nulls(rows);
  for (size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<int64_t>(i);
    prices[i] = static_cast<int32_t>(i) * 100 - 500025;
    rates[i] = static_cast<int64_t>(i);
    maybe[i] = -static_cast<Int128>(i) * 1000000007 * 1000000000000000000;
    nulls[i] = i % 3 == 0;
  }
  Batch batch;
  batch.rows = rows;
  batch.columns.push_back(std::make_shared<ColumnVector<int64_t>>(schema.columns[0].type, ids));
  batch.columns.push_back(std::make_shared<ColumnVector<int32_t>>(schema.columns[1].type, prices));
  batch.columns.push_back(std::make_shared<ColumnVector<int64_t>>(schema.columns[2].type, rates));
  auto nested = std::make_shared<ColumnVector<Int128>>(schema.columns[3].type.nested(), maybe);
  batch.columns.push_back(std::make_shared<ColumnNullable>(schema.columns[3].type, nested, nulls));
  return batch;
}

TEST(DecimalStorage, BatchCodecRoundTripsValuesAndTypes) {
  const Batch batch = decimalBatch(300);
  std::string encoded;
  encodeBatch(batch, encoded);
  // id (8) + price (4) + rate (8) + null map (1) + maybe (16) bytes per row, plus the headers.
  EXPECT_GE(encoded.size(), 300u * 37);
  const Batch decoded = decodeBatch(decimalSchema(), encoded);
  ASSERT_EQ(decoded.rows, 300u);
  EXPECT_EQ(decoded.columns[1]->type().name(), "Decimal(9, 2)");
  EXPECT_EQ(decoded.columns[2]->type().name(), "Decimal(18, 4)");
  EXPECT_EQ(rowsAsText(decoded), rowsAsText(batch));
  std::string text;
  decoded.columns[1]->formatText(1, text);
  EXPECT_EQ(text, "-4999.25");
  text.clear();
  decoded.columns[3]->formatText(2, text);
  EXPECT_EQ(text, "-2000000014000000000000000.000");  // -2 * 1000000007 * 10^18 units of 0.001
}

TEST(DecimalStorage, PartRoundTripsAcrossGranulesWithMinMax) {
  ScratchDirectory dir;
  const Batch rows = decimalBatch(10000);
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, decimalSchema(), {"price"}, rows, PartWriteOptions{});
  const PartPtr part = Part::load(written->path(), decimalSchema());
  std::vector<std::string> read;
  for (const auto& batch : part->readAll()) {
    auto more = rowsAsText(*batch);
    read.insert(read.end(), more.begin(), more.end());
  }
  EXPECT_EQ(read, rowsAsText(rows));
  const auto& price_stats = part->index().stats[1];
  ASSERT_EQ(price_stats.size(), 2u);
  ASSERT_TRUE(price_stats[0].has_min_max);
  int32_t min = 0, max = 0;
  ASSERT_EQ(price_stats[0].min.size(), sizeof(int32_t));
  std::memcpy(&min, price_stats[0].min.data(), sizeof(min));
  std::memcpy(&max, price_stats[0].max.data(), sizeof(max));
  EXPECT_EQ(min, -500025);               // -5000.25
  EXPECT_EQ(max, 8191 * 100 - 500025);   // 3190.75
}

// Decimal(38, 18) as the sorting key: sorted by the full 128-bit value (not its low 64 bits), with
// 16-byte min/max per granule.
TEST(DecimalStorage, WideDecimalSortingKeySortsAndKeepsSixteenByteStats) {
  TableSchema schema;
  schema.columns.push_back({"amount", DataType::parse("Decimal(38, 18)")});
  const Int128 big = static_cast<Int128>(1) << 100;  // low 64 bits zero: a 64-bit sort would tie
  std::vector<Int128> values = {big * 3, -big, 7, big, -big * 2, 0};
  Batch unsorted;
  unsorted.rows = values.size();
  unsorted.columns.push_back(std::make_shared<ColumnVector<Int128>>(schema.columns[0].type, values));
  const Batch batch = gatherBatch(unsorted, sortPermutation(unsorted, {0}));
  ScratchDirectory dir;
  const PartPtr written = Part::write(dir.path(), PartName{1, 1, 0}, schema, {"amount"}, batch, PartWriteOptions{});
  const PartPtr part = Part::load(written->path(), schema);
  std::vector<Int128> read;
  for (const auto& batch : part->readAll()) {
    const auto& data = asVector<Int128>(*batch->columns[0]).data();
    read.insert(read.end(), data.begin(), data.end());
  }
  EXPECT_TRUE(read == (std::vector<Int128>{-big * 2, -big, 0, 7, big, big * 3}));
  const auto& stats = part->index().stats[0];
  ASSERT_EQ(stats.size(), 1u);
  ASSERT_EQ(stats[0].min.size(), sizeof(Int128));
  Int128 min = 0, max = 0;
  std::memcpy(&min, stats[0].min.data(), sizeof(min));
  std::memcpy(&max, stats[0].max.data(), sizeof(max));
  EXPECT_TRUE(min == -big * 2);
  EXPECT_TRUE(max == big * 3);
}

// Builds before Decimal128 storage wrote Decimal(P > 18) as 64-bit values under the same type
// name: the schema signature marks the wide storage, so their parts and WAL segments are refused
// (a clear "written with another schema" error) instead of being read with the wrong width.
TEST(DecimalStorage, SignatureMarksWideDecimalColumns) {
  TableSchema schema;
  schema.columns.push_back({"a", DataType::parse("Decimal(18, 2)")});
  schema.columns.push_back({"b", DataType::parse("Nullable(Decimal(38, 2))")});
  schema.columns.push_back({"c", DataType::parse("Array(Decimal(19, 0))")});
  EXPECT_EQ(schema.signature(), "a Decimal(18, 2)\nb Nullable(Decimal(38, 2)) int128\nc Array(Decimal(19, 0)) int128\n");
}

}  // namespace
}  // namespace perch::storage
