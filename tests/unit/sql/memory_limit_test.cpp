// The per-query memory limit (exec/memory_tracker.h, QueryOptions::max_memory_bytes): each place
// that buffers a query's input fails with the memory error under a small limit and gives the
// right answer under a large one; the tracker is back at zero after errors and timeouts, and no
// thread keeps a query's tracker as its current one afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "common/error.h"
#include "exec/memory_tracker.h"
#include "exec/task_pool.h"
#include "query_fixture.h"

namespace perch {
namespace {

constexpr uint64_t kSmall = 1 << 20;     // 1 MiB: less than any of the queries below buffers
constexpr uint64_t kLarge = 1ull << 30;  // 1 GiB: more than all of them

QueryOptions optionsWith(uint64_t limit, unsigned threads = 2) {
  QueryOptions options;
  options.max_memory_bytes = limit;
  options.threads = threads;
  return options;
}

/// The message of the Error(kBadRequest) `sql` fails with under `limit` ("" when it succeeds).
std::string memoryError(const std::string& sql, uint64_t limit = kSmall, unsigned threads = 2) {
  testing::FixtureCatalog catalog;
  try {
    executeQuery(sql, catalog, optionsWith(limit, threads));
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest) << error.what();
    return error.what();
  }
  return "";
}

std::vector<std::string> rowsUnder(const std::string& sql, uint64_t limit = kLarge) {
  testing::FixtureCatalog catalog;
  return testing::rowsOf(executeQuery(sql, catalog, optionsWith(limit)));
}

void expectMemoryError(const std::string& sql, const std::string& what, uint64_t limit = kSmall) {
  const std::string message = memoryError(sql, limit);
  EXPECT_NE(message.find("Memory limit (for query) exceeded: would use "), std::string::npos) << sql << "\n" << message;
  EXPECT_NE(message.find("maximum: " + formatBytes(limit)), std::string::npos) << message;
  EXPECT_NE(message.find("for " + what + ")"), std::string::npos) << "expected the " << what << " to hit the limit: " << message;
}

TEST(MemoryTracker, ChargesReleasesAndRefusesPastTheLimit) {
  MemoryTracker tracker(1000);
  {
    MemoryTrackerScope scope(&tracker);
    MemoryCharge charge;
    charge.add(400, "test buffer");
    EXPECT_EQ(tracker.used(), 400);
    try {
      charge.add(700, "test buffer");
      FAIL() << "expected the limit";
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()).find("Memory limit (for query) exceeded: would use 1.07 KiB (attempt to allocate 700 B for "
                                               "test buffer), maximum: 1000 B. "),
                0u)
          << error.what();
    }
    EXPECT_EQ(tracker.used(), 400);  // the refused charge is not kept
    EXPECT_EQ(charge.bytes(), 400u);
    MemoryCharge copy = charge;      // copies charge again
    EXPECT_EQ(tracker.used(), 800);
    EXPECT_THROW(MemoryCharge{copy}, Error);
    EXPECT_EQ(tracker.used(), 800);
    MemoryCharge moved = std::move(copy);
    EXPECT_EQ(copy.bytes(), 0u);
    EXPECT_EQ(tracker.used(), 800);
    moved.set(100, "test buffer");
    EXPECT_EQ(tracker.used(), 500);
  }
  EXPECT_EQ(tracker.used(), 0);
  EXPECT_EQ(tracker.peak(), 800);
  EXPECT_EQ(currentMemoryTracker(), nullptr);
}

TEST(MemoryTracker, NothingIsChargedOutsideAQuery) {
  MemoryCharge charge;
  charge.add(1ull << 40, "test buffer");
  EXPECT_EQ(charge.bytes(), 0u);
}

TEST(MemoryTracker, FormatsBytes) {
  EXPECT_EQ(formatBytes(100), "100 B");
  EXPECT_EQ(formatBytes(1536), "1.50 KiB");
  EXPECT_EQ(formatBytes(uint64_t{4} << 30), "4.00 GiB");
  EXPECT_EQ(formatBytes(static_cast<uint64_t>(4.21 * (1ull << 30))), "4.21 GiB");
}

