#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "common/error.h"
#include "query_fixture.h"

namespace perch {
namespace {

using testing::FixtureCatalog;
using testing::rowsOf;
using Rows = std::vector<std::string>;

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = testing::generateEvents(20000, 10);
    catalog_.addTable("app_events", testing::appEventsSchema(), testing::eventBatches(events_, 4096));
    // A small typed table: ints of several widths, a nullable and a date.
    TableSchema small{{{"id", DataType::parse("UInt8")},
                       {"name", DataType::parse("String")},
                       {"score", DataType::parse("Int32")},
                       {"maybe", DataType::parse("Nullable(Int64)")},
                       {"day", DataType::parse("Date")}}};
    auto id = std::make_shared<ColumnVector<uint8_t>>(small.columns[0].type, std::vector<uint8_t>{1, 2, 3, 4, 5});
    auto name = std::make_shared<ColumnString>();
    for (const char* value : {"alpha", "beta", "gamma", "beta", "delta"}) name->push(value);
    auto score = std::make_shared<ColumnVector<int32_t>>(small.columns[2].type, std::vector<int32_t>{10, -20, 30, 40, -50});
    auto maybe = std::make_shared<ColumnNullable>(
        small.columns[3].type, std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64), std::vector<int64_t>{7, 0, 9, 0, 11}),
        std::vector<uint8_t>{0, 1, 0, 1, 0});
    const uint16_t jan1 = static_cast<uint16_t>(*parseDate("2024-01-01"));
    auto day = std::make_shared<ColumnVector<uint16_t>>(small.columns[4].type,
                                                        std::vector<uint16_t>{jan1, jan1, static_cast<uint16_t>(jan1 + 1),
                                                                              static_cast<uint16_t>(jan1 + 2), static_cast<uint16_t>(jan1 + 31)});
    Batch batch;
    batch.rows = 5;
    batch.columns = {id, name, score, maybe, day};
    std::vector<Batch> batches;
    batches.push_back(std::move(batch));
    catalog_.addTable("small", small, std::move(batches));
  }

  QueryResult run(const std::string& sql) {
    QueryOptions options;
    options.now_seconds = *parseDateTime("2024-03-15 12:34:56");
    return executeQuery(sql, catalog_, options);
  }
  Rows rows(const std::string& sql) { return rowsOf(run(sql)); }
  std::string error(const std::string& sql) {
    try {
      run(sql);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadRequest) << e.what();
      return e.what();
    }
    return "no error";
  }
  std::vector<std::string> typeNames(const QueryResult& result) {
    std::vector<std::string> names;
    for (const auto& type : result.types) names.push_back(type.name());
    return names;
  }

  std::vector<testing::Event> events_;
  FixtureCatalog catalog_;
};

TEST_F(QueryTest, TheDailyTenantQueryMatchesAnIndependentComputation) {
  const QueryResult result = run(
      "SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events "
      "FROM (SELECT * FROM app_events WHERE organization_id = 'org_1' AND user_id = 'u_3') GROUP BY day ORDER BY day");
  std::map<uint32_t, std::pair<int64_t, uint64_t>> expected;
  for (const auto& event : events_) {
    if (event.organization_id != "org_1" || event.user_id != "u_3") continue;
    auto& entry = expected[event.timestamp - event.timestamp % 86400];
    entry.first += event.some_number;
    entry.second += 1;
  }
  EXPECT_EQ(result.names, (std::vector<std::string>{"day", "total", "events"}));
  EXPECT_EQ(typeNames(result), (std::vector<std::string>{"DateTime", "Int64", "UInt64"}));
  ASSERT_EQ(result.rows, expected.size());
  size_t row = 0;
  for (const auto& [day, totals] : expected) {
    std::string day_text;
    formatDateTime(day, day_text);
    EXPECT_EQ(testing::cell(result, 0, row), day_text);
    EXPECT_EQ(testing::cell(result, 1, row), std::to_string(totals.first));
    EXPECT_EQ(testing::cell(result, 2, row), std::to_string(totals.second));
    ++row;
  }
  // Only the four columns the query needs were read, every row once.
  EXPECT_EQ(result.rows_read, events_.size());
  size_t expected_bytes = events_.size() * (4 + 8);  // timestamp + some_number
  for (const auto& event : events_) expected_bytes += event.organization_id.size() + event.user_id.size() + 16;
  EXPECT_EQ(result.bytes_read, expected_bytes);
  EXPECT_FALSE(result.rows_before_limit.has_value());
}

