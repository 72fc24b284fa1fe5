// The Tinybird helper builtins: defined, column/columns/symbol, sql_and, split_to_array,
// enumerate_with_last, JSON, day_diff/date_diff_*, error, custom_error, sql_unescape, hints.
#include <gtest/gtest.h>

#include "template_test_support.h"

namespace perch::templating {
namespace {

using testing::errorOf;
using testing::render;
using testing::wrapped;

struct BuiltinCase {
  const char* body;
  Params params;
  const char* expected;
};

TEST(TemplateBuiltinsTest, RendersExactSql) {
  const BuiltinCase cases[] = {
      {"{{ defined(x) }}", {{"x", {""}}}, "1"},
      {"{{ defined(x) }}", {}, "0"},
      {"{{ defined(x) }}", {{"x", {"a", "b"}}}, "1"},
      {"{{ column(c) }}", {{"c", {"name"}}}, "`name`"},
      {"{{ column(c, 'timestamp') }}", {}, "`timestamp`"},
      {"{{ column('events.ts') }}", {}, "`events`.`ts`"},
      {"{{ columns(c, 'a,b') }}", {}, "`a`,`b`"},
      {"{{ columns(c) }}", {{"c", {"x, y.z"}}}, "`x`,`y`.`z`"},
      {"{{ symbol(s) }}", {{"s", {"a.b"}}}, "`a.b`"},
      {"{% if column(c, 'a') == 'a' %}default{% end %}", {}, "default"},
      {"{{ sql_and(a=String(a), b__in=Array(b, 'Int32'), c__not_in=Array(c), d__gte=Int32(d), e__lt=Float64(e)) }}",
       {{"a", {"x"}}, {"b", {"1,2"}}, {"c", {"p"}}, {"d", {"3"}}, {"e", {"0.5"}}},
       "a = 'x' AND b IN [1,2] AND c NOT IN ['p'] AND d >= toInt32('3') AND e < toFloat64('0.5')"},
      {"{{ sql_and(a=String(a), b__lte=Int32(b)) }}", {{"b", {"4"}}}, "b <= toInt32('4')"},
      {"{{ sql_and(a__gt=Int32(a)) }}", {}, "1"},
      {"{{ split_to_array(x) }}", {{"x", {"a, b ,c"}}}, "['a','b','c']"},
      {"{{ split_to_array(x, 'd,e') }}", {}, "['d','e']"},
      {"{{ split_to_array(x, separator='|') }}", {{"x", {"a|b"}}}, "['a','b']"},
      {"{{ split_to_array(x) }}", {{"x", {""}}}, "[]"},
      {"{{ enumerate_with_last([1, 2]) }}", {}, "[(0,1),(1,2)]"},
      {"{% for item in JSON(filters, '[]') %}AND {{ column(item.get('field')) }} = {{ item.get('value') }} {% end %}",
       {{"filters", {R"([{"field": "country", "value": "ES"}, {"field": "t.a", "value": 3}])"}}},
       "AND `country` = 'ES' AND `t`.`a` = 3 "},
      {"{% for item in JSON(filters, '[]') %}x{% end %}none", {}, "none"},
      {"{{ JSON(j)['a'][1] }} {{ JSON(j).keys() }}", {{"j", {R"({"a": [true, "\u00e9\"", null]})"}}},
       "'\xc3\xa9\\\"' ['a']"},
      {"{{ day_diff(a, b) }}", {{"a", {"2024-01-01"}}, {"b", {"2024-03-01"}}}, "60"},
      {"{{ day_diff(Date(a), Date(b)) }}", {{"a", {"2024-03-01"}}, {"b", {"2024-01-01"}}}, "60"},
      {"{{ day_diff(a, b) }}", {{"a", {"2024-01-01 00:00:00"}}, {"b", {"2024-01-02 23:00:00"}}}, "1"},
      {"{{ date_diff_in_seconds(a, b) }}", {{"a", {"2024-01-01 00:00:00"}}, {"b", {"2024-01-01 00:01:05"}}}, "65"},
      {"{{ date_diff_in_minutes(a, b) }}", {{"a", {"2024-01-01 00:00:00"}}, {"b", {"2024-01-01 02:00:59"}}}, "120"},
      {"{{ date_diff_in_hours(a, b) }}", {{"a", {"2024-01-01T00:00:00"}}, {"b", {"2024-01-03 01:00:00"}}}, "49"},
      {"{{ date_diff_in_days(a, b) }}", {{"a", {"2024-01-01"}}, {"b", {"2025-01-01"}}}, "366"},
      {"{{ date_diff_in_hours(a, b, date_format='%d/%m/%Y') }}", {{"a", {"01/01/2024"}}, {"b", {"02/01/2024"}}}, "24"},
      {"{{ date_diff_in_hours(a, b, default=0) }}", {{"a", {"bad"}}, {"b", {"2024-01-01"}}}, "0"},
      {"{% if day_diff(Date(a), Date(b)) > 31 %}month{% else %}day{% end %}",
       {{"a", {"2024-01-01"}}, {"b", {"2024-03-01"}}},
       "month"},
      {"SELECT 1 {{ max_threads(4) }}{{ cache_ttl('5m') }}", {}, "SELECT 1 "},
      {"{{ sql_unescape(String(x), '%') }}", {{"x", {"50%"}}}, "'50%'"},
  };
  for (const BuiltinCase& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_EQ(render(c.body, c.params), c.expected);
  }
}

TEST(TemplateBuiltinsTest, ReportsMisuse) {
  EXPECT_EQ(errorOf("{{ column(c) }}"), wrapped("column(): parameter 'c' is not defined and no default was given"));
  EXPECT_EQ(errorOf("{{ column(c) }}", {{"c", {""}}}), wrapped("column() got an empty name"));
  EXPECT_EQ(errorOf("{{ columns(c) }}", {{"c", {"a,,b"}}}), wrapped("columns() got an empty column name"));
  EXPECT_EQ(errorOf("{{ JSON(j) }}", {{"j", {"{\"a\":"}}}), wrapped("Error validating '{\"a\":' to type JSON"));
  EXPECT_EQ(errorOf("{{ day_diff(a, b) }}", {{"a", {"2024-01-01"}}, {"b", {"soon"}}}),
            wrapped("day_diff(): invalid date 'soon'"));
  EXPECT_EQ(errorOf("{{ date_diff_in_days(a, b) }}", {{"b", {"2024-01-01"}}}),
            wrapped("date_diff_in_days(): invalid date 'None'"));
}

TEST(TemplateBuiltinsTest, ErrorRaisesTheAuthorsMessageVerbatim) {
  EXPECT_EQ(errorOf("{% if not defined(x) %}{{ error('x is required, send ?x=') }}{% end %}"),
            "x is required, send ?x=");
  EXPECT_EQ(errorOf("{{ error('bad', 500) }}"), "bad");  // error() is always a 400
  EXPECT_EQ(errorOf("{% if defined(x) %}{{ error('unused') }}{% end %}ok"), "<no error: ok>");
}

TEST(TemplateBuiltinsTest, CustomErrorCarriesStatusAndJsonBody) {
  try {
    render("{{ custom_error({'error': 'too \"wide\"', 'max': 31}, 422) }}");
    FAIL() << "expected CustomError";
  } catch (const CustomError& error) {
    EXPECT_EQ(error.httpStatus(), 422);
    EXPECT_EQ(error.jsonBody(), R"({"error":"too \"wide\"","max":31})");
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
  }
  try {
    render("{{ custom_error('nope', 200) }}");
    FAIL() << "expected CustomError";
  } catch (const CustomError& error) {
    EXPECT_EQ(error.httpStatus(), 400);  // only 4xx/5xx statuses are honoured
    EXPECT_EQ(error.jsonBody(), "\"nope\"");
  }
}

}  // namespace
}  // namespace perch::templating
