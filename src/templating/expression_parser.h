// ExpressionParser: parses the Python-subset expressions inside `{{ }}` and `{% %}` tags into Expr
// trees. Only the allowed subset can be expressed: there is no node for imports, lambdas, `**`,
// attribute access or arbitrary calls, so anything else is rejected here with a TemplateError
// naming the line. Calls are resolved against the builtin table and checked for arity and
// keyword names. A parser is used for one tag and then discarded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "templating/syntax.h"

namespace perch::templating {

class ExpressionParser {
 public:
  /// `source` is the tag's text after its keyword; `line` is where it starts in the template.
  ExpressionParser(std::string_view source, int line);

  /// Parses an expression that must span the rest of the source.
  ExprPtr parseComplete();
  /// `a` or `a, b, ...` (targets of `{% for %}` and `{% set %}`).
  std::vector<std::string> parseTargets();
  /// Consumes the keyword or operator `word` (e.g. "in", "="); throws when something else follows.
  void expect(std::string_view word);

 private:
  enum class TokenKind { kName, kInt, kFloat, kString, kOperator, kEnd };
  struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::string_view text;  // name or operator
    Value literal;          // numbers and strings
    size_t offset = 0;
  };

  Token nextToken();
  void advance();
  bool isOperator(std::string_view op) const;
  bool isKeyword(std::string_view word) const;
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void failUnexpected() const;

  ExprPtr parseExpression();
  ExprPtr parseOr();
  ExprPtr parseAnd();
  ExprPtr parseNot();
  ExprPtr parseComparison();
  ExprPtr parseArithmetic();
  ExprPtr parseTerm();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  ExprPtr parseAtom();
  ExprPtr parseName(std::string_view name);
  ExprPtr parseSubscript(ExprPtr target);
  void parseArguments(Expr& call);
  void checkCall(const Expr& call) const;
  ExprPtr makeNode(ExprKind kind) const;
  ExprPtr foldLiterals(ExprPtr node) const;
  Value readString();

  std::string_view source_;
  int line_;
  size_t pos_ = 0;
  Token current_;
};

/// True for names a template may not read or assign (`format`, `q`: SPEC §4.1).
bool isReservedName(std::string_view name);

}  // namespace perch::templating
