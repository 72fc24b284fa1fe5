// The tokenizer half of ExpressionParser: numbers, Python string literals (with escapes) and
// operators. Operators outside the subset (`**`, `+=`, `;`, ...) are rejected here.
#include <array>
#include <charconv>
#include <cstdlib>
#include <string>

#include "common/utf8.h"
#include "templating/expression_parser.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

ExpressionParser::Token ExpressionParser::nextToken() {
  while (pos_ < source_.size() && isSpace(source_[pos_])) ++pos_;
  Token token;
  token.offset = pos_;
  if (pos_ >= source_.size()) return token;
  const char c = source_[pos_];

  if (isNameStart(c)) {
    const size_t start = pos_;
    while (pos_ < source_.size() && isNameChar(source_[pos_])) ++pos_;
    const std::string_view name = source_.substr(start, pos_ - start);
    if (pos_ < source_.size() && (source_[pos_] == '\'' || source_[pos_] == '"') && name.size() <= 2) {
      const bool raw = name.find_first_of("rR") != std::string_view::npos;
      if (name.find_first_of("fF") != std::string_view::npos) fail("f-strings are not supported");
      if (name.find_first_of("bB") != std::string_view::npos) fail("bytes literals are not supported");
      if (name.find_first_not_of("rRuU") != std::string_view::npos) fail("invalid string prefix '" + std::string(name) + "'");
      token.kind = TokenKind::kString;
      // readString reads the quoted part; a raw prefix keeps backslashes.
      const size_t quote_start = pos_;
      Value value = readString();
      if (raw) {
        const char quote = source_[quote_start];
        const bool triple = source_.substr(quote_start, 3) == std::string(3, quote);
        const size_t body_start = quote_start + (triple ? 3 : 1);
        const size_t body_end = pos_ - (triple ? 3 : 1);
        value = Value::fromString(std::string(source_.substr(body_start, body_end - body_start)));
      }
      token.literal = std::move(value);
      return token;
    }
    token.kind = TokenKind::kName;
    token.text = name;
    return token;
  }

  if (isDigit(c) || (c == '.' && pos_ + 1 < source_.size() && isDigit(source_[pos_ + 1]))) {
    const size_t start = pos_;
    bool is_float = false;
    while (pos_ < source_.size() && isDigit(source_[pos_])) ++pos_;
    if (pos_ < source_.size() && source_[pos_] == '.') {
      is_float = true;
      ++pos_;
      while (pos_ < source_.size() && isDigit(source_[pos_])) ++pos_;
    }
    if (pos_ < source_.size() && (source_[pos_] == 'e' || source_[pos_] == 'E')) {
      is_float = true;
      ++pos_;
      if (pos_ < source_.size() && (source_[pos_] == '+' || source_[pos_] == '-')) ++pos_;
      if (pos_ >= source_.size() || !isDigit(source_[pos_])) fail("invalid number in '" + std::string(source_) + "'");
      while (pos_ < source_.size() && isDigit(source_[pos_])) ++pos_;
    }
    if (pos_ < source_.size() && isNameChar(source_[pos_])) fail("invalid number in '" + std::string(source_) + "'");
    const std::string text(source_.substr(start, pos_ - start));
    if (is_float) {
      token.kind = TokenKind::kFloat;
      token.literal = Value::fromFloat(std::strtod(text.c_str(), nullptr));
    } else {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size()) fail("integer literal " + text + " is too large");
      if (text.size() > 1 && text[0] == '0') fail("invalid integer literal " + text);
      token.kind = TokenKind::kInt;
      token.literal = Value::fromInt(value);
    }
    return token;
  }

  if (c == '\'' || c == '"') {
    token.kind = TokenKind::kString;
    token.literal = readString();
    return token;
  }

  static constexpr std::array<std::string_view, 7> kTwoCharOperators{"//", "==", "!=", "<=", ">=", "**", "<>"};
  const std::string_view two = source_.substr(pos_, 2);
  for (std::string_view op : kTwoCharOperators) {
    if (two == op) {
      if (op == "**") fail("'**' is not allowed");
      if (op == "<>") break;
      pos_ += 2;
      token.kind = TokenKind::kOperator;
      token.text = op;
      return token;
    }
  }
  static constexpr std::string_view kSingleCharOperators = "()[]{},:.+-*/%<>=";
  if (kSingleCharOperators.find(c) != std::string_view::npos) {
    const bool augmented = pos_ + 1 < source_.size() && source_[pos_ + 1] == '=' && std::string_view("+-*/%:").find(c) != std::string_view::npos;
    if (augmented) fail("'" + std::string(two) + "' is not allowed");
    token.kind = TokenKind::kOperator;
    token.text = source_.substr(pos_, 1);
    ++pos_;
    return token;
  }
  fail("invalid character '" + std::string(1, c) + "' in '" + std::string(source_) + "'");
}

Value ExpressionParser::readString() {
  const char quote = source_[pos_];
  const bool triple = source_.substr(pos_, 3) == std::string(3, quote);
  pos_ += triple ? 3 : 1;
  std::string out;
  while (true) {
    if (pos_ >= source_.size()) fail("unterminated string in '" + std::string(source_) + "'");
    const char c = source_[pos_];
    if (c == quote && (!triple || source_.substr(pos_, 3) == std::string(3, quote))) {
      pos_ += triple ? 3 : 1;
      return Value::fromString(std::move(out));
    }
    if (c == '\n' && !triple) fail("unterminated string in '" + std::string(source_) + "'");
    if (c != '\\' || pos_ + 1 >= source_.size()) {
      out += c;
      ++pos_;
      continue;
    }
    const char escaped = source_[pos_ + 1];
    pos_ += 2;
    switch (escaped) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x':
      case 'u':
      case 'U': {
        const size_t digits = escaped == 'x' ? 2 : (escaped == 'u' ? 4 : 8);
        uint32_t code_point = 0;
        const auto [end, error] =
            std::from_chars(source_.data() + pos_, source_.data() + std::min(source_.size(), pos_ + digits), code_point, 16);
        if (error != std::errc() || end != source_.data() + pos_ + digits || code_point > 0x10FFFF) {
          fail("invalid \\" + std::string(1, escaped) + " escape in '" + std::string(source_) + "'");
        }
        pos_ += digits;
        if (escaped == 'x') {
          out += static_cast<char>(code_point);
        } else {
          appendUtf8(out, code_point);
        }
        break;
      }
      default:
        if (escaped >= '0' && escaped <= '7') {
          unsigned value = static_cast<unsigned>(escaped - '0');
          for (int i = 0; i < 2 && pos_ < source_.size() && source_[pos_] >= '0' && source_[pos_] <= '7'; ++i) {
            value = value * 8 + static_cast<unsigned>(source_[pos_++] - '0');
          }
          out += static_cast<char>(value & 0xFF);
        } else {
          out += '\\';
          out += escaped;
        }
    }
  }
}

}  // namespace perch::templating
