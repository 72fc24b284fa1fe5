// Lambdas and higher-order array functions through the whole query path: ClickHouse's result
// column names and types, captured columns across many batches and threads, and the positions
// in error messages. Row-level behaviour is covered by tests/sql/functions/array.test.
#include <gtest/gtest.h>

#include "common/error.h"
#include "query_fixture.h"

namespace perch {
namespace {

class LambdaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = testing::generateEvents(30000, 10);
    catalog_.addTable("app_events", testing::appEventsSchema(), testing::eventBatches(events_, 4096));
  }
  QueryResult run(const std::string& sql) { return executeQuery(sql, catalog_); }
  std::string error(const std::string& sql) {
    try {
      run(sql);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadRequest) << e.what();
      return e.what();
    }
    return "no error";
  }

  std::vector<testing::Event> events_;
  testing::FixtureCatalog catalog_;
};

TEST_F(LambdaTest, ColumnNamesAndTypesAreClickHouses) {
  const QueryResult result = run(
      "SELECT arrayMap(x -> x * 2, [1, 2]), arrayFilter((x, y) -> y > 1, ['a', 'b'], [1, 2]), has([1, 2], 1), [1, 2][1], "
      "arrayMap(x -> arrayMap(y -> x + y, [1]), [2])");
  EXPECT_EQ(result.names, (std::vector<std::string>{"arrayMap(lambda(tuple(x), multiply(x, 2)), [1, 2])",
                                                    "arrayFilter(lambda(tuple(x, y), greater(y, 1)), ['a', 'b'], [1, 2])",
                                                    "has([1, 2], 1)", "arrayElement([1, 2], 1)",
                                                    "arrayMap(lambda(tuple(x), arrayMap(lambda(tuple(y), plus(x, y)), [1])), [2])"}));
  ASSERT_EQ(result.types.size(), 5u);
  EXPECT_EQ(result.types[0].name(), "Array(UInt16)");
  EXPECT_EQ(result.types[1].name(), "Array(String)");
  EXPECT_EQ(result.types[2].name(), "UInt8");
  EXPECT_EQ(result.types[3].name(), "UInt8");
  EXPECT_EQ(result.types[4].name(), "Array(Array(UInt16))");
  EXPECT_EQ(testing::rowsOf(result), (std::vector<std::string>{"[2,4]|['b']|1|1|[[3]]"}));
}

TEST_F(LambdaTest, CapturedColumnsAreRepeatedPerElementInEveryBatch) {
  // 30,000 rows in 8 batches, filtered and aggregated on several threads: the lambda sees each
  // row's some_number once per array element.
  int64_t expected = 0;
  uint64_t matching = 0;
  for (const auto& event : events_) {
    if (event.some_number % 3 == 0) continue;
    expected += 6 * event.some_number;
    ++matching;
  }
  const QueryResult result = run(
      "SELECT sum(arraySum(arrayMap(x -> x * some_number, [1, 2, 3]))), "
      "countIf(arrayExists(x -> x = some_number, [some_number])) FROM app_events WHERE some_number % 3 != 0");
  EXPECT_EQ(testing::rowsOf(result), (std::vector<std::string>{std::to_string(expected) + "|" + std::to_string(matching)}));
}

TEST_F(LambdaTest, ErrorsNameTheFunctionAndThePosition) {
  const std::string message = error("SELECT arrayMap(x -> x, 1)");
  EXPECT_NE(message.find("Illegal type UInt8 of argument 2 of function arrayMap"), std::string::npos) << message;
  EXPECT_NE(message.find("position 25"), std::string::npos) << message;
  const std::string lambda = error("SELECT 1 FROM app_events WHERE x -> 1");
  EXPECT_NE(lambda.find("is allowed only as the first argument"), std::string::npos) << lambda;
}

}  // namespace
}  // namespace perch
