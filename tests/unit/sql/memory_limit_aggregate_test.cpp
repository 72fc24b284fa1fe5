// The per-query memory limit over what aggregation keeps per group and per state
// (exec/memory_tracker.h): HashAggregate's group list and key columns, heap strings inside
// any/min/max/argMin/argMax/groupArray states, groupUniqArray/topK maps, uniq's hash sets. Each fails with the
// memory error under 1 MiB naming what it charged, answers right under 1 GiB, and leaves the
// tracker at zero — after an answer, an error and a timeout.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "exec/hash_aggregate.h"
#include "exec/memory_tracker.h"
#include "query_fixture.h"

namespace perch {
namespace {

constexpr uint64_t kSmall = 1 << 20;     // 1 MiB
constexpr uint64_t kLarge = 1ull << 30;  // 1 GiB

QueryOptions optionsWith(MemoryTracker& tracker, unsigned threads) {
  QueryOptions options;
  options.max_memory_bytes = 0;
  options.memory_tracker = &tracker;
  options.threads = threads;
  return options;
}

/// The error `sql` fails with under `limit` ("" when it answers); the tracker must be back at 0.
std::string errorUnder(const std::string& sql, uint64_t limit, unsigned threads) {
  testing::FixtureCatalog catalog;
  MemoryTracker tracker(limit);
  std::string message;
  try {
    executeQuery(sql, catalog, optionsWith(tracker, threads));
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << error.what();
    message = error.what();
  }
  EXPECT_EQ(tracker.used(), 0) << sql;
  return message;
}

/// The rows `sql` gives under 1 GiB; the tracker must be back at 0 and have counted `at_least`.
std::vector<std::string> rowsUnderLarge(const std::string& sql, unsigned threads, int64_t at_least) {
  testing::FixtureCatalog catalog;
  MemoryTracker tracker(kLarge);
  auto rows = testing::rowsOf(executeQuery(sql, catalog, optionsWith(tracker, threads)));
  EXPECT_EQ(tracker.used(), 0) << sql;
  EXPECT_GE(tracker.peak(), at_least) << sql;
  return rows;
}

// A 2,000,000-byte string (200,000 × 'abcdefghij') in one row of numbers(rows).
std::string bigString(const std::string& column = "number") {
  return "concat(toString(" + column + "), arrayStringConcat(arrayMap(x -> 'abcdefghij', range(200000))))";
}

struct StateCase {
  const char* name;
  std::string sql;
  std::vector<std::string> rows;
  int64_t at_least;  // bytes the states hold at once (the tracker's peak must reach them)
  // What the error may name besides the states ('|' between alternatives): with many small
  // values the states fill the budget and the second thread's first arena chunk may be what
  // passes it.
  std::string or_what = "aggregate function state";
};

// Whether the memory error names `what` or one of the '|'-separated alternatives in `or_what`.
bool namesOneOf(const std::string& message, const std::string& or_what) {
  size_t start = 0;
  while (true) {
    const size_t end = or_what.find('|', start);
    const std::string what = or_what.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (message.find("for " + what + "), maximum: 1.00 MiB") != std::string::npos) return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

class MemoryLimitAggregateStates : public ::testing::TestWithParam<StateCase> {};

TEST_P(MemoryLimitAggregateStates, FailUnderASmallLimitAnswerUnderALargeOneAndReturnToZero) {
  for (unsigned threads : {1u, 2u}) {
    const std::string message = errorUnder(GetParam().sql, kSmall, threads);
    EXPECT_NE(message.find("Memory limit (for query) exceeded: would use "), std::string::npos) << message;
    EXPECT_TRUE(namesOneOf(message, "aggregate function state|" + GetParam().or_what)) << message;
    EXPECT_EQ(rowsUnderLarge(GetParam().sql, threads, GetParam().at_least), GetParam().rows) << "threads " << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(
    MemoryLimit, MemoryLimitAggregateStates,
    ::testing::Values(
        // One state holding one 2 MB string (the heap buffer of the state's string).
        StateCase{"MaxOfALongString", "SELECT length(max(" + bigString() + ")) FROM numbers(3)", {"2000001"}, 2'000'000},
        StateCase{"MinOfALongString", "SELECT length(min(" + bigString() + ")) FROM numbers(3)", {"2000001"}, 2'000'000},
        StateCase{"AnyOfALongString", "SELECT length(any(" + bigString() + ")) FROM numbers(3)", {"2000001"}, 2'000'000},
        StateCase{"ArgMaxReturningALongString", "SELECT length(argMax(" + bigString() + ", number)) FROM numbers(3)", {"2000001"},
                  2'000'000},
        StateCase{"ArgMinOverALongString", "SELECT argMin(number, " + bigString() + ") FROM numbers(3)", {"0"}, 2'000'000},
        // Three 2 MB strings: the vector of values was charged before, their bytes were not.
        StateCase{"GroupArrayOfLongStrings", "SELECT arrayMap(s -> length(s), groupArray(" + bigString() + ")) FROM numbers(3)",
                  {"[2000001,2000001,2000001]"}, 6'000'000},
        // 100,000 distinct values: the value vector and the hash map's nodes and buckets.
        StateCase{"GroupUniqArrayOfManyValues", "SELECT length(groupUniqArray(number)), arraySum(groupUniqArray(number)) FROM numbers(100000)",
                  {"100000|4999950000"}, 100'000 * 40},
        StateCase{"GroupUniqArrayOfManyStrings", "SELECT length(groupUniqArray(concat('value_', toString(number)))) FROM numbers(100000)",
                  {"100000"}, 100'000 * 40, "arena chunk"},
        // 100 groups of 10,000 distinct values: each uniq set grows to 2^15 cells (128 KiB); 999996
        // as on ClickHouse 18.16 (32-bit hashes collide).
        StateCase{"UniqSetsPerGroup", "SELECT sum(u) FROM (SELECT number % 100 AS g, uniq(number) AS u FROM numbers(1000000) GROUP BY g)",
                  {"999996"}, 100 * 16384 * 4, "uniq hash set|arena chunk"},
        // 7 thirty times, 8 twenty, 9 ten, then 99,940 values once each.
        StateCase{"TopKOfManyValues",
                  "SELECT topK(3)(multiIf(number < 30, 7, number < 50, 8, number < 60, 9, number)) FROM numbers(100000)",
                  {"[7,8,9]"}, 99'940 * 40}),
    [](const ::testing::TestParamInfo<StateCase>& info) { return std::string(info.param.name); });

TEST(MemoryLimit, TopKAndGroupUniqArrayStillCountAndDeduplicate) {
  // The lookup by the row's bytes (no copy) must find values of every width and length.
  testing::FixtureCatalog catalog;
  const auto rows = testing::rowsOf(executeQuery(
      "SELECT topK(2)(x), groupUniqArray(x), topK(1)(toUInt8(number % 3)), length(groupUniqArray(toInt16(number % 7 - 3))), "
      "topK(1)(s) FROM (SELECT number, if(number % 5 < 3, 'a_long_value_of_over_15_bytes', toString(number % 2)) AS s, "
      "if(number % 4 = 0, 'z', 'y') AS x FROM numbers(1000))",
      catalog));
  EXPECT_EQ(rows, std::vector<std::string>{"['y','z']|['z','y']|[0]|7|['a_long_value_of_over_15_bytes']"});
}

TEST(MemoryLimit, StringStatesPerGroupReturnToZeroAfterATimeout) {
  testing::FixtureCatalog catalog;
  for (unsigned threads : {1u, 2u}) {
    MemoryTracker tracker(0);
    QueryOptions options = optionsWith(tracker, threads);
    // Past the deadline while the states hold values (a timeout of 0 would stop before any).
    options.timeout = std::chrono::milliseconds(100);
    try {
      executeQuery("SELECT number % 100000 AS k, max(concat('a value longer than fifteen bytes ', toString(number))), "
                   "groupUniqArray(toString(number)), topK(toString(number)) FROM numbers(100000000) GROUP BY k",
                   catalog, options);
      FAIL() << "expected a timeout";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kTimeout) << error.what();
    }
    EXPECT_EQ(tracker.used(), 0) << "threads " << threads;
  }
}

// ---- HashAggregate's group list and key columns ----------------------------------------------

// Batches made by the test, handed out once.
class BatchesSource final : public Operator {
 public:
  explicit BatchesSource(std::vector<Batch> batches) : batches_(std::move(batches)) {}
  std::optional<Batch> next() override {
    if (next_ == batches_.size()) return std::nullopt;
    return batches_[next_++];
  }

 private:
  std::vector<Batch> batches_;
  size_t next_ = 0;
};

// `groups` distinct (UInt64, T) keys in batches of 10,000 rows.
template <typename T>
std::vector<Batch> twoKeyBatches(size_t groups, const char* type) {
  std::vector<Batch> batches;
  for (size_t start = 0; start < groups; start += 10'000) {
    auto first = std::make_shared<ColumnVector<uint64_t>>(DataType::parse("UInt64"));
    auto second = std::make_shared<ColumnVector<T>>(DataType::parse(type));
    for (size_t row = start; row < std::min(groups, start + 10'000); ++row) {
      first->data().push_back(row);
      second->data().push_back(static_cast<T>(row % 7));
    }
    Batch batch;
    batch.rows = first->size();
    batch.columns = {first, second};
    batches.push_back(std::move(batch));
  }
  return batches;
}

// What the tracker holds once a GROUP BY of (UInt64, `type`) keys has returned its groups while
// the operator (with its hash table, arena and key columns) is still alive.
template <typename T>
int64_t bytesHeldAfterGrouping(size_t groups, const char* type, unsigned threads) {
  MemoryTracker tracker(0);
  MemoryTrackerScope scope(&tracker);
  ExecContext context;
  context.threads = threads;
  std::vector<BoundExprPtr> keys = {BoundExpr::makeColumn(0, DataType::parse("UInt64"), "a"),
                                    BoundExpr::makeColumn(1, DataType::parse(type), "b")};
  int64_t held = 0;
  {
    HashAggregate aggregate(std::make_unique<BatchesSource>(twoKeyBatches<T>(groups, type)), keys, {}, context);
    const auto out = aggregate.next();
    EXPECT_TRUE(out && out->rows == groups);
    held = tracker.used();
  }
  EXPECT_EQ(tracker.used(), 0);
  return held;
}

TEST(MemoryLimit, GroupByKeyColumnsAreCharged) {
  // (UInt64, UInt64) and (UInt64, UInt8) keys both take HashAggregate's 16-byte packed table, the
  // same arena and the same group list: what they hold differs by the key columns only, 7 bytes
  // a group.
  constexpr size_t kGroups = 100'000;
  const int64_t wide = bytesHeldAfterGrouping<uint64_t>(kGroups, "UInt64", 1);
  const int64_t narrow = bytesHeldAfterGrouping<uint8_t>(kGroups, "UInt8", 1);
  EXPECT_EQ(wide - narrow, static_cast<int64_t>(7 * kGroups));
  // The group list (8 bytes a group) and the keys (9 bytes) on top of the table.
  EXPECT_GE(narrow, static_cast<int64_t>(17 * kGroups));
}

TEST(MemoryLimit, HighCardinalityStringGroupByReturnsToZero) {
  // Long keys (into the arena and the key column) and short ones (into the packed table).
  for (const char* key : {"concat('a key that is longer than fifteen bytes ', toString(number))", "toString(number)"}) {
    const std::string sql = std::string("SELECT count(), sum(c) FROM (SELECT ") + key + " AS k, count() AS c FROM numbers(300000) GROUP BY k)";
    for (unsigned threads : {1u, 2u}) {
      EXPECT_NE(errorUnder(sql, kSmall, threads).find("Memory limit (for query) exceeded"), std::string::npos) << sql;
      EXPECT_EQ(rowsUnderLarge(sql, threads, 300'000 * 16), std::vector<std::string>{"300000|300000"});
    }
  }
}

}  // namespace
}  // namespace perch
