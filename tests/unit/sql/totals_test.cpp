// GROUP BY ... WITH TOTALS: QueryResult::totals holds one extra row computed over the groups that
// pass HAVING (ClickHouse's default totals_mode after_having_exclusive), with GROUP BY keys at
// their default values and the SELECT list evaluated over it. Expected rows come from ClickHouse
// 18.16 (FORMAT TSV prints the totals row after an empty line).
#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "exec/query.h"
#include "query_fixture.h"

namespace perch {
namespace {

using testing::FixtureCatalog;
using testing::rowsOf;

std::string totalsOf(const QueryResult& result) {
  std::string line;
  for (size_t c = 0; c < result.totals.size(); ++c) {
    if (c) line += "|";
    EXPECT_EQ(result.totals[c]->size(), 1u);
    result.totals[c]->formatText(0, line);
  }
  return line;
}

QueryResult run(const std::string& sql) {
  static FixtureCatalog catalog;
  return executeQuery(sql, catalog);
}

TEST(Totals, OverAllGroups) {
  const QueryResult result = run("SELECT number % 3 AS k, count() c, sum(number) s FROM numbers(10) GROUP BY k WITH TOTALS ORDER BY k");
  EXPECT_EQ(rowsOf(result), (std::vector<std::string>{"0|4|18", "1|3|12", "2|3|15"}));
  EXPECT_EQ(totalsOf(result), "0|10|45");
}

TEST(Totals, OnlyGroupsPassingHaving) {
  const QueryResult result = run("SELECT number % 3 AS k, count() c, sum(number) FROM numbers(10) GROUP BY k WITH TOTALS HAVING c > 3 ORDER BY k");
  EXPECT_EQ(rowsOf(result), (std::vector<std::string>{"0|4|18"}));
  EXPECT_EQ(totalsOf(result), "0|4|18");
}

TEST(Totals, StringKeyIsEmptyAndAveragesMerge) {
  const QueryResult result =
      run("SELECT concat('k', toString(number % 3)) AS k, count() c, avg(number) a FROM numbers(10) GROUP BY k WITH TOTALS ORDER BY k");
  EXPECT_EQ(rowsOf(result), (std::vector<std::string>{"k0|4|4.5", "k1|3|4", "k2|3|5"}));
  EXPECT_EQ(totalsOf(result), "|10|4.5");
}

TEST(Totals, SelectListAndLimitDoNotTouchTotals) {
  const QueryResult result = run("SELECT number % 3 AS k, count() * 2 AS c2 FROM numbers(10) GROUP BY k WITH TOTALS ORDER BY k LIMIT 1");
  EXPECT_EQ(rowsOf(result), (std::vector<std::string>{"0|8"}));
  EXPECT_EQ(totalsOf(result), "0|20");
}

TEST(Totals, OnEmptyInput) {
  const QueryResult empty = run("SELECT number % 3 AS k, count() c FROM numbers(10) WHERE number > 100 GROUP BY k WITH TOTALS");
  EXPECT_EQ(empty.rows, 0u);
  EXPECT_EQ(totalsOf(empty), "0|0");
}

TEST(Totals, AbsentWithoutWithTotalsAndInSubqueries) {
  EXPECT_TRUE(run("SELECT number % 3 AS k, count() FROM numbers(10) GROUP BY k").totals.empty());
  const QueryResult outer = run("SELECT sum(c) FROM (SELECT number % 3 AS k, count() c FROM numbers(10) GROUP BY k WITH TOTALS)");
  EXPECT_EQ(rowsOf(outer), (std::vector<std::string>{"10"}));  // the subquery's totals row is no row of it
  EXPECT_TRUE(outer.totals.empty());
}

// Without GROUP BY the totals row is computed like the single aggregated row; rows and totals
// from ClickHouse 18.16 (`SELECT count(), sum(number) FROM numbers(10) WITH TOTALS` prints 10 45,
// then 10 45). HAVING that drops the row leaves totals at the states' defaults, and LIMIT/OFFSET
// apply to the rows only.
TEST(Totals, WithoutGroupBy) {
  struct Case {
    const char* sql;
    std::vector<std::string> rows;
    const char* totals;
  };
  const Case cases[] = {
      {"SELECT count(), sum(number) FROM numbers(10) WITH TOTALS", {"10|45"}, "10|45"},
      {"SELECT count(), sum(number) FROM numbers(10) WHERE number > 100 WITH TOTALS", {"0|0"}, "0|0"},
      {"SELECT count() c, sum(number) s FROM numbers(10) WITH TOTALS HAVING c > 100", {}, "0|0"},
      {"SELECT count() c FROM numbers(10) WITH TOTALS ORDER BY c LIMIT 1 OFFSET 1", {}, "10"},
  };
  for (const Case& test : cases) {
    const QueryResult result = run(test.sql);
    EXPECT_EQ(rowsOf(result), test.rows) << test.sql;
    EXPECT_EQ(totalsOf(result), test.totals) << test.sql;
  }
}

TEST(Totals, WithoutAggregationIsRefused) {
  try {
    run("SELECT number FROM numbers(3) WITH TOTALS");
    FAIL() << "expected a 400";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_NE(std::string(error.what()).find("WITH TOTALS requires GROUP BY or an aggregate function"), std::string::npos) << error.what();
  }
}

// A FROM subquery's WITH TOTALS row in the outer result, as ClickHouse 18.16 passes it: the outer
// query's SELECT list is evaluated over it (WHERE, DISTINCT, ORDER BY, LIMIT and LIMIT BY leave it
// alone), an outer aggregation drops it, and a UNION ALL shows the first member's. Expected rows
// and totals from ClickHouse 18.16 (FORMAT JSONCompact, "totals").
// Not passed on (18.16 would): through a JOIN, ARRAY JOIN, arrayJoin() or window functions.
QueryResult runWithPushdown(const std::string& sql, bool pushdown) {
  static FixtureCatalog catalog;
  QueryOptions options;
  options.predicate_pushdown = pushdown;
  return executeQuery(sql, catalog, options);
}

constexpr const char* kInner = "(SELECT number, count() c FROM numbers(3) GROUP BY number WITH TOTALS)";

struct Case {
  std::string sql;
  std::vector<std::string> rows;
  std::string totals;  // empty: no totals row
};

TEST(SubqueryTotals, PassThroughTheOuterSelectListAsClickHouse1816) {
  const std::string inner = kInner;
  const Case cases[] = {
      {"SELECT * FROM " + inner + " ORDER BY number", {"0|1", "1|1", "2|1"}, "0|3"},
      {"SELECT * FROM " + inner + " WHERE number > 0 ORDER BY number", {"1|1", "2|1"}, "0|3"},
      {"SELECT number + 1 FROM " + inner + " WHERE number > 0 ORDER BY number", {"2", "3"}, "1"},
      {"SELECT * FROM " + inner + " ORDER BY number DESC LIMIT 1", {"2|1"}, "0|3"},
      {"SELECT DISTINCT c FROM " + inner, {"1"}, "3"},
      {"SELECT c, number FROM " + inner + " ORDER BY number LIMIT 1 BY c", {"1|0"}, "3|0"},
      {"SELECT * FROM (SELECT * FROM " + inner + " WHERE c > 0) ORDER BY number", {"0|1", "1|1", "2|1"}, "0|3"},
      {"SELECT toString(number) s, c * 2 FROM " + inner + " ORDER BY s", {"0|2", "1|2", "2|2"}, "0|6"},
      // An outer aggregation drops it.
      {"SELECT count() FROM " + inner, {"3"}, ""},
      {"SELECT sum(c) FROM " + inner, {"3"}, ""},
      {"SELECT number % 2 k, sum(c) FROM " + inner + " GROUP BY k ORDER BY k", {"0|2", "1|1"}, ""},
      // The outer WITH TOTALS computes its own.
      {"SELECT count() FROM " + inner + " WITH TOTALS", {"3"}, "3"},
      // UNION ALL: the first member that has one, in the union's types.
      {"SELECT number FROM " + inner + " UNION ALL SELECT 7", {"0", "1", "2", "7"}, "0"},
      {"SELECT 7 UNION ALL SELECT number FROM " + inner, {"7", "0", "1", "2"}, "0"},
      // Perch-only limits (see the header): a join drops it.
      {"SELECT number, c FROM " + inner + " AS a ALL INNER JOIN (SELECT toUInt64(1) AS number) AS b USING number", {"1|1"}, ""},
  };
  for (const Case& test : cases) {
    for (bool pushdown : {true, false}) {
      const QueryResult result = runWithPushdown(test.sql, pushdown);
      std::vector<std::string> rows = rowsOf(result);
      if (test.sql.find("UNION ALL") != std::string::npos || test.sql.find("DISTINCT") != std::string::npos) {
        std::vector<std::string> expected = test.rows;
        std::sort(rows.begin(), rows.end());
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(rows, expected) << test.sql;
      } else {
        EXPECT_EQ(rows, test.rows) << test.sql;
      }
      EXPECT_EQ(totalsOf(result), test.totals) << test.sql << (pushdown ? "" : " (no pushdown)");
    }
  }
}

// An outer WHERE on a GROUP BY key must not move into the WITH TOTALS query: its totals row would
// count only the kept groups (18.16: totals 0|3 under WHERE number > 0).
TEST(SubqueryTotals, OuterWhereDoesNotNarrowTheInnerTotals) {
  const QueryResult result = run(std::string("SELECT * FROM ") + kInner + " WHERE number = 2");
  EXPECT_EQ(rowsOf(result), (std::vector<std::string>{"2|1"}));
  EXPECT_EQ(totalsOf(result), "0|3");
}

}  // namespace
}  // namespace perch
