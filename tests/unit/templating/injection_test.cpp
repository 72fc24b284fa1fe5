// No request value can change the structure of the rendered SQL: every value becomes exactly one
// correctly escaped literal (or identifier), or is rejected. Each test decodes the output the way
// a ClickHouse-dialect lexer does and checks that the literal spans the whole output and decodes
// back to the value that was sent.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "template_test_support.h"

namespace perch::templating {
namespace {

using testing::render;

/// Decodes one quoted token starting at sql[pos] (quote = ' or `) the way the SQL lexer reads
/// it; returns nullopt when the token is malformed. `pos` ends just past the closing quote.
std::optional<std::string> decodeQuoted(const std::string& sql, size_t& pos, char quote) {
  if (pos >= sql.size() || sql[pos] != quote) return std::nullopt;
  std::string decoded;
  for (size_t i = pos + 1; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == quote) {
      pos = i + 1;
      return decoded;
    }
    if (c != '\\') {
      decoded += c;
      continue;
    }
    if (++i >= sql.size()) return std::nullopt;
    switch (sql[i]) {
      case '\\': decoded += '\\'; break;
      case '\'': decoded += '\''; break;
      case '"': decoded += '"'; break;
      case '`': decoded += '`'; break;
      case 'n': decoded += '\n'; break;
      case 't': decoded += '\t'; break;
      case 'r': decoded += '\r'; break;
      case '0': decoded += '\0'; break;
      case 'b': decoded += '\b'; break;
      case 'f': decoded += '\f'; break;
      case 'x': {
        if (i + 2 >= sql.size()) return std::nullopt;
        decoded += static_cast<char>(std::stoi(sql.substr(i + 1, 2), nullptr, 16));
        i += 2;
        break;
      }
      default: return std::nullopt;  // the escaper never writes any other escape
    }
  }
  return std::nullopt;  // unterminated
}

bool isValidUtf8WithoutControlBytes(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return false;
    size_t length = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF ? 2 : (c >= 0xE0 && c <= 0xEF ? 3 : (c >= 0xF0 && c <= 0xF4 ? 4 : 0)));
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

std::vector<std::string> hostileValues() {
  std::vector<std::string> values = {
      "'", "\\", "\\'", "''", "'\\'", "\\\\'", "\"", "`", "``", "\\`",
      std::string("a\0b", 3), std::string(1, '\0'),
      "\n", "\r\n", "\t", "\x01\x02\x1f\x7f", "\x1b[31m",
      "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "caf\xc3\xa9", "\xf0\x9f\x98\x80",
      "-- comment", "/* open", "*/", "; DROP TABLE events", "1; SELECT 1",
      "' UNION SELECT * FROM secrets --", "x' OR '1'='1", "\\' OR 1=1 --",
      "%", "%%", "_%", "{{ x }}", "{% end %}", "}}", "a.b", "a`.`b",
      "' || (SELECT token FROM system.tokens) || '",
      std::string(100000, '\''), std::string(50000, '\\') + "'",
  };
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  values.push_back(every_byte);
  return values;
}

void expectSingleLiteral(const std::string& sql, const std::string& value, char quote) {
  size_t pos = 0;
  const auto decoded = decodeQuoted(sql, pos, quote);
  ASSERT_TRUE(decoded.has_value()) << sql.substr(0, 200);
  EXPECT_EQ(pos, sql.size()) << "the literal closes before the end of the output: " << sql.substr(0, 200);
  EXPECT_EQ(*decoded, value);
  EXPECT_TRUE(isValidUtf8WithoutControlBytes(sql)) << sql.substr(0, 200);
}

TEST(InjectionTest, StringValuesBecomeExactlyOneLiteral) {
  for (const char* body : {"{{x}}", "{{ String(x) }}", "{{String(x, 'default')}}", "{{ x if defined(x) else '' }}",
                           "{% set y = x %}{{y}}", "{{ String(x, enum=None) }}"}) {
    for (const std::string& value : hostileValues()) {
      SCOPED_TRACE(std::string(body) + " with value of " + std::to_string(value.size()) + " bytes: " +
                   value.substr(0, 40));
      expectSingleLiteral(render(body, {{"x", {value}}}), value, '\'');
    }
  }
}

TEST(InjectionTest, ArrayOfStringsIsALiteralPerElement) {
  for (const std::string& value : hostileValues()) {
    SCOPED_TRACE(value.substr(0, 40));
    const std::string sql = render("{{Array(x, 'String')}}", {{"x", {value, value}}});
    ASSERT_GE(sql.size(), 2u);
    ASSERT_EQ(sql.front(), '[');
    size_t pos = 1;
    for (int element = 0; element < 2; ++element) {
      if (element == 1) {
        ASSERT_EQ(sql[pos], ',');
        ++pos;
      }
      const auto decoded = decodeQuoted(sql, pos, '\'');
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(*decoded, value);
    }
    EXPECT_EQ(pos + 1, sql.size());
    EXPECT_EQ(sql.back(), ']');
  }
}

TEST(InjectionTest, IdentifiersAreExactlyOneQuotedIdentifier) {
  for (const std::string& value : hostileValues()) {
    if (value.find('.') != std::string::npos) continue;  // column() splits on dots, tested below
    SCOPED_TRACE(value.substr(0, 40));
    expectSingleLiteral(render("{{column(x)}}", {{"x", {value}}}), value, '`');
    expectSingleLiteral(render("{{symbol(x)}}", {{"x", {value}}}), value, '`');
  }
  // symbol() never splits; column() splits a qualified name into identifiers.
  expectSingleLiteral(render("{{symbol(x)}}", {{"x", {"a.b`c"}}}), "a.b`c", '`');
  EXPECT_EQ(render("{{column(x)}}", {{"x", {"t.a`b"}}}), "`t`.`a\\`b`");
  EXPECT_EQ(render("{{columns(x)}}", {{"x", {"a, b`"}}}), "`a`,`b\\``");
}

TEST(InjectionTest, TypedNumbersDatesAndUuidsRejectAnythingElse) {
  for (const char* function : {"Int", "Int8", "Int32", "Int64", "Int128", "Int256", "UInt8", "UInt64", "UInt256",
                               "Float32", "Float64", "Date", "DateTime", "DateTime64", "UUID"}) {
    for (const std::string& value : hostileValues()) {
      SCOPED_TRACE(std::string(function) + " with " + value.substr(0, 40));
      const std::string body = "{{" + std::string(function) + "(x)}}";
      EXPECT_THROW(render(body, {{"x", {value}}}), Error);
      EXPECT_THROW(render("{{Array(x, '" + std::string(function) + "')}}", {{"x", {value}}}), Error);
    }
  }
}

TEST(InjectionTest, BooleanOnlyEverWritesOneOrZero) {
  for (const std::string& value : hostileValues()) {
    const std::string sql = render("{{Boolean(x)}}", {{"x", {value}}});
    EXPECT_TRUE(sql == "1" || sql == "0") << sql;
  }
}

TEST(InjectionTest, SqlAndWritesValuesAsLiterals) {
  const std::string value = "' OR 1=1 --";
  EXPECT_EQ(render("WHERE {{ sql_and(a=String(x), b__in=Array(y, 'Int32'), c__gt=Int32(z)) }}",
                   {{"x", {value}}, {"y", {"1,2"}}}),
            "WHERE a = '\\' OR 1=1 --' AND b IN [1,2]");
  EXPECT_EQ(render("WHERE {{ sql_and(a=String(x)) }}"), "WHERE 1");
}

TEST(InjectionTest, SqlUnescapeCannotReopenALiteral) {
  for (const std::string& value : hostileValues()) {
    SCOPED_TRACE(value.substr(0, 40));
    expectSingleLiteral(render("{{ sql_unescape(String(x), '%\\'\\\\`\"') }}", {{"x", {value}}}), value, '\'');
  }
  EXPECT_EQ(render("{{ sql_unescape(x, '%') }}", {{"x", {"a\\%b"}}}), "'a%b'");
}

TEST(InjectionTest, StringMethodsKeepValuesQuoted) {
  const std::string value = "X' OR '1'='1";
  expectSingleLiteral(render("{{ x.lower() }}", {{"x", {value}}}), "x' or '1'='1", '\'');
  expectSingleLiteral(render("{{ x.replace('X', '') }}", {{"x", {value}}}), "' OR '1'='1", '\'');
  expectSingleLiteral(render("{{ x[0:2] }}", {{"x", {value}}}), "X'", '\'');
  EXPECT_EQ(render("{{ split_to_array(x) }}", {{"x", {"a',b"}}}), "['a\\'','b']");
}

}  // namespace
}  // namespace perch::templating
