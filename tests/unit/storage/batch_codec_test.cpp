#include "storage/batch_codec.h"

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace perch::storage {
namespace {

using testing::allTypesBatch;
using testing::allTypesSchema;
using testing::rowsAsText;

TEST(BatchCodec, RoundTripsEveryColumnClass) {
  const Batch batch = allTypesBatch(1, 257);
  std::string encoded;
  encodeBatch(batch, encoded);
  const Batch decoded = decodeBatch(allTypesSchema(), encoded);
  ASSERT_EQ(decoded.rows, batch.rows);
  for (size_t i = 0; i < batch.columns.size(); ++i) EXPECT_EQ(decoded.columns[i]->type(), batch.columns[i]->type());
  EXPECT_EQ(rowsAsText(decoded), rowsAsText(batch));
}

TEST(BatchCodec, EncodesARangeOfRows) {
  const Batch batch = allTypesBatch(10, 50);
  const TableSchema schema = allTypesSchema();
  for (size_t column = 0; column < schema.columns.size(); ++column) {
    std::string encoded;
    encodeColumn(*batch.columns[column], 7, 20, encoded);
    ByteReader in(encoded);
    MutableColumnPtr decoded = decodeColumn(schema.columns[column].type, 20, in);
    EXPECT_TRUE(in.atEnd()) << schema.columns[column].name;
    for (size_t row = 0; row < 20; ++row) {
      std::string expected, actual;
      batch.columns[column]->formatJson(7 + row, expected, FormatOptions{});
      decoded->formatJson(row, actual, FormatOptions{});
      EXPECT_EQ(actual, expected) << schema.columns[column].name << " row " << row;
    }
  }
}

TEST(BatchCodec, RejectsTruncatedInput) {
  std::string encoded;
  encodeBatch(allTypesBatch(1, 40), encoded);
  for (size_t cut : {size_t{3}, size_t{12}, encoded.size() / 2, encoded.size() - 1}) {
    EXPECT_THROW(decodeBatch(allTypesSchema(), std::string_view(encoded).substr(0, cut)), CorruptDataError) << cut;
  }
  encoded.push_back('x');
  EXPECT_THROW(decodeBatch(allTypesSchema(), encoded), CorruptDataError);
}

}  // namespace
}  // namespace perch::storage