TEST(MemoryTracker, TaskPoolWorkersRunWithTheCallersTrackerOnly) {
  MemoryTracker tracker(0);
  std::atomic<int> wrong{0};
  {
    MemoryTrackerScope scope(&tracker);
    parallelFor(256, 2, [&](size_t) {
      if (currentMemoryTracker() != &tracker) ++wrong;
    });
  }
  EXPECT_EQ(wrong.load(), 0);
  parallelFor(256, 2, [&](size_t) {
    if (currentMemoryTracker() != nullptr) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(MemoryLimit, HighCardinalityGroupBy) {
  const std::string sql = "SELECT count(), sum(c) FROM (SELECT number % 200000 AS k, count() AS c FROM numbers(400000) GROUP BY k)";
  const std::string message = memoryError(sql);
  EXPECT_NE(message.find("Memory limit (for query) exceeded"), std::string::npos) << message;
  EXPECT_TRUE(message.find("hash table") != std::string::npos || message.find("arena chunk") != std::string::npos) << message;
  EXPECT_EQ(rowsUnder(sql), std::vector<std::string>{"200000|400000"});
}

TEST(MemoryLimit, HighCardinalityStringGroupBy) {
  const std::string sql =
      "SELECT count() FROM (SELECT concat('user_', toString(number % 100000)) AS k, count() FROM numbers(200000) GROUP BY k)";
  EXPECT_NE(memoryError(sql).find("Memory limit (for query) exceeded"), std::string::npos);
  EXPECT_EQ(rowsUnder(sql), std::vector<std::string>{"100000"});
}

TEST(MemoryLimit, LargeJoinBuildSide) {
  const std::string sql =
      "SELECT count(), sum(number) FROM numbers(1000) AS a INNER JOIN (SELECT number * 2 AS number FROM numbers(300000)) AS b "
      "USING (number)";
  const std::string message = memoryError(sql);
  EXPECT_NE(message.find("Memory limit (for query) exceeded"), std::string::npos) << message;
  EXPECT_NE(message.find("hash join"), std::string::npos) << message;
  EXPECT_EQ(rowsUnder(sql), std::vector<std::string>{"500|249500"});
}

TEST(MemoryLimit, OrderByWithoutLimit) {
  const std::string sql = "SELECT count(), min(n), max(n) FROM (SELECT number AS n FROM numbers(500000) ORDER BY n DESC)";
  expectMemoryError(sql, "sort buffer");
  EXPECT_EQ(rowsUnder(sql), std::vector<std::string>{"500000|0|499999"});
  // The whole sorted result, charged as it is accumulated.
  testing::FixtureCatalog catalog;
  const QueryResult result = executeQuery("SELECT number FROM numbers(500000) ORDER BY number DESC", catalog, optionsWith(kLarge));
  ASSERT_EQ(result.rows, 500000u);
  EXPECT_EQ(testing::cell(result, 0, 0), "499999");
  EXPECT_EQ(testing::cell(result, 0, 499999), "0");
}

TEST(MemoryLimit, OrderByWithSmallLimitStaysUnderTheLimit) {
  // Top-N keeps O(N + batch) rows, so the same input sorts within 1 MiB... of buffered rows.
  const std::string sql = "SELECT number FROM numbers(500000) ORDER BY number DESC LIMIT 3";
  EXPECT_EQ(rowsUnder(sql, 4 * kSmall), (std::vector<std::string>{"499999", "499998", "499997"}));
}

// One buffer each: under 1 MiB the query fails naming it, under 1 GiB it answers.
struct BufferCase {
  const char* name;
  const char* sql;
  const char* what;  // the buffer named in the message
  std::vector<std::string> rows;
};

class MemoryLimitBuffers : public ::testing::TestWithParam<BufferCase> {};

TEST_P(MemoryLimitBuffers, FailsUnderASmallLimitAndAnswersUnderALargeOne) {
  expectMemoryError(GetParam().sql, GetParam().what);
  EXPECT_EQ(rowsUnder(GetParam().sql), GetParam().rows);
}

INSTANTIATE_TEST_SUITE_P(
    MemoryLimit, MemoryLimitBuffers,
    ::testing::Values(
        // 2000 × 2000 pairs of one key: the build side is small, the output pairs are not.
        BufferCase{"JoinThatMultipliesRows",
                   "SELECT count() FROM (SELECT 1 AS k FROM numbers(2000)) AS a ALL INNER JOIN (SELECT 1 AS k, number FROM "
                   "numbers(2000)) AS b USING (k)",
                   "hash join output", {"4000000"}},
        BufferCase{"GroupArrayOfEverything", "SELECT length(groupArray(number)), arraySum(groupArray(number)) FROM numbers(500000)",
                   "aggregate function state", {"500000|124999750000"}},
        BufferCase{"QuantileExactOfEverything", "SELECT quantileExact(0.5)(number) FROM numbers(500000)", "aggregate function state",
                   {"250000"}},
        BufferCase{"LimitByKeys", "SELECT count() FROM (SELECT number FROM numbers(300000) LIMIT 1 BY number)", "LIMIT BY keys",
                   {"300000"}},
        BufferCase{"WithFillRows", "SELECT count() FROM (SELECT toUInt64(1) AS x ORDER BY x WITH FILL FROM 0 TO 500000)",
                   "WITH FILL rows", {"500000"}}),
    [](const ::testing::TestParamInfo<BufferCase>& info) { return std::string(info.param.name); });

TEST(MemoryLimit, WindowBuffer) {
  const std::string sql = "SELECT count(), max(r) FROM (SELECT row_number() OVER (ORDER BY number) AS r FROM numbers(300000))";
  const std::string message = memoryError(sql);
  EXPECT_NE(message.find("Memory limit (for query) exceeded"), std::string::npos) << message;
  EXPECT_EQ(rowsUnder(sql), std::vector<std::string>{"300000|300000"});
}

TEST(MemoryLimit, InSets) {
  // The subquery's 300000 rows are drained first (charged while drained, as "buffered rows"): a
  // limit between that and the set's size shows the set itself charged.
  expectMemoryError("SELECT count() FROM numbers(10) WHERE number IN (SELECT number FROM numbers(300000))", "buffered rows");
  const std::string numbers = "SELECT count() FROM numbers(10) WHERE number IN (SELECT number * 2 FROM numbers(300000))";
  expectMemoryError(numbers, "hash set", 6 << 20);
  EXPECT_EQ(rowsUnder(numbers), std::vector<std::string>{"5"});
  const std::string strings =
      "SELECT count() FROM numbers(10) WHERE toString(number) IN (SELECT toString(number * 2) FROM numbers(300000))";
  expectMemoryError(strings, "IN set", 12 << 20);
  EXPECT_EQ(rowsUnder(strings), std::vector<std::string>{"5"});
}

TEST(MemoryLimit, AccumulatedResult) {
  const std::string message = memoryError("SELECT number, toString(number) FROM numbers(300000)");
  EXPECT_NE(message.find("for the result)"), std::string::npos) << message;
}

TEST(MemoryLimit, ZeroMeansNoLimit) {
  EXPECT_EQ(rowsUnder("SELECT count() FROM (SELECT number FROM numbers(500000) ORDER BY number DESC)", 0),
            std::vector<std::string>{"500000"});
}

TEST(MemoryLimit, TrackerIsBackAtZeroAfterAnErrorAndTheNextQueryWorks) {
  testing::FixtureCatalog catalog;
  for (unsigned threads : {1u, 2u}) {
    MemoryTracker tracker(kSmall);
    QueryOptions options = optionsWith(0, threads);
    options.memory_tracker = &tracker;
    EXPECT_THROW(executeQuery("SELECT number % 200000 AS k, count() FROM numbers(400000) GROUP BY k", catalog, options), Error);
    EXPECT_EQ(tracker.used(), 0) << "threads " << threads;
    EXPECT_EQ(currentMemoryTracker(), nullptr);
    // The next query on this thread and the same pool workers.
    const QueryResult result = executeQuery("SELECT number % 10 AS k, count() FROM numbers(100000) GROUP BY k ORDER BY k", catalog, options);
    EXPECT_EQ(result.rows, 10u);
    EXPECT_EQ(testing::cell(result, 1, 0), "10000");
    EXPECT_EQ(tracker.used(), 0);
    EXPECT_GT(tracker.peak(), 0);
    EXPECT_LE(tracker.peak(), static_cast<int64_t>(kSmall));
  }
  // No worker kept a query's tracker.
  std::atomic<int> wrong{0};
  parallelFor(256, 2, [&](size_t) {
    if (currentMemoryTracker() != nullptr) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0);
}

TEST(MemoryLimit, TrackerIsBackAtZeroAfterATimeout) {
  testing::FixtureCatalog catalog;
  MemoryTracker tracker(0);
  QueryOptions options = optionsWith(0);
  options.memory_tracker = &tracker;
  options.timeout = std::chrono::milliseconds(0);
  try {
    executeQuery("SELECT number FROM numbers(2000000) ORDER BY number DESC", catalog, options);
    FAIL() << "expected a timeout";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kTimeout) << error.what();
  }
  EXPECT_EQ(tracker.used(), 0);
}

TEST(MemoryLimit, DefaultIsSetForTheProcess) {
  const uint64_t before = defaultMaxQueryMemory();
  EXPECT_GT(before, 0u);
  EXPECT_LE(before, uint64_t{4} << 30);
  setDefaultMaxQueryMemory(kSmall);
  EXPECT_EQ(QueryOptions{}.max_memory_bytes, kSmall);
  testing::FixtureCatalog catalog;
  EXPECT_THROW(executeQuery("SELECT count() FROM (SELECT number FROM numbers(500000) ORDER BY number)", catalog), Error);
  setDefaultMaxQueryMemory(before);
  EXPECT_EQ(QueryOptions{}.max_memory_bytes, before);
}

}  // namespace
}  // namespace perch
