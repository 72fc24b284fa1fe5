#include <gtest/gtest.h>

#include "common/error.h"
#include "sql/parser.h"

namespace perch {
namespace {

std::string roundTrip(const std::string& sql) { return formatAst(*parseSelect(sql)); }

std::string errorOf(const std::string& sql) {
  try {
    parseSelect(sql);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    return error.what();
  }
  return "no error";
}

std::string nameOf(const std::string& expression) { return columnName(*parseExpression(expression)); }

TEST(ParserTest, FormatsCanonicalSql) {
  EXPECT_EQ(roundTrip("select a, b as c from t where x = 1 and y <> 'q' order by a desc limit 10"),
            "SELECT a, b AS c FROM t WHERE x = 1 AND y != 'q' ORDER BY a DESC LIMIT 10");
  EXPECT_EQ(roundTrip("SELECT DISTINCT a FROM db.t AS x FINAL PREWHERE a > 1 GROUP BY a HAVING count() > 2 LIMIT 5, 10"),
            "SELECT DISTINCT a FROM db.t AS x FINAL PREWHERE a > 1 GROUP BY a HAVING count() > 2 LIMIT 10 OFFSET 5");
  EXPECT_EQ(roundTrip("SELECT (a + b) * c, a + b * c, a - (b - c), -x, NOT a = b FROM t"),
            "SELECT (a + b) * c, a + b * c, a - (b - c), -x, NOT a = b FROM t");
  EXPECT_EQ(roundTrip("SELECT 1 UNION ALL SELECT 2 FORMAT JSON"), "SELECT 1 UNION ALL SELECT 2 FORMAT JSON");
  // WITH TOTALS without GROUP BY (ClickHouse accepts it), sub-second INTERVAL units.
  EXPECT_EQ(roundTrip("select count() from t with totals having count() > 1"), "SELECT count() FROM t WITH TOTALS HAVING count() > 1");
  EXPECT_EQ(roundTrip("SELECT t + INTERVAL 5 MICROSECOND, t - INTERVAL 1 nanoseconds FROM x"),
            "SELECT t + toIntervalMicrosecond(5), t - toIntervalNanosecond(1) FROM x");
}

TEST(ParserTest, RoundTripIsStable) {
  for (const char* sql : {
           "SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events FROM (SELECT * FROM app_events "
           "WHERE organization_id = 'org_1' AND user_id = 'u_3') GROUP BY day ORDER BY day",
           "SELECT x FROM t WHERE x IN ('a', 'b') AND y NOT IN [1, 2] AND z IN (SELECT z FROM u)",
           "SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END, CASE a WHEN 1 THEN 2 END, CAST(a AS Nullable(String)), a::Int32",
           "SELECT quantile(0.9)(x), count(DISTINCT y), toStartOfInterval(t, INTERVAL 5 MINUTE), now() - INTERVAL 1 DAY",
           "SELECT a FROM t LEFT JOIN u ON t.id = u.id INNER JOIN v USING (id) WHERE a LIKE '%x%' AND b NOT ILIKE 'y'",
           "SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 3 AND 4, x IS NULL, y IS NOT NULL, arrayMap(x -> x + 1, arr)",
           "WITH 5 AS five, (SELECT max(x) FROM t) AS m SELECT five, m",
           "SELECT 'it''s', 'a\\nb', `weird col`, \"quoted\" FROM t",
           "SELECT -1, -1.5, 1e3, 0x10, -9223372036854775808, 18446744073709551615",
       }) {
    const std::string once = roundTrip(sql);
    EXPECT_EQ(roundTrip(once), once) << sql;
  }
}

TEST(ParserTest, ParsesLiteralsAndEscapes) {
  auto query = parseSelect("SELECT 'a\\'b', 'c''d', '\\x41\\0', 42, -7, 2.5, NULL");
  ASSERT_EQ(query->select.size(), 7u);
  EXPECT_EQ(std::get<std::string>(query->select[0]->literal), "a'b");
  EXPECT_EQ(std::get<std::string>(query->select[1]->literal), "c'd");
  EXPECT_EQ(std::get<std::string>(query->select[2]->literal), std::string("A\0", 2));
  EXPECT_EQ(std::get<uint64_t>(query->select[3]->literal), 42u);
  EXPECT_EQ(std::get<int64_t>(query->select[4]->literal), -7);
  EXPECT_EQ(std::get<double>(query->select[5]->literal), 2.5);
  EXPECT_TRUE(std::holds_alternative<Null>(query->select[6]->literal));
}

TEST(ParserTest, ParsesClauses) {
  auto query = parseSelect(
      "-- comment\nSELECT /* inline */ a FROM t AS x WHERE b GROUP BY a, 2 WITH TOTALS ORDER BY a ASC NULLS FIRST, b DESC LIMIT 3 OFFSET 4 "
      "SETTINGS max_threads = 1;");
  EXPECT_EQ(query->from->table_name, "t");
  EXPECT_EQ(query->from->alias, "x");
  EXPECT_EQ(query->group_by.size(), 2u);
  EXPECT_TRUE(query->with_totals);
  ASSERT_EQ(query->order_by.size(), 2u);
  EXPECT_EQ(query->order_by[0].nulls_first, std::optional<bool>(true));
  EXPECT_TRUE(query->order_by[1].descending);
  EXPECT_EQ(std::get<uint64_t>(query->limit->literal), 3u);
  EXPECT_EQ(std::get<uint64_t>(query->offset->literal), 4u);
  EXPECT_EQ(query->settings.size(), 1u);
}

TEST(ParserTest, ImplicitAliasesAndKeywordsCaseInsensitive) {
  auto query = parseSelect("select count() c, sum(x) total From t");
  EXPECT_EQ(query->select[0]->alias, "c");
  EXPECT_EQ(query->select[1]->alias, "total");
  EXPECT_EQ(query->from->table_name, "t");
}

TEST(ParserTest, NamesColumnsLikeClickHouse) {
  EXPECT_EQ(nameOf("count()"), "count()");
  EXPECT_EQ(nameOf("count(*)"), "count()");
  EXPECT_EQ(nameOf("sum(x)"), "sum(x)");
  EXPECT_EQ(nameOf("a + 1"), "plus(a, 1)");
  EXPECT_EQ(nameOf("toStartOfDay(timestamp)"), "toStartOfDay(timestamp)");
  EXPECT_EQ(nameOf("toInt32('5')"), "toInt32('5')");
  EXPECT_EQ(nameOf("x IN ('a', 'b')"), "in(x, ('a', 'b'))");
  EXPECT_EQ(nameOf("x IN ['a', 'b']"), "in(x, ['a', 'b'])");
  EXPECT_EQ(nameOf("-1"), "-1");
  EXPECT_EQ(nameOf("1.5"), "1.5");
  EXPECT_EQ(nameOf("2."), "2.");
  EXPECT_EQ(nameOf("quantile(0.5)(x)"), "quantile(0.5)(x)");
  EXPECT_EQ(nameOf("t.col"), "t.col");
  EXPECT_EQ(nameOf("a = 1 AND NOT b"), "and(equals(a, 1), not(b))");
  EXPECT_EQ(nameOf("count(DISTINCT x)"), "uniqExact(x)");
}

TEST(ParserTest, ReportsSyntaxErrorPositions) {
  EXPECT_EQ(errorOf("SELECT a FROM"), "Syntax error at position 14 (line 1, col 14): expected table name or subquery, got end of query");
  EXPECT_EQ(errorOf("SELECT a,\n  FROM t"), "Syntax error at position 13 (line 2, col 3): expected expression, got 'FROM'");
  EXPECT_EQ(errorOf("SELECT (a FROM t"), "Syntax error at position 11 (line 1, col 11): expected ')' or ',', got 'FROM'");
  EXPECT_EQ(errorOf("SELECT 'abc"), "Syntax error at position 8 (line 1, col 8): unterminated string literal");
  EXPECT_EQ(errorOf("SELECT a FROM t WHERE"), "Syntax error at position 22 (line 1, col 22): expected expression, got end of query");
  EXPECT_EQ(errorOf("SELECT a b c"), "Syntax error at position 12 (line 1, col 12): expected end of query, got 'c'");
}

TEST(ParserTest, RejectsNonSelectStatements) {
  EXPECT_EQ(errorOf("INSERT INTO t VALUES (1)"), "Only SELECT queries are supported, got a INSERT statement");
  EXPECT_EQ(errorOf("drop table t"), "Only SELECT queries are supported, got a DROP statement");
}

TEST(ParserTest, InjectionStaysInsideTheLiteral) {
  // A quote escaped by the template layer stays one literal: the AST has one condition.
  auto query = parseSelect("SELECT * FROM t WHERE name = 'x\\' OR 1=1 --'");
  ASSERT_TRUE(query->where);
  EXPECT_EQ(query->where->name, "equals");
  EXPECT_EQ(std::get<std::string>(query->where->args[1]->literal), "x' OR 1=1 --");
}

}  // namespace
}  // namespace perch