TEST_F(QueryTest, GroupsByStringIntAndDateKeys) {
  std::map<std::string, uint64_t> by_type;
  std::map<std::string, int64_t> by_team_max;
  for (const auto& event : events_) {
    by_type[event.event_type]++;
    auto [it, inserted] = by_team_max.emplace(event.team_id, event.some_number);
    if (!inserted) it->second = std::max(it->second, event.some_number);
  }
  Rows expected;
  for (const auto& [type, count] : by_type) expected.push_back(type + "|" + std::to_string(count));
  EXPECT_EQ(rows("SELECT event_type, count() FROM app_events GROUP BY event_type ORDER BY event_type"), expected);
  expected.clear();
  for (const auto& [team, max] : by_team_max) expected.push_back(team + "|" + std::to_string(max));
  EXPECT_EQ(rows("SELECT team_id AS t, max(some_number) FROM app_events GROUP BY t ORDER BY t"), expected);

  EXPECT_EQ(rows("SELECT day, count(), sum(score) FROM small GROUP BY day ORDER BY day"),
            (Rows{"2024-01-01|2|-10", "2024-01-02|1|30", "2024-01-03|1|40", "2024-02-01|1|-50"}));
  EXPECT_EQ(rows("SELECT id % 2 AS odd, count() FROM small GROUP BY odd ORDER BY odd"), (Rows{"0|2", "1|3"}));
  EXPECT_EQ(rows("SELECT name, id % 2, count() FROM small GROUP BY name, id % 2 ORDER BY name, 2"),
            (Rows{"alpha|1|1", "beta|0|2", "delta|1|1", "gamma|1|1"}));
  EXPECT_EQ(rows("SELECT toStartOfMonth(day) AS m, uniq(name) FROM small GROUP BY m ORDER BY m"), (Rows{"2024-01-01|3", "2024-02-01|1"}));
}

// The short-string GROUP BY path packs keys of 0..15 bytes into 16 bytes: every length, and keys
// that differ only past byte 8 or only in length, stay distinct groups.
TEST_F(QueryTest, GroupsByStringKeysOfEveryShortLength) {
  Rows expected;
  for (int length = 0; length < 20; ++length) expected.push_back(std::to_string(length) + "|50");
  EXPECT_EQ(rows("SELECT length(s) AS n, count() FROM (SELECT substring('abcdefghijklmnopqrstuvwxyz', 1, number % 20) AS s FROM numbers(1000)) "
                 "GROUP BY s ORDER BY n"),
            expected);
  EXPECT_EQ(rows("SELECT s, count() FROM (SELECT arrayJoin(['abcdefgh1', 'abcdefgh2', 'abcdefgh', 'abcdefgh', '']) AS s) GROUP BY s ORDER BY s"),
            (Rows{"|1", "abcdefgh|2", "abcdefgh1|1", "abcdefgh2|1"}));
}

