// Predicate pushdown (exec/predicate_pushdown.h): a WHERE conjunct reaches the scan of a join side
// or of a subquery / view (pipe node), where KeyCondition skips granules — rows_read shrinks —
// and the answer is the one the plan without pushdown gives, for every join kind, USING and ON,
// NULL keys, into each UNION ALL member, and for the subqueries it must not enter (LIMIT,
// DISTINCT, aggregates, windows, ...). Tables and catalog come from query_fixture.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "exec/query.h"
#include "query_fixture.h"
#include "types/date_time.h"

namespace perch {
namespace {

using testing::rowsOf;

const uint32_t kStart = static_cast<uint32_t>(*parseDateTime("2024-01-01 00:00:00"));
constexpr size_t kEventRows = 4096;

using testing::appendNullable;
using testing::durableTableOptions;
using testing::FixtureCatalog;
using testing::ScratchDirectory;

// events(id, ts, k, org, v): one row per 10 minutes, sorted by ts, granules of 64 rows; k is a
// join key with NULLs. dims(k, name, w): 40 rows sorted by w, granules of 4; k repeats and is NULL.
class PushdownTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = new ScratchDirectory("perch-pushdown-test");
    catalog_ = new FixtureCatalog;
    TableSchema events_schema{{{"id", DataType::parse("Int64")},
                               {"ts", DataType::parse("DateTime")},
                               {"k", DataType::parse("Nullable(Int32)")},
                               {"org", DataType::parse("String")},
                               {"v", DataType::parse("Int64")}}};
    auto events = std::make_shared<Table>("events", events_schema, durableTableOptions(directory_->path() / "events", {"ts"}, 64));
    std::mt19937 random(7);
    auto id = std::make_shared<ColumnVector<int64_t>>(events_schema.columns[0].type);
    auto ts = std::make_shared<ColumnVector<uint32_t>>(events_schema.columns[1].type);
    auto k = std::make_shared<ColumnNullable>(events_schema.columns[2].type);
    auto org = std::make_shared<ColumnString>(events_schema.columns[3].type);
    auto v = std::make_shared<ColumnVector<int64_t>>(events_schema.columns[4].type);
    for (size_t i = 0; i < kEventRows; ++i) {
      id->data().push_back(static_cast<int64_t>(i));
      ts->data().push_back(kStart + static_cast<uint32_t>(i) * 600);
      appendNullable<int32_t>(*k, random() % 8 == 0 ? std::nullopt : std::optional<int32_t>(static_cast<int32_t>(random() % 30)));
      org->push("org_" + std::to_string(random() % 5));
      v->data().push_back(static_cast<int64_t>(random() % 100) - 20);
    }
    events->append(Batch{{id, ts, k, org, v}, kEventRows}, Durability::kWritten);
    events->flush();
    catalog_->addTable("events", events);

    TableSchema dims_schema{{{"k", DataType::parse("Nullable(Int32)")},
                             {"name", DataType::parse("LowCardinality(String)")},
                             {"w", DataType::parse("Int64")}}};
    auto dims = std::make_shared<Table>("dims", dims_schema, durableTableOptions(directory_->path() / "dims", {"w"}, 4));
    auto dk = std::make_shared<ColumnNullable>(dims_schema.columns[0].type);
    auto name = std::make_shared<ColumnString>(dims_schema.columns[1].type);
    auto w = std::make_shared<ColumnVector<int64_t>>(dims_schema.columns[2].type);
    for (int32_t i = 0; i < 40; ++i) {
      appendNullable<int32_t>(*dk, i % 13 == 5 ? std::nullopt : std::optional<int32_t>((i * 7) % 35));
      name->push(i % 3 == 0 ? "free" : (i % 3 == 1 ? "pro" : "enterprise"));
      w->data().push_back(i);
    }
    dims->append(Batch{{dk, name, w}, 40}, Durability::kWritten);
    dims->flush();
    catalog_->addTable("dims", dims);

    catalog_->addView("plain_node", "SELECT ts, org, v * 2 AS v2 FROM events");
    catalog_->addView("by_minute", "SELECT ts, org, count() AS c, sum(v) AS total FROM events GROUP BY ts, org");
    catalog_->addView("later_node", "SELECT ts, v2 FROM plain_node");
    catalog_->addView("nonzero", "SELECT ts, v FROM events WHERE v != 0");
  }
  static void TearDownTestSuite() {
    delete catalog_;
    delete directory_;
  }

