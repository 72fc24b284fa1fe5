// Lexer: splits ClickHouse SQL text into tokens.
//
// Keywords are not distinguished here: they arrive as kIdentifier tokens and the parser compares
// them case-insensitively, because ClickHouse lets most keywords double as identifiers. Quoted
// identifiers (`x`, "x") and string literals arrive unescaped. Every token records its byte offset
// so errors can point at it. The lexer is a plain value type; it is not shared between threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace perch {

enum class TokenKind {
  kIdentifier,        // bare word: keyword, name or function
  kQuotedIdentifier,  // `name` or "name", unescaped
  kNumber,            // digits as written (123, 1.5, 1e3, 0x1F)
  kString,            // '...' unescaped
  kLeftParen, kRightParen, kLeftBracket, kRightBracket,
  kComma, kDot, kSemicolon, kColon, kDoubleColon, kQuestion, kArrow,
  kPlus, kMinus, kStar, kSlash, kPercent, kConcat,
  kEquals, kNotEquals, kLess, kLessOrEquals, kGreater, kGreaterOrEquals,
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;  // unescaped value for strings and quoted identifiers; source text otherwise
  size_t position;   // byte offset in the source

  bool isKeyword(std::string_view keyword) const;
};

/// Tokenizes `sql` completely; throws Error(kBadRequest) on an unterminated string, quoted
/// identifier or comment, or a character that starts no token.
std::vector<Token> tokenize(std::string_view sql);

/// "position N (line L, col C)" for a byte offset, 1-based, as used in syntax errors.
std::string describePosition(std::string_view sql, size_t offset);

}  // namespace perch