TEST_F(QueryTest, ArithmeticAndFunctionTypes) {
  const QueryResult result = run(
      "SELECT count(), sum(score), sum(id), avg(score), min(name), max(day), uniq(name), sum(toFloat32(score)), "
      "any(id + id), any(score * score), any(score / 2), any(intDiv(score, 3)), any(-id), any(1 + 1), any(toStartOfDay(day)), "
      "any(toDate(day)), any(toYYYYMM(day)), any(score - id) FROM small");
  EXPECT_EQ(typeNames(result),
            (std::vector<std::string>{"UInt64", "Int64", "UInt64", "Float64", "String", "Date", "UInt64", "Float64", "UInt16", "Int64",
                                      "Float64", "Int32", "Int16", "UInt16", "DateTime", "Date", "UInt32", "Int64"}));
  EXPECT_EQ(rowsOf(result), (Rows{"5|10|15|2|alpha|2024-02-01|4|10|2|100|5|3|-1|2|2024-01-01 00:00:00|2024-01-01|202401|9"}));
  EXPECT_EQ(result.names[0], "count()");
  EXPECT_EQ(result.names[8], "any(plus(id, id))");
}

TEST_F(QueryTest, OrderLimitOffsetAndRowsBeforeLimit) {
  QueryResult result = run("SELECT id, score FROM small ORDER BY score DESC LIMIT 2 OFFSET 1");
  EXPECT_EQ(rowsOf(result), (Rows{"3|30", "1|10"}));
  EXPECT_EQ(result.rows_before_limit, 5u);
  result = run("SELECT id FROM small WHERE score > 0 ORDER BY id LIMIT 1, 1");
  EXPECT_EQ(rowsOf(result), (Rows{"3"}));
  EXPECT_EQ(result.rows_before_limit, 3u);
  result = run("SELECT id FROM small ORDER BY id LIMIT toInt32('2') OFFSET toInt32('1') * toInt32('2')");
  EXPECT_EQ(rowsOf(result), (Rows{"3", "4"}));
  EXPECT_EQ(rows("SELECT name FROM small ORDER BY name, id DESC"), (Rows{"alpha", "beta", "beta", "delta", "gamma"}));
  EXPECT_EQ(rows("SELECT id FROM small ORDER BY maybe DESC, id"), (Rows{"5", "3", "1", "2", "4"}));
  EXPECT_EQ(rows("SELECT id FROM small ORDER BY maybe ASC NULLS FIRST, id"), (Rows{"2", "4", "1", "3", "5"}));
  // Top-N over many rows equals the full sort's prefix.
  std::vector<int64_t> numbers;
  for (const auto& event : events_) numbers.push_back(event.some_number);
  std::sort(numbers.begin(), numbers.end());
  result = run("SELECT some_number FROM app_events ORDER BY some_number LIMIT 3");
  EXPECT_EQ(rowsOf(result), (Rows{std::to_string(numbers[0]), std::to_string(numbers[1]), std::to_string(numbers[2])}));
  EXPECT_EQ(result.rows_before_limit, events_.size());
  result = run("SELECT * FROM app_events LIMIT 7");
  EXPECT_EQ(result.rows, 7u);
  EXPECT_EQ(result.rows_before_limit, events_.size());
}

TEST_F(QueryTest, DistinctAndHaving) {
  EXPECT_EQ(rows("SELECT DISTINCT name FROM small ORDER BY name"), (Rows{"alpha", "beta", "delta", "gamma"}));
  EXPECT_EQ(rows("SELECT name, count() AS c FROM small GROUP BY name HAVING c > 1"), (Rows{"beta|2"}));
  EXPECT_EQ(rows("SELECT name FROM small GROUP BY name HAVING sum(score) < 0 ORDER BY name"), (Rows{"delta"}));
}

