// Decimal columns through the WAL batch codec and a part (granules, byte-split layout, min/max):
// the storage integer (value × 10^S) round-trips, the type keeps its precision and scale, and
// the per-granule min/max are the storage integers.
#include <gtest/gtest.h>

#include <cstring>

#include "storage/batch_codec.h"
#include "storage/part.h"
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

// Row i: price = i - 5000.25 (negative and positive), rate = i / 10000, maybe NULL every 3rd row.
Batch decimalBatch(size_t rows) {
  const TableSchema schema = decimalSchema();
  std::vector<int64_t> ids(rows), rates(rows), maybe(rows);
  std::vector<int32_t> prices(rows);
  std::vector<uint8_t> nulls(rows);
  for (size_t i = 0; i < rows; ++i) {
    ids[i] = static_cast<int64_t>(i);
    prices[i] = static_cast<int32_t>(i) * 100 - 500025;
    rates[i] = static_cast<int64_t>(i);
    maybe[i] = -static_cast<int64_t>(i) * 1000000007;
    nulls[i] = i % 3 == 0;
  }
  Batch batch;
  batch.rows = rows;
  batch.columns.push_back(std::make_shared<ColumnVector<int64_t>>(schema.columns[0].type, ids));
  batch.columns.push_back(std::make_shared<ColumnVector<int32_t>>(schema.columns[1].type, prices));
  batch.columns.push_back(std::make_shared<ColumnVector<int64_t>>(schema.columns[2].type, rates));
  auto nested = std::make_shared<ColumnVector<int64_t>>(schema.columns[3].type.nested(), maybe);
  batch.columns.push_back(std::make_shared<ColumnNullable>(schema.columns[3].type, nested, nulls));
  return batch;
}

TEST(DecimalStorage, BatchCodecRoundTripsValuesAndTypes) {
  const Batch batch = decimalBatch(300);
  std::string encoded;
  encodeBatch(batch, encoded);
  // id (8) + price (4) + rate (8) + null map (1) + maybe (8) bytes per row, plus the headers.
  EXPECT_GE(encoded.size(), 300u * 29);
  const Batch decoded = decodeBatch(decimalSchema(), encoded);
  ASSERT_EQ(decoded.rows, 300u);
  EXPECT_EQ(decoded.columns[1]->type().name(), "Decimal(9, 2)");
  EXPECT_EQ(decoded.columns[2]->type().name(), "Decimal(18, 4)");
  EXPECT_EQ(rowsAsText(decoded), rowsAsText(batch));
  std::string text;
  decoded.columns[1]->formatText(1, text);
  EXPECT_EQ(text, "-4999.25");
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

}  // namespace
}  // namespace perch::storage
