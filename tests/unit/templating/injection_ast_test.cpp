// Injection proof through Perch's own SQL parser (issue 3): for every typed function and for a
// plain `{{ x }}`, hostile request values either are rejected with a 400, or the rendered SQL
// parses to exactly the AST of the same query rendered with a harmless placeholder value, except
// for the one node that holds the value — and that node is a single literal of the expected type
// (a string literal, an integer literal, a `toInt32('…')`-style cast of one string literal, an
// `array(…)` of literals, or an identifier) whose decoded content is the value that was sent.
//
// Needs the SQL parser: built only when templating_test links perch_sql and defines
// PERCH_TEMPLATING_TEST_HAS_SQL; otherwise the test reports itself as skipped.
#include <gtest/gtest.h>

#ifdef PERCH_TEMPLATING_TEST_HAS_SQL

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"
#include "sql/parser.h"
#include "templating/template.h"

namespace perch::templating {
namespace {

std::vector<std::string> hostileValues() {
  std::vector<std::string> values = {
      "'", "\\", "\\'", "''", "'\\'", "\\\\'", "\"", "`", "``", "\\`", "a`b", "`; DROP TABLE t; --",
      std::string("a\0b", 3), std::string(1, '\0'), "\n", "\r\n", "\t", "\x01\x02\x1f\x7f", "\x1b[31m",
      "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
      "\\x41", "\\0", "\\", "x\\",
      "-- comment", "1 -- comment", "/* open", "*/", "1 /* c */", "; DROP TABLE events", "1; SELECT 1",
      "' UNION SELECT * FROM secrets --", "1 UNION ALL SELECT 2", "x' OR '1'='1", "\\' OR 1=1 --",
      "1) OR (1=1", "1 FORMAT JSON", "' FORMAT CSV --", "1 SETTINGS max_threads=1", "' SETTINGS a=1 --",
      "%", "%%", "_%", "{{ x }}", "{% end %}", "}}", "a.b", "a`.`b", "a,b", "1,2", "1,2) OR (1",
      "' || (SELECT token FROM system.tokens) || '", "2024-01-01' OR '1'='1", "2024-01-01 00:00:00' --",
      "123e4567-e89b-12d3-a456-426614174000'", "1e3", "-1", "+1", "0x10", "inf", "nan", "true", "",
      std::string(10000, '\''), std::string(10000, '\\'), std::string(100000, 'a'),
  };
  std::string long_mix;
  for (int i = 0; i < 2000; ++i) long_mix += "'\\`\"\n-- /* */ ;";
  values.push_back(long_mix);
  return values;
}

/// What the value node must be.
enum class Shape {
  kStringLiteral,   // '...' decoding to the value (String, plain {{x}}, Date, DateTime, UUID)
  kIntegerLiteral,  // a bare integer (Int/Integer/Boolean)
  kCast,            // toInt32('...'), toFloat64('...'): one function of one string literal
  kArray,           // array(literals...)
  kIdentifier,      // `a`.`b` (column) or `a.b` (symbol)
};

struct TypedCase {
  const char* expression;  // the template expression reading parameter x
  const char* placeholder;  // a harmless valid value
  Shape shape;
  const char* cast = "";    // kCast: the function name
};

const TypedCase kCases[] = {
    {"x", "v", Shape::kStringLiteral},
    {"String(x)", "v", Shape::kStringLiteral},
    {"String(x, 'd')", "v", Shape::kStringLiteral},
    {"Date(x)", "2024-01-01", Shape::kStringLiteral},
    {"DateTime(x)", "2024-01-01 00:00:00", Shape::kStringLiteral},
    {"DateTime64(x)", "2024-01-01 00:00:00.000", Shape::kStringLiteral},
    {"UUID(x)", "123e4567-e89b-12d3-a456-426614174000", Shape::kStringLiteral},
    {"Boolean(x)", "1", Shape::kIntegerLiteral},
    {"Int(x)", "1", Shape::kIntegerLiteral},
    {"Integer(x)", "1", Shape::kIntegerLiteral},
    {"Int8(x)", "1", Shape::kCast, "toInt8"},
    {"Int16(x)", "1", Shape::kCast, "toInt16"},
    {"Int32(x)", "1", Shape::kCast, "toInt32"},
    {"Int64(x)", "1", Shape::kCast, "toInt64"},
    {"Int128(x)", "1", Shape::kCast, "toInt128"},
    {"Int256(x)", "1", Shape::kCast, "toInt256"},
    {"UInt8(x)", "1", Shape::kCast, "toUInt8"},
    {"UInt16(x)", "1", Shape::kCast, "toUInt16"},
    {"UInt32(x)", "1", Shape::kCast, "toUInt32"},
    {"UInt64(x)", "1", Shape::kCast, "toUInt64"},
    {"UInt128(x)", "1", Shape::kCast, "toUInt128"},
    {"UInt256(x)", "1", Shape::kCast, "toUInt256"},
    {"Float32(x)", "1.5", Shape::kCast, "toFloat32"},
    {"Float64(x)", "1.5", Shape::kCast, "toFloat64"},
    {"Array(x)", "v", Shape::kArray},
    {"Array(x, 'String')", "v", Shape::kArray},
    {"Array(x, 'Int32')", "1", Shape::kArray},
    {"Array(x, 'UInt64')", "1", Shape::kArray},
    {"Array(x, 'Float64')", "1.5", Shape::kArray},
    {"Array(x, 'Date')", "2024-01-01", Shape::kArray},
    {"Array(x, 'DateTime')", "2024-01-01 00:00:00", Shape::kArray},
    {"Array(x, 'UUID')", "123e4567-e89b-12d3-a456-426614174000", Shape::kArray},
    {"Array(x, 'Boolean')", "1", Shape::kArray},
    {"column(x)", "c", Shape::kIdentifier},
    {"symbol(x)", "c", Shape::kIdentifier},
    {"sql_unescape(String(x), '%')", "v", Shape::kStringLiteral},
};

/// The query around the value: the value node is the second argument of the first `equals`
/// of the WHERE clause (or the whole ORDER BY key for identifiers).
std::string templateFor(const TypedCase& c) {
  const std::string value = std::string("{{ ") + c.expression + " }}";
  if (c.shape == Shape::kIdentifier) {
    return "%\nSELECT a, count() AS n FROM events WHERE d = 1 GROUP BY a ORDER BY " + value + " LIMIT 10";
  }
  const std::string op = c.shape == Shape::kArray ? " IN " : " = ";
  return "%\nSELECT a, count() AS n FROM events WHERE c" + op + value +
         " AND d = 1 GROUP BY a ORDER BY a DESC LIMIT 10 SETTINGS max_threads = 2";
}

ExprPtr& valueNode(SelectQuery& query, Shape shape) {
  if (shape == Shape::kIdentifier) return query.order_by.at(0).expr;
  Expr& conjunction = *query.where;
  EXPECT_EQ(conjunction.name, "and");
  return conjunction.args.at(0)->args.at(1);
}

bool isIntegerLiteral(const Expr& expr) {
  return expr.kind == ExprKind::kLiteral &&
         (std::holds_alternative<uint64_t>(expr.literal) || std::holds_alternative<int64_t>(expr.literal));
}

bool isStringLiteral(const Expr& expr) {
  return expr.kind == ExprKind::kLiteral && std::holds_alternative<std::string>(expr.literal);
}

/// Checks the value node's shape; returns "" when it is right.
std::string checkShape(const Expr& node, const TypedCase& c, const std::string& value) {
  switch (c.shape) {
    case Shape::kStringLiteral:
      if (!isStringLiteral(node)) return "not a string literal";
      if (std::string_view(c.expression).starts_with("Date")) return "";  // normalised (T -> space)
      if (std::get<std::string>(node.literal) != value) return "string literal does not decode to the value";
      return "";
    case Shape::kIntegerLiteral: return isIntegerLiteral(node) ? "" : "not an integer literal";
    case Shape::kCast:
      if (node.kind != ExprKind::kFunction || node.name != c.cast || node.args.size() != 1 ||
          !isStringLiteral(*node.args[0])) {
        return "not " + std::string(c.cast) + "('...')";
      }
      return "";
    case Shape::kArray:
      if (node.kind != ExprKind::kFunction || node.name != "array") return "not an array";
      for (const ExprPtr& element : node.args) {
        if (element->kind != ExprKind::kLiteral) return "an array element is not a literal";
      }
      return "";
    case Shape::kIdentifier:
      if (node.kind != ExprKind::kIdentifier) return "not an identifier";
      if (std::string_view(c.expression).starts_with("symbol")) {
        return node.name_parts.size() == 1 && node.name_parts[0] == value ? "" : "symbol is not one identifier";
      }
      return node.identifierName() == value ? "" : "column does not name the value";
  }
  return "unknown shape";
}

TEST(TemplateInjectionAstTest, HostileValuesAreOneLiteralOrRejected) {
  const std::vector<std::string> values = hostileValues();
  for (const TypedCase& c : kCases) {
    SCOPED_TRACE(c.expression);
    const Template tmpl = Template::parse(templateFor(c), "node", "pipe");
    const std::unique_ptr<SelectQuery> reference = parseSelect(tmpl.render({{"x", {c.placeholder}}}));
    ExprPtr& reference_node = valueNode(*reference, c.shape);
    ASSERT_EQ(checkShape(*reference_node, c, c.placeholder), "");

    int rendered = 0;
    for (const std::string& value : values) {
      SCOPED_TRACE(::testing::PrintToString(value.substr(0, 60)));
      std::string sql;
      try {
        sql = tmpl.render({{"x", {value}}});
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
        continue;  // rejected: nothing reached the SQL
      }
      ++rendered;
      std::unique_ptr<SelectQuery> query;
      try {
        query = parseSelect(sql);
      } catch (const Error& error) {
        ADD_FAILURE() << "rendered SQL does not parse: " << error.what() << "\n" << sql.substr(0, 300);
        continue;
      }
      ExprPtr& node = valueNode(*query, c.shape);
      EXPECT_EQ(checkShape(*node, c, value), "") << sql.substr(0, 300);
      // Everything but the value node is the placeholder query's AST.
      node = reference_node->clone();
      EXPECT_EQ(formatAst(*query), formatAst(*reference)) << sql.substr(0, 300);
    }
    // String-like types must have let hostile text through as a literal, or the test proves nothing.
    if (c.shape == Shape::kStringLiteral && !std::string_view(c.expression).starts_with("Date") &&
        !std::string_view(c.expression).starts_with("UUID")) {
      EXPECT_GT(rendered, static_cast<int>(values.size()) - 5);
    }
  }
}

TEST(TemplateInjectionAstTest, RepeatedKeysForArraysAreLiteralsToo) {
  const Template tmpl = Template::parse(templateFor(kCases[25]), "node", "pipe");  // Array(x, 'String')
  const std::vector<std::string> values = hostileValues();
  const std::unique_ptr<SelectQuery> query = parseSelect(tmpl.render({{"x", values}}));
  const Expr& array = *valueNode(*query, Shape::kArray);
  ASSERT_EQ(array.name, "array");
  ASSERT_EQ(array.args.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(isStringLiteral(*array.args[i]));
    EXPECT_EQ(std::get<std::string>(array.args[i]->literal), values[i]);
  }
}

TEST(TemplateInjectionAstTest, SqlAndKeepsItsStructure) {
  const Template tmpl = Template::parse(
      "%\nSELECT a FROM events WHERE {{ sql_and(a=String(a), b__in=Array(b), c__gte=Int32(c)) }} LIMIT 1",
      "node", "pipe");
  const std::string reference = formatAst(*parseSelect(tmpl.render({{"a", {"v"}}, {"b", {"v"}}})));
  for (const std::string& value : hostileValues()) {
    SCOPED_TRACE(::testing::PrintToString(value.substr(0, 60)));
    const std::unique_ptr<SelectQuery> query = parseSelect(tmpl.render({{"a", {value}}, {"b", {value}}}));
    Expr& conjunction = *query->where;
    ASSERT_EQ(conjunction.args.size(), 2u);  // c__gte is skipped: c is not defined
    ASSERT_TRUE(isStringLiteral(*conjunction.args[0]->args[1]));
    EXPECT_EQ(std::get<std::string>(conjunction.args[0]->args[1]->literal), value);
    conjunction.args[0]->args[1] = makeLiteral(std::string("v"));
    conjunction.args[1]->args[1] = makeFunction("array", {});
    conjunction.args[1]->args[1]->args.push_back(makeLiteral(std::string("v")));
    EXPECT_EQ(formatAst(*query), reference);
  }
}

}  // namespace
}  // namespace perch::templating

#else

TEST(TemplateInjectionAstTest, NeedsTheSqlParser) {
  GTEST_SKIP() << "templating_test is built without perch_sql: link it and define PERCH_TEMPLATING_TEST_HAS_SQL";
}

#endif