TEST_F(QueryTest, InListsArraysAndSubqueries) {
  EXPECT_EQ(rows("SELECT id FROM small WHERE name IN ('beta', 'delta') ORDER BY id"), (Rows{"2", "4", "5"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE name NOT IN ['beta', 'delta'] ORDER BY id"), (Rows{"1", "3"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE id IN (1, 3, 300) ORDER BY id"), (Rows{"1", "3"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE id IN (SELECT id FROM small WHERE score > 15) ORDER BY id"), (Rows{"3", "4"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE day IN ('2024-01-02', '2024-02-01') ORDER BY id"), (Rows{"3", "5"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE maybe IN (7, 11) ORDER BY id"), (Rows{"1", "5"}));
  EXPECT_EQ(rows("SELECT 1 IN (1, 2), 3 IN [1, 2], 'a' NOT IN ('b')"), (Rows{"1|0|1"}));
}

TEST_F(QueryTest, StringLiteralConversions) {
  EXPECT_EQ(rows("SELECT toInt32('5'), toInt32('5') + 1, toUInt8('7'), toFloat64('1.5'), toString(42), toDate('2024-05-06')"),
            (Rows{"5|6|7|1.5|42|2024-05-06"}));
  EXPECT_EQ(typeNames(run("SELECT toInt32('5')")), (std::vector<std::string>{"Int32"}));
  EXPECT_EQ(rows("SELECT count() FROM small WHERE day >= '2024-01-02'"), (Rows{"3"}));
  EXPECT_EQ(rows("SELECT count() FROM small WHERE day = '2024-01-01'"), (Rows{"2"}));
  uint64_t expected = 0;
  const uint32_t bound = static_cast<uint32_t>(*parseDateTime("2024-01-05 12:00:00"));
  for (const auto& event : events_) expected += event.timestamp >= bound;
  EXPECT_EQ(rows("SELECT count() FROM app_events WHERE timestamp >= '2024-01-05 12:00:00'"), (Rows{std::to_string(expected)}));
  EXPECT_EQ(rows("SELECT count() FROM app_events WHERE timestamp BETWEEN '2024-01-01' AND '2024-01-01 23:59:59'").size(), 1u);
  EXPECT_EQ(error("SELECT count() FROM small WHERE day > 'not a date'"),
            "Cannot parse string 'not a date' as Date (at position 33 (line 1, col 33))");
}

TEST_F(QueryTest, MixedSignednessComparisons) {
  EXPECT_EQ(rows("SELECT toInt64(-1) < toUInt64(1), toUInt64(18446744073709551615) > toInt64(-1), toInt8(-1) = toUInt8(255), "
                 "toUInt32(4294967295) = -1, 1.5 > 1, -1 < 0"),
            (Rows{"1|1|0|0|1|1"}));
  EXPECT_EQ(rows("SELECT id FROM small WHERE score > -25 AND id < 300 ORDER BY id"), (Rows{"1", "2", "3", "4"}));
}

TEST_F(QueryTest, NullsConditionalsAndStrings) {
  EXPECT_EQ(rows("SELECT id, maybe, maybe + 1, isNull(maybe), coalesce(maybe, -1), ifNull(maybe, 0) FROM small ORDER BY id LIMIT 2"),
            (Rows{"1|7|8|0|7|7", "2|\\N|\\N|1|-1|0"}));
  EXPECT_EQ(rows("SELECT count(maybe), sum(maybe), count() FROM small"), (Rows{"3|27|5"}));
  EXPECT_EQ(typeNames(run("SELECT sum(maybe), count(maybe) FROM small")), (std::vector<std::string>{"Nullable(Int64)", "UInt64"}));
  EXPECT_EQ(typeNames(run("SELECT maybe + 1 FROM small")), (std::vector<std::string>{"Nullable(Int64)"}));
  EXPECT_EQ(rows("SELECT if(score > 0, 'pos', 'neg'), CASE WHEN id = 1 THEN 'one' WHEN id = 2 THEN 'two' ELSE 'many' END, "
                 "CASE id WHEN 3 THEN 30 ELSE 0 END FROM small ORDER BY id LIMIT 3"),
            (Rows{"pos|one|0", "neg|two|0", "pos|many|30"}));
  EXPECT_EQ(rows("SELECT upper(name), length(name), concat(name, '-', toString(id)), substring(name, 2, 3), lower('ABC') "
                 "FROM small WHERE name LIKE 'g%' OR name ILIKE '%ELT%' ORDER BY id"),
            (Rows{"GAMMA|5|gamma-3|amm|abc", "DELTA|5|delta-5|elt|abc"}));
  EXPECT_EQ(rows("SELECT NULL, 1 + NULL, NULL IS NULL"), (Rows{"\\N|\\N|1"}));
  EXPECT_EQ(rows("SELECT count() FROM small WHERE maybe > 8"), (Rows{"2"}));
}

TEST_F(QueryTest, DateFunctions) {
  EXPECT_EQ(rows("SELECT toStartOfHour(toDateTime('2024-03-15 12:34:56')), toStartOfMinute(toDateTime('2024-03-15 12:34:56')), "
                 "toStartOfMonth(toDateTime('2024-03-15 12:34:56')), toMonday(toDate('2024-03-17')), toStartOfWeek(toDate('2024-03-17')), "
                 "toYYYYMM(toDate('2024-03-17')), toHour(toDateTime('2024-03-15 12:34:56'))"),
            (Rows{"2024-03-15 12:00:00|2024-03-15 12:34:00|2024-03-01|2024-03-11|2024-03-17|202403|12"}));
  EXPECT_EQ(rows("SELECT now(), today(), yesterday(), now() - INTERVAL 1 DAY, toDate('2024-01-31') + INTERVAL 1 MONTH"),
            (Rows{"2024-03-15 12:34:56|2024-03-15|2024-03-14|2024-03-14 12:34:56|2024-02-29"}));
  EXPECT_EQ(rows("SELECT toStartOfInterval(toDateTime('2024-03-15 12:34:56'), INTERVAL 15 MINUTE), "
                 "dateDiff('day', toDate('2024-01-01'), toDate('2024-03-01')), toStartOfFifteenMinutes(toDateTime('2024-03-15 12:34:56'))"),
            (Rows{"2024-03-15 12:30:00|60|2024-03-15 12:30:00"}));
}

TEST_F(QueryTest, AliasesWorkInEveryClause) {
  EXPECT_EQ(rows("SELECT id * 10 AS big FROM small WHERE big > 20 ORDER BY big DESC LIMIT 2"), (Rows{"50", "40"}));
  EXPECT_EQ(rows("SELECT sum(score) AS score FROM small"), (Rows{"10"}));  // the alias does not capture its own argument
  EXPECT_EQ(rows("SELECT id AS x, x + 1 AS y FROM small WHERE y = 3"), (Rows{"2|3"}));
  EXPECT_EQ(rows("WITH 10 AS ten SELECT id * ten FROM small WHERE id = 2"), (Rows{"20"}));
  EXPECT_EQ(rows("WITH (SELECT max(score) FROM small) AS best SELECT id FROM small WHERE score = best"), (Rows{"4"}));
  EXPECT_EQ(rows("SELECT s.id FROM small AS s WHERE s.name = 'gamma'"), (Rows{"3"}));
}

TEST_F(QueryTest, ConstantsWithoutFrom) {
  const QueryResult result = run("SELECT 1, 'a', 1 + 2 AS three, 2.5 * 2, -1");
  EXPECT_EQ(result.names, (std::vector<std::string>{"1", "'a'", "three", "multiply(2.5, 2)", "-1"}));
  EXPECT_EQ(typeNames(result), (std::vector<std::string>{"UInt8", "String", "UInt16", "Float64", "Int8"}));
  EXPECT_EQ(rowsOf(result), (Rows{"1|a|3|5|-1"}));
  EXPECT_EQ(rows("SELECT 1 UNION ALL SELECT 300"), (Rows{"1", "300"}));
  EXPECT_EQ(typeNames(run("SELECT 1 UNION ALL SELECT -300")), (std::vector<std::string>{"Int16"}));
}

TEST_F(QueryTest, ChainedViewsAndColumnPruning) {
  catalog_.addView("filtered", "SELECT * FROM app_events WHERE organization_id = 'org_2'");
  catalog_.addView("daily", "SELECT toDate(timestamp) AS date, count() AS events, sum(some_number) AS total FROM filtered GROUP BY date");
  catalog_.addView("busy", "SELECT date, events FROM daily WHERE events > 0 ORDER BY date");
  std::map<std::string, uint64_t> expected;
  for (const auto& event : events_) {
    if (event.organization_id != "org_2") continue;
    std::string date;
    formatDate(event.timestamp / 86400, date);
    expected[date]++;
  }
  Rows expected_rows;
  for (const auto& [date, count] : expected) expected_rows.push_back(date + "|" + std::to_string(count));
  const QueryResult result = run("SELECT date, events FROM busy");
  EXPECT_EQ(rowsOf(result), expected_rows);
  EXPECT_EQ(typeNames(result), (std::vector<std::string>{"Date", "UInt64"}));
  // `total` is never read, so some_number is not scanned: timestamp + organization_id only.
  size_t bytes = events_.size() * 4;
  for (const auto& event : events_) bytes += event.organization_id.size() + 8;
  EXPECT_EQ(result.bytes_read, bytes);
  EXPECT_EQ(rows("SELECT count() FROM busy"), (Rows{std::to_string(expected.size())}));
}

TEST_F(QueryTest, ViewCyclesAndSelfWrappingViews) {
  catalog_.addView("a", "SELECT * FROM b");
  catalog_.addView("b", "SELECT * FROM a");
  EXPECT_EQ(error("SELECT * FROM a"), "Cyclic view reference: a -> b -> a");
  // A view named like a table wraps it (READ filters).
  catalog_.addView("small", "SELECT * FROM small WHERE id <= 2");
  EXPECT_EQ(rows("SELECT id FROM small ORDER BY id"), (Rows{"1", "2"}));
}

TEST_F(QueryTest, ErrorMessages) {
  EXPECT_EQ(error("SELECT nope FROM small"),
            "Missing columns: 'nope' at position 8 (line 1, col 8) while processing SELECT");
  EXPECT_EQ(error("SELECT * FROM missing"), "Table 'missing' doesn't exist (at position 15 (line 1, col 15))");
  EXPECT_EQ(error("SELECT frobnicate(id) FROM small"), "Unknown function frobnicate at position 8 (line 1, col 8)");
  EXPECT_EQ(error("SELECT name + 1 FROM small"),
            "Illegal types String and UInt8 of arguments of function plus (at position 8 (line 1, col 8))");
  EXPECT_EQ(error("SELECT name, count() FROM small GROUP BY id"),
            "Column 'name' is not under aggregate function and not in GROUP BY keys at position 8 (line 1, col 8)");
  EXPECT_EQ(error("SELECT id FROM small WHERE sum(id) > 1"),
            "Aggregate function sum(id) is found in WHERE where it is not allowed, at position 28 (line 1, col 28)");
  EXPECT_EQ(error("INSERT INTO small VALUES (1)"), "Only SELECT queries are supported, got a INSERT statement");
  EXPECT_EQ(error("SELECT id FROM small LIMIT name"), "Missing columns: 'name' at position 28 (line 1, col 28) while processing LIMIT");
  EXPECT_EQ(error("SELECT id FROM small LIMIT now()"), "LIMIT must be a non-negative integer, got type DateTime");
  EXPECT_EQ(error("SELECT id FROM small LIMIT rand()"), "Unknown function rand at position 28 (line 1, col 28)");
  EXPECT_EQ(error("SELECT id FROM small WHERE name"), "Illegal type String of column for filter in WHERE, it must be UInt8");
}

TEST_F(QueryTest, TimeoutIsReported) {
  QueryOptions options;
  options.timeout = std::chrono::milliseconds(0);
  try {
    executeQuery("SELECT count() FROM app_events", catalog_, options);
    FAIL() << "expected a timeout";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  }
}

}  // namespace
}  // namespace perch