  static QueryResult run(const std::string& sql, bool pushdown = true) {
    return executeQuery(sql, *catalog_, testing::fixtureQueryOptions(1, pushdown));
  }

  static std::vector<std::string> sortedRows(const QueryResult& result) {
    std::vector<std::string> rows = rowsOf(result);
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // Runs `sql` with and without pushdown: same rows; returns {rows_read with, rows_read without}.
  static std::pair<uint64_t, uint64_t> compare(const std::string& sql) {
    const QueryResult with = run(sql, true);
    const QueryResult without = run(sql, false);
    EXPECT_EQ(sortedRows(with), sortedRows(without)) << sql;
    return {with.rows_read, without.rows_read};
  }

  static inline ScratchDirectory* directory_ = nullptr;
  static inline FixtureCatalog* catalog_ = nullptr;
};

// Day 20 of 28: the last ~30% of the events.
const std::string kLateFilter = "ts >= toDateTime('2024-01-20 00:00:00')";

TEST_F(PushdownTest, InnerJoinFiltersTheLeftScan) {
  const auto [with, without] = compare("SELECT name, count(), sum(v) FROM events ALL INNER JOIN dims USING (k) WHERE " + kLateFilter +
                                       " GROUP BY name ORDER BY name");
  EXPECT_EQ(without, kEventRows + 40);
  EXPECT_LT(with, without / 2);
  EXPECT_GT(with, 40u);
}

TEST_F(PushdownTest, InnerJoinFiltersTheRightScan) {
  const auto [with, without] = compare("SELECT count(), sum(v) FROM events AS e INNER JOIN dims AS d ON e.k = d.k WHERE d.w < 8");
  EXPECT_EQ(without, kEventRows + 40);
  EXPECT_LE(with, kEventRows + 8);
}

TEST_F(PushdownTest, LeftJoinFiltersOnlyTheLeftSide) {
  // Left conjunct: pushed. Right conjunct: filtering dims first would turn matches into defaults.
  const auto [left_with, left_without] = compare("SELECT count(), sum(w) FROM events LEFT JOIN dims USING (k) WHERE " + kLateFilter);
  EXPECT_LT(left_with, left_without / 2);
  const auto [right_with, right_without] = compare("SELECT count(), sum(v) FROM events LEFT JOIN dims USING (k) WHERE w < 8");
  EXPECT_EQ(right_with, right_without);
  const auto [full_with, full_without] = compare("SELECT count(), sum(v) FROM events FULL JOIN dims USING (k) WHERE " + kLateFilter);
  EXPECT_EQ(full_with, full_without);
  const auto [right_join_with, right_join_without] = compare("SELECT count() FROM events RIGHT JOIN dims USING (k) WHERE " + kLateFilter);
  EXPECT_EQ(right_join_with, right_join_without);
  // The right side of ANY: which right row is taken would change.
  const auto [any_with, any_without] = compare("SELECT count(), sum(v), sum(w) FROM events ANY INNER JOIN dims USING (k) WHERE w > 20");
  EXPECT_EQ(any_with, any_without);
}

TEST_F(PushdownTest, SubqueryAndPipeNodesFilterTheirScan) {
  const auto [sub_with, sub_without] = compare("SELECT count(), sum(x) FROM (SELECT ts, v + 1 AS x FROM events) WHERE " + kLateFilter);
  EXPECT_EQ(sub_without, kEventRows);
  EXPECT_LT(sub_with, kEventRows / 2);
  // A filter written two nodes later reaches the scan of the first node.
  const auto [node_with, node_without] = compare("SELECT count(), sum(v2) FROM later_node WHERE " + kLateFilter + " AND v2 > 10");
  EXPECT_LT(node_with, node_without / 2);
  // GROUP BY keys cross the aggregation.
  const auto [key_with, key_without] = compare("SELECT org, sum(c), sum(total) FROM by_minute WHERE " + kLateFilter + " GROUP BY org");
  EXPECT_LT(key_with, key_without / 2);
  // A qualified subquery side of a join.
  const auto [join_with, join_without] = compare("SELECT count() FROM (SELECT ts, k FROM events) AS e INNER JOIN dims USING (k) WHERE e.ts >= "
                                                 "toDateTime('2024-01-20 00:00:00')");
  EXPECT_LT(join_with, join_without / 2);
  // Unqualified, when no other side has a column of that name.
  const auto [bare_with, bare_without] =
      compare("SELECT count(), sum(x) FROM (SELECT ts, k AS kk, v + 1 AS x FROM events) AS e INNER JOIN dims AS d ON e.kk = d.k WHERE " +
              kLateFilter + " AND x > 0");
  EXPECT_LT(bare_with, bare_without / 2);
  // `k` is a column of both sides: the subquery gets nothing (the answer stays right either way).
  const auto [shared_with, shared_without] =
      compare("SELECT count(), sum(v) FROM (SELECT ts, k, v FROM events) AS e INNER JOIN dims AS d USING (k) WHERE k = 3");
  EXPECT_EQ(shared_without, kEventRows + 40);
  EXPECT_GE(shared_with, kEventRows);
}

TEST_F(PushdownTest, RefusedWhereTheAnswerWouldChange) {
  const std::vector<std::string> refused = {
      // aggregates are no GROUP BY keys; nothing crosses an aggregation without GROUP BY
      "SELECT * FROM by_minute WHERE total > 70 AND c = 1 ORDER BY ts, org LIMIT 5",
      "SELECT * FROM (SELECT max(ts) AS ts, count() AS c FROM events) WHERE " + kLateFilter,
      "SELECT count() FROM (SELECT ts FROM events ORDER BY ts DESC LIMIT 1000) WHERE " + kLateFilter,
      "SELECT count() FROM (SELECT ts, v FROM events ORDER BY ts LIMIT 2 BY v) WHERE " + kLateFilter,
      "SELECT count(), sum(n) FROM (SELECT ts, row_number() OVER (ORDER BY ts) AS n FROM events) WHERE " + kLateFilter,
      "SELECT count() FROM (SELECT DISTINCT toStartOfDay(ts) AS ts FROM events) WHERE " + kLateFilter,
      "SELECT count(), sum(x) FROM (SELECT ts, x FROM events ARRAY JOIN [1, 2] AS x) WHERE " + kLateFilter,
      // a member's column of another type than the union's (DateTime and Date): `ts + 1` differs
      "SELECT count() FROM (SELECT ts FROM events UNION ALL SELECT toDate(ts) FROM events) WHERE ts + 1 >= toDateTime('2024-01-20 00:00:00')",
  };
  for (const std::string& sql : refused) {
    const auto [with, without] = compare(sql);
    EXPECT_EQ(with, without) << sql;
  }
}

// Each UNION ALL member gets the conjunct over its own output names (by position) and filters its
// own scan; a member that refuses it (LIMIT) still answers right.
TEST_F(PushdownTest, UnionAllMembersFilterTheirScans) {
  const auto [with, without] = compare("SELECT count(), sum(x) FROM (SELECT ts, v AS x FROM events UNION ALL SELECT ts AS t2, v * 2 FROM events) WHERE " +
                                       kLateFilter + " AND x > 10");
  EXPECT_EQ(without, 2 * kEventRows);
  EXPECT_LT(with, without / 2);
  const auto [node_with, node_without] =
      compare("SELECT count(), sum(v2) FROM (SELECT ts, v2 FROM plain_node UNION ALL SELECT ts, total FROM by_minute) WHERE " + kLateFilter);
  EXPECT_LT(node_with, node_without / 2);
  const auto [limit_with, limit_without] =
      compare("SELECT count() FROM (SELECT ts FROM events UNION ALL SELECT ts FROM (SELECT ts FROM events ORDER BY ts LIMIT 1000)) WHERE " + kLateFilter);
  EXPECT_LT(limit_with, limit_without);
  EXPECT_GE(limit_with, kEventRows);  // the LIMIT member reads all of its table
}

// Random UNION ALL members (renamed, computed, aggregated, filtered, limited) under random
// conjuncts: pushdown never changes the rows.
TEST_F(PushdownTest, RandomUnionAllQueriesAnswerAsWithoutPushdown) {
  const std::vector<std::string> members = {
      "SELECT ts AS t, v + 1 AS w, org AS o FROM events WHERE v > 0",
      "SELECT ts, sum(v), org FROM events GROUP BY ts, org",
      "SELECT ts, v, org FROM events ORDER BY ts DESC LIMIT 500",
      "SELECT ts, v, 'x' AS org FROM nonzero",
      "SELECT ts, v2, org FROM plain_node",
      "SELECT DISTINCT toStartOfHour(ts), v, org FROM events"};
  const std::vector<std::string> conjuncts = {"ts >= toDateTime('2024-01-15 00:00:00')", "v > 30", "org = 'org_1'", "v % 3 = 0",
                                              "org = 'x' OR v < 0", "ts < toDateTime('2024-01-03 00:00:00')"};
  std::mt19937 random(5);
  size_t pruned = 0;
  for (int i = 0; i < 40; ++i) {
    std::string sql = "SELECT count(), sum(v), min(ts), max(org) FROM (SELECT ts, v, org FROM events";
    for (size_t m = 0; m < 2; ++m) sql += " UNION ALL " + members[random() % members.size()];
    sql += ") WHERE " + conjuncts[random() % conjuncts.size()];
    if (random() % 2) sql += " AND " + conjuncts[random() % conjuncts.size()];
    SCOPED_TRACE(sql);
    const auto [with, without] = compare(sql);
    EXPECT_LE(with, without);
    pruned += with < without;
  }
  EXPECT_GT(pruned, 10u);
}

// A view's own WHERE (a tenant filter) runs before the conjuncts pushed into it: intDiv(100, v)
// fails on v = 0, rows the view hides.
TEST_F(PushdownTest, PushedConjunctsRunAfterTheViewsOwnFilter) {
  const auto [with, without] = compare("SELECT count(), sum(v) FROM nonzero WHERE intDiv(100, v) > 1 AND " + kLateFilter);
  EXPECT_LT(with, without / 2);
}

TEST_F(PushdownTest, ArrayJoinAndTenantFilter) {
  // Under ARRAY JOIN, a conjunct on other columns reaches the scan; one on the elements does not.
  const auto [with, without] = compare("SELECT count(), sum(x) FROM events ARRAY JOIN [1, 2, 3] AS x WHERE " + kLateFilter + " AND x > 1");
  EXPECT_LT(with, without / 2);
}

// Random queries over every join kind, USING and ON, conjuncts on either side, both sides or
// none, plain and wrapped in subqueries: pushdown never changes the rows.
TEST_F(PushdownTest, RandomQueriesAnswerAsWithoutPushdown) {
  const std::vector<std::string> joins = {"ALL INNER JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "ANY LEFT JOIN",
                                          "ANY INNER JOIN", "SEMI LEFT JOIN", "ANTI LEFT JOIN", "CROSS JOIN"};
  const std::vector<std::string> conjuncts = {
      "e.ts >= toDateTime('2024-01-15 00:00:00')", "e.v > 50", "d.w < 10", "d.name = 'pro'", "e.k IS NULL", "d.k IS NULL",
      "isNull(e.k)", "e.v + d.w > 60", "e.org = 'org_1'", "d.w >= 30", "e.id % 7 = 3", "1 = 1", "e.k = 3 OR d.w = 2"};
  std::mt19937 random(99);
  size_t pruned = 0;
  for (int i = 0; i < 120; ++i) {
    const std::string& join = joins[random() % joins.size()];
    std::string on;
    if (join != "CROSS JOIN") on = random() % 2 ? " ON e.k = d.k" : " USING (k)";
    std::string where;
    const size_t count = 1 + random() % 3;
    for (size_t c = 0; c < count; ++c) where += (c ? " AND " : "") + conjuncts[random() % conjuncts.size()];
    const std::string left = random() % 3 == 0 ? "(SELECT id, ts, k, org, v FROM events) AS e" : "events AS e";
    const std::string right = random() % 3 == 0 ? "(SELECT * FROM dims) AS d" : "dims AS d";
    std::string sql = "SELECT count(), sum(e.v), sum(d.w), min(e.id), max(e.ts) FROM " + left + " " + join + " " + right + on + " WHERE " + where;
    if (on == " USING (k)") {
      for (auto pos = sql.find("e.k"); pos != std::string::npos; pos = sql.find("e.k")) sql.replace(pos, 3, "k");
      for (auto pos = sql.find("d.k"); pos != std::string::npos; pos = sql.find("d.k")) sql.replace(pos, 3, "k");
    }
    if (random() % 4 == 0) sql = "SELECT * FROM (" + sql + ") WHERE 1";
    SCOPED_TRACE(sql);
    const auto [with, without] = compare(sql);
    EXPECT_LE(with, without);
    pruned += with < without;
  }
  EXPECT_GT(pruned, 15u);  // the property is not vacuous
}

}  // namespace
}  // namespace perch
