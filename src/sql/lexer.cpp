#include "sql/lexer.h"

#include <cctype>

#include "common/error.h"

namespace perch {

namespace {

bool isWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
bool isWordChar(char c) { return isWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skipSpaceAndComments();
      if (pos_ >= sql_.size()) break;
      tokens.push_back(next());
    }
    tokens.push_back(Token{TokenKind::kEnd, "", sql_.size()});
    return tokens;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) {
    throwBadRequest("Syntax error at " + describePosition(sql_, at) + ": " + what);
  }

  void skipSpaceAndComments() {
    while (pos_ < sql_.size()) {
      const char c = sql_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '-' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '-') {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
        const size_t start = pos_;
        const size_t end = sql_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) fail(start, "unterminated comment");
        pos_ = end + 2;
      } else {
        break;
      }
    }
  }

  Token make(TokenKind kind, size_t start, size_t length) {
    pos_ = start + length;
    return Token{kind, std::string(sql_.substr(start, length)), start};
  }

  Token next() {
    const size_t start = pos_;
    const char c = sql_[pos_];
    const char n = pos_ + 1 < sql_.size() ? sql_[pos_ + 1] : '\0';
    if (isWordStart(c)) {
      size_t end = pos_;
      while (end < sql_.size() && isWordChar(sql_[end])) ++end;
      return make(TokenKind::kIdentifier, start, end - start);
    }
    if (isDigit(c) || (c == '.' && isDigit(n))) return number();
    switch (c) {
      case '\'': return quoted('\'', TokenKind::kString);
      case '`': return quoted('`', TokenKind::kQuotedIdentifier);
      case '"': return quoted('"', TokenKind::kQuotedIdentifier);
      case '(': return make(TokenKind::kLeftParen, start, 1);
      case ')': return make(TokenKind::kRightParen, start, 1);
      case '[': return make(TokenKind::kLeftBracket, start, 1);
      case ']': return make(TokenKind::kRightBracket, start, 1);
      case ',': return make(TokenKind::kComma, start, 1);
      case '.': return make(TokenKind::kDot, start, 1);
      case ';': return make(TokenKind::kSemicolon, start, 1);
      case '?': return make(TokenKind::kQuestion, start, 1);
      case '+': return make(TokenKind::kPlus, start, 1);
      case '*': return make(TokenKind::kStar, start, 1);
      case '/': return make(TokenKind::kSlash, start, 1);
      case '%': return make(TokenKind::kPercent, start, 1);
      case ':': return n == ':' ? make(TokenKind::kDoubleColon, start, 2) : make(TokenKind::kColon, start, 1);
      case '-': return n == '>' ? make(TokenKind::kArrow, start, 2) : make(TokenKind::kMinus, start, 1);
      case '|':
        if (n == '|') return make(TokenKind::kConcat, start, 2);
        break;
      case '=': return n == '=' ? make(TokenKind::kEquals, start, 2) : make(TokenKind::kEquals, start, 1);
      case '!':
        if (n == '=') return make(TokenKind::kNotEquals, start, 2);
        break;
      case '<':
        if (n == '=') return make(TokenKind::kLessOrEquals, start, 2);
        if (n == '>') return make(TokenKind::kNotEquals, start, 2);
        return make(TokenKind::kLess, start, 1);
      case '>': return n == '=' ? make(TokenKind::kGreaterOrEquals, start, 2) : make(TokenKind::kGreater, start, 1);
      default: break;
    }
    fail(start, std::string("unexpected character '") + c + "'");
  }

  Token number() {
    const size_t start = pos_;
    size_t end = pos_;
    if (sql_[end] == '0' && end + 1 < sql_.size() && (sql_[end + 1] == 'x' || sql_[end + 1] == 'X')) {
      end += 2;
      while (end < sql_.size() && hexValue(sql_[end]) >= 0) ++end;
    } else {
      while (end < sql_.size() && isDigit(sql_[end])) ++end;
      if (end < sql_.size() && sql_[end] == '.') {
        ++end;
        while (end < sql_.size() && isDigit(sql_[end])) ++end;
      }
      if (end < sql_.size() && (sql_[end] == 'e' || sql_[end] == 'E')) {
        size_t exponent = end + 1;
        if (exponent < sql_.size() && (sql_[exponent] == '+' || sql_[exponent] == '-')) ++exponent;
        if (exponent < sql_.size() && isDigit(sql_[exponent])) {
          end = exponent;
          while (end < sql_.size() && isDigit(sql_[end])) ++end;
        }
      }
    }
    if (end < sql_.size() && isWordStart(sql_[end])) fail(start, "malformed number");
    return make(TokenKind::kNumber, start, end - start);
  }

  Token quoted(char quote, TokenKind kind) {
    const size_t start = pos_;
    std::string value;
    size_t i = pos_ + 1;
    while (true) {
      if (i >= sql_.size()) {
        fail(start, kind == TokenKind::kString ? "unterminated string literal" : "unterminated quoted identifier");
      }
      const char c = sql_[i];
      if (c == quote) {
        if (i + 1 < sql_.size() && sql_[i + 1] == quote) {  // doubled quote
          value.push_back(quote);
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      if (c == '\\' && i + 1 < sql_.size()) {
        const char e = sql_[i + 1];
        i += 2;
        switch (e) {
          case 'n': value.push_back('\n'); break;
          case 't': value.push_back('\t'); break;
          case 'r': value.push_back('\r'); break;
          case 'b': value.push_back('\b'); break;
          case 'f': value.push_back('\f'); break;
          case 'a': value.push_back('\a'); break;
          case 'v': value.push_back('\v'); break;
          case 'e': value.push_back('\x1B'); break;
          case '0': value.push_back('\0'); break;
          case 'x': {
            const int high = i < sql_.size() ? hexValue(sql_[i]) : -1;
            const int low = i + 1 < sql_.size() ? hexValue(sql_[i + 1]) : -1;
            if (high < 0 || low < 0) fail(i - 2, "invalid \\x escape in string literal");
            value.push_back(static_cast<char>(high * 16 + low));
            i += 2;
            break;
          }
          default: value.push_back(e); break;  // \\ \' \" and unknown escapes keep the character
        }
        continue;
      }
      value.push_back(c);
      ++i;
    }
    pos_ = i;
    return Token{kind, std::move(value), start};
  }

  std::string_view sql_;
  size_t pos_ = 0;
};

}  // namespace

bool Token::isKeyword(std::string_view keyword) const {
  if (kind != TokenKind::kIdentifier || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

std::vector<Token> tokenize(std::string_view sql) { return Lexer(sql).run(); }

std::string describePosition(std::string_view sql, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "position " + std::to_string(offset + 1) + " (line " + std::to_string(line) + ", col " +
         std::to_string(column) + ")";
}

}  // namespace perch
