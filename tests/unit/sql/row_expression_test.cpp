// RowExpression: partition key and TTL expressions compiled against a table schema.
#include "exec/row_expression.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/error.h"

namespace perch {
namespace {

TableSchema eventsSchema() {
  TableSchema schema;
  schema.columns.push_back({"organization_id", DataType(TypeId::kString)});
  schema.columns.push_back({"timestamp", DataType(TypeId::kDateTime)});
  schema.columns.push_back({"day", DataType::nullable(DataType(TypeId::kDate))});
  return schema;
}

Batch eventsBatch() {
  auto organizations = std::make_shared<ColumnString>();
  organizations->push("acme");
  organizations->push("globex");
  // 2024-01-31 23:59:59 and 2024-02-01 00:00:00 UTC.
  auto timestamps = std::make_shared<ColumnVector<uint32_t>>(DataType(TypeId::kDateTime), std::vector<uint32_t>{1706745599, 1706745600});
  auto days = std::make_shared<ColumnNullable>(DataType::nullable(DataType(TypeId::kDate)));
  static_cast<ColumnVector<uint16_t>&>(days->nested()).data().push_back(19753);  // 2024-01-31
  days->nullMap().push_back(0);
  days->appendNull();
  Batch batch;
  batch.rows = 2;
  batch.columns = {organizations, timestamps, days};
  return batch;
}

TEST(RowExpression, PartitionKeyValuesAsText) {
  const RowExpression month = RowExpression::compile("toYYYYMM(timestamp)", eventsSchema());
  EXPECT_EQ(month.evaluateText(eventsBatch()), (std::vector<std::string>{"202401", "202402"}));
  const RowExpression organization = RowExpression::compile("organization_id", eventsSchema());
  EXPECT_EQ(organization.evaluateText(eventsBatch()), (std::vector<std::string>{"acme", "globex"}));
}

TEST(RowExpression, TtlAsEpochSeconds) {
  const RowExpression ttl = RowExpression::compile("timestamp + INTERVAL 90 DAY", eventsSchema());
  ASSERT_TRUE(ttl.isTimePoint());
  EXPECT_EQ(ttl.evaluateEpochSeconds(eventsBatch()), (std::vector<int64_t>{1706745599 + 90 * 86400, 1706745600 + 90 * 86400}));
  const RowExpression by_day = RowExpression::compile("day", eventsSchema());
  EXPECT_EQ(by_day.evaluateEpochSeconds(eventsBatch()),
            (std::vector<int64_t>{int64_t{19753} * 86400, std::numeric_limits<int64_t>::max()}));
  const RowExpression not_a_time = RowExpression::compile("length(organization_id)", eventsSchema());
  EXPECT_FALSE(not_a_time.isTimePoint());
  EXPECT_THROW(not_a_time.evaluateEpochSeconds(eventsBatch()), Error);
}

TEST(RowExpression, BadExpressionsFailAtCompileTimeWithTheReason) {
  try {
    RowExpression::compile("toYYYYMM(missing_column)", eventsSchema());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_NE(std::string(error.what()).find("missing_column"), std::string::npos) << error.what();
  }
  EXPECT_THROW(RowExpression::compile("toYYYYMM(timestamp", eventsSchema()), Error);
  EXPECT_THROW(RowExpression::compile("noSuchFunction(timestamp)", eventsSchema()), Error);
}

}  // namespace
}  // namespace perch
