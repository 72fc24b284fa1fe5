#include "templating/expression_parser.h"

#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "templating/builtins.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

/// Python keywords that have no meaning in a template expression.
constexpr std::array<std::string_view, 24> kForbiddenKeywords{
    "lambda", "import", "from", "yield", "await", "async", "def", "class", "del", "global", "nonlocal", "with",
    "as", "assert", "pass", "raise", "return", "try", "except", "finally", "while", "for", "break", "continue"};

/// Words the grammar itself uses; they cannot start an operand.
constexpr std::array<std::string_view, 8> kGrammarKeywords{"if", "else", "elif", "in", "is", "and", "or", "not"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view word) {
  for (std::string_view candidate : words) {
    if (candidate == word) return true;
  }
  return false;
}

bool isLiteral(const ExprPtr& expr) { return expr->kind == ExprKind::kLiteral; }

}  // namespace

bool isReservedName(std::string_view name) { return name == "format" || name == "q"; }

ExpressionParser::ExpressionParser(std::string_view source, int line) : source_(source), line_(line) { advance(); }

void ExpressionParser::fail(const std::string& message) const {
  throw TemplateError(message + " at line " + std::to_string(line_));
}

void ExpressionParser::failUnexpected() const {
  if (current_.kind == TokenKind::kEnd) fail("invalid syntax in '" + std::string(source_) + "': unexpected end");
  const size_t end = std::min(source_.size(), current_.offset + 20);
  fail("invalid syntax in '" + std::string(source_) + "' near '" +
       std::string(source_.substr(current_.offset, end - current_.offset)) + "'");
}

void ExpressionParser::advance() { current_ = nextToken(); }

bool ExpressionParser::isOperator(std::string_view op) const {
  return current_.kind == TokenKind::kOperator && current_.text == op;
}

bool ExpressionParser::isKeyword(std::string_view word) const {
  return current_.kind == TokenKind::kName && current_.text == word;
}

void ExpressionParser::expect(std::string_view word) {
  if ((current_.kind == TokenKind::kName || current_.kind == TokenKind::kOperator) && current_.text == word) {
    advance();
    return;
  }
  failUnexpected();
}

ExprPtr ExpressionParser::makeNode(ExprKind kind) const {
  auto node = std::make_unique<Expr>();
  node->kind = kind;
  node->line = line_;
  return node;
}

ExprPtr ExpressionParser::parseComplete() {
  ExprPtr expr = parseExpression();
  if (isOperator(",")) {  // a bare tuple: `{% set a, b = 1, 2 %}`, `{% for x in 'a', 'b' %}`
    ExprPtr tuple = makeNode(ExprKind::kTuple);
    tuple->operands.push_back(std::move(expr));
    while (isOperator(",")) {
      advance();
      if (current_.kind == TokenKind::kEnd) break;
      tuple->operands.push_back(parseExpression());
    }
    expr = foldLiterals(std::move(tuple));
  }
  if (current_.kind != TokenKind::kEnd) failUnexpected();
  return expr;
}

std::vector<std::string> ExpressionParser::parseTargets() {
  std::vector<std::string> names;
  const bool parenthesized = isOperator("(");
  if (parenthesized) advance();
  while (true) {
    if (current_.kind != TokenKind::kName || contains(kGrammarKeywords, current_.text) ||
        contains(kForbiddenKeywords, current_.text)) {
      failUnexpected();
    }
    const std::string_view name = current_.text;
    if (isReservedName(name)) {
      fail("'" + std::string(name) + "' is a reserved parameter name and cannot be used in a template");
    }
    if (name.starts_with("__")) fail("name '" + std::string(name) + "' is not allowed");
    names.emplace_back(name);
    advance();
    if (!isOperator(",")) break;
    advance();
  }
  if (parenthesized) expect(")");
  return names;
}

ExprPtr ExpressionParser::parseExpression() {
  ExprPtr then = parseOr();
  if (!isKeyword("if")) return then;
  advance();
  ExprPtr condition = parseOr();
  expect("else");
  ExprPtr otherwise = parseExpression();
  ExprPtr node = makeNode(ExprKind::kConditional);
  node->operands.push_back(std::move(then));
  node->operands.push_back(std::move(condition));
  node->operands.push_back(std::move(otherwise));
  return node;
}

ExprPtr ExpressionParser::parseOr() {
  ExprPtr first = parseAnd();
  if (!isKeyword("or")) return first;
  ExprPtr node = makeNode(ExprKind::kOr);
  node->operands.push_back(std::move(first));
  while (isKeyword("or")) {
    advance();
    node->operands.push_back(parseAnd());
  }
  return node;
}

ExprPtr ExpressionParser::parseAnd() {
  ExprPtr first = parseNot();
  if (!isKeyword("and")) return first;
  ExprPtr node = makeNode(ExprKind::kAnd);
  node->operands.push_back(std::move(first));
  while (isKeyword("and")) {
    advance();
    node->operands.push_back(parseNot());
  }
  return node;
}

ExprPtr ExpressionParser::parseNot() {
  if (!isKeyword("not")) return parseComparison();
  advance();
  ExprPtr node = makeNode(ExprKind::kNot);
  node->operands.push_back(parseNot());
  return node;
}

ExprPtr ExpressionParser::parseComparison() {
  ExprPtr first = parseArithmetic();
  ExprPtr node;
  while (true) {
    static constexpr std::array<std::pair<std::string_view, Operator>, 6> kSymbolOperators{{
        {"==", Operator::kEqual},
        {"!=", Operator::kNotEqual},
        {"<", Operator::kLess},
        {"<=", Operator::kLessEqual},
        {">", Operator::kGreater},
        {">=", Operator::kGreaterEqual},
    }};
    std::optional<Operator> op;
    for (const auto& [symbol, symbol_op] : kSymbolOperators) {
      if (isOperator(symbol)) op = symbol_op;
    }
    if (op) {
      advance();
    } else if (isKeyword("in")) {
      advance();
      op = Operator::kIn;
    } else if (isKeyword("not")) {
      advance();
      expect("in");
      op = Operator::kNotIn;
    } else if (isKeyword("is")) {
      advance();
      op = Operator::kIs;
      if (isKeyword("not")) {
        advance();
        op = Operator::kIsNot;
      }
    } else {
      break;
    }
    if (!node) {
      node = makeNode(ExprKind::kCompare);
      node->operands.push_back(std::move(first));
    }
    node->compare_ops.push_back(*op);
    node->operands.push_back(parseArithmetic());
  }
  return node ? std::move(node) : std::move(first);
}

ExprPtr ExpressionParser::parseArithmetic() {
  ExprPtr left = parseTerm();
  while (isOperator("+") || isOperator("-")) {
    const Operator op = isOperator("+") ? Operator::kAdd : Operator::kSubtract;
    advance();
    ExprPtr node = makeNode(ExprKind::kBinary);
    node->op = op;
    node->operands.push_back(std::move(left));
    node->operands.push_back(parseTerm());
    left = std::move(node);
  }
  return left;
}

ExprPtr ExpressionParser::parseTerm() {
  ExprPtr left = parseUnary();
  while (isOperator("*") || isOperator("/") || isOperator("//") || isOperator("%")) {
    Operator op = Operator::kMultiply;
    if (isOperator("/")) op = Operator::kDivide;
    if (isOperator("//")) op = Operator::kFloorDivide;
    if (isOperator("%")) op = Operator::kModulo;
    advance();
    ExprPtr node = makeNode(ExprKind::kBinary);
    node->op = op;
    node->operands.push_back(std::move(left));
    node->operands.push_back(parseUnary());
    left = std::move(node);
  }
  return left;
}

ExprPtr ExpressionParser::parseUnary() {
  if (!isOperator("-") && !isOperator("+")) return parsePrimary();
  const bool negate = isOperator("-");
  advance();
  ExprPtr operand = parseUnary();
  // Fold `-5` into a literal so defaults like Int32(x, -1) are visible to parameters().
  if (operand->kind == ExprKind::kLiteral &&
      (operand->literal.kind == ValueKind::kInt || operand->literal.kind == ValueKind::kFloat)) {
    if (negate) {
      if (operand->literal.kind == ValueKind::kFloat) {
        operand->literal.real = -operand->literal.real;
      } else {
        operand->literal.integer = -operand->literal.integer;
      }
    }
    return operand;
  }
  ExprPtr node = makeNode(ExprKind::kUnary);
  node->op = negate ? Operator::kNegate : Operator::kPlus;
  node->operands.push_back(std::move(operand));
  return node;
}

ExprPtr ExpressionParser::parsePrimary() {
  ExprPtr expr;
  if (current_.kind == TokenKind::kName && !contains(kGrammarKeywords, current_.text) &&
      !contains(kForbiddenKeywords, current_.text) && current_.text != "None" && current_.text != "True" &&
      current_.text != "False") {
    const std::string_view name = current_.text;
    advance();
    if (isOperator("(")) {
      advance();
      expr = makeNode(ExprKind::kCall);
      expr->name = std::string(name);
      expr->builtin = findBuiltin(name);
      if (expr->builtin == nullptr) {
        if (name.starts_with("__")) fail("name '" + std::string(name) + "' is not allowed");
        fail("unknown function '" + std::string(name) + "'");
      }
      parseArguments(*expr);
      checkCall(*expr);
    } else {
      expr = parseName(name);
    }
  } else {
    expr = parseAtom();
  }
  while (true) {
    if (isOperator("[")) {
      advance();
      expr = parseSubscript(std::move(expr));
    } else if (isOperator(".")) {
      advance();
      if (current_.kind != TokenKind::kName) failUnexpected();
      const std::string_view name = current_.text;
      if (name.starts_with("_")) fail("attribute '" + std::string(name) + "' is not allowed");
      const auto method = findMethod(name);
      if (!method) fail("method '" + std::string(name) + "' is not allowed");
      advance();
      if (!isOperator("(")) fail("attribute access '." + std::string(name) + "' is not allowed, only method calls");
      advance();
      ExprPtr call = makeNode(ExprKind::kMethodCall);
      call->name = std::string(name);
      call->method = *method;
      call->operands.push_back(std::move(expr));
      parseArguments(*call);
      expr = std::move(call);
    } else if (isOperator("(")) {
      fail("only builtin functions and allow-listed methods can be called");
    } else {
      return expr;
    }
  }
}

ExprPtr ExpressionParser::parseName(std::string_view name) {
  if (name.starts_with("__")) fail("name '" + std::string(name) + "' is not allowed");
  if (isReservedName(name)) {
    fail("'" + std::string(name) + "' is a reserved parameter name and cannot be used in a template");
  }
  ExprPtr node = makeNode(ExprKind::kName);
  node->name = std::string(name);
  return node;
}

ExprPtr ExpressionParser::parseSubscript(ExprPtr target) {
  auto none_literal = [this] { return makeNode(ExprKind::kLiteral); };
  ExprPtr lower = isOperator(":") ? none_literal() : parseExpression();
  if (!isOperator(":")) {
    expect("]");
    ExprPtr node = makeNode(ExprKind::kSubscript);
    node->operands.push_back(std::move(target));
    node->operands.push_back(std::move(lower));
    return node;
  }
  advance();
  ExprPtr upper = isOperator(":") || isOperator("]") ? none_literal() : parseExpression();
  ExprPtr step = none_literal();
  if (isOperator(":")) {
    advance();
    if (!isOperator("]")) step = parseExpression();
  }
  expect("]");
  ExprPtr node = makeNode(ExprKind::kSlice);
  node->operands.push_back(std::move(target));
  node->operands.push_back(std::move(lower));
  node->operands.push_back(std::move(upper));
  node->operands.push_back(std::move(step));
  return node;
}

void ExpressionParser::parseArguments(Expr& call) {
  while (!isOperator(")")) {
    if (isOperator("*")) fail("'*' arguments are not allowed");
    bool is_keyword = false;
    if (current_.kind == TokenKind::kName) {
      const Token saved = current_;
      const size_t saved_pos = pos_;
      advance();
      is_keyword = isOperator("=");
      if (is_keyword) {
        advance();
        const std::string name(saved.text);
        for (const Keyword& keyword : call.keywords) {
          if (keyword.name == name) fail("keyword argument repeated: " + name);
        }
        call.keywords.push_back(Keyword{name, parseExpression()});
      } else {
        current_ = saved;
        pos_ = saved_pos;
      }
    }
    if (!is_keyword) {
      if (!call.keywords.empty()) fail("positional argument follows keyword argument");
      call.operands.push_back(parseExpression());
    }
    if (!isOperator(",")) break;
    advance();
  }
  expect(")");
}

void ExpressionParser::checkCall(const Expr& call) const {
  const BuiltinSpec& spec = *call.builtin;
  const size_t positional = call.operands.size();
  if (positional < spec.min_positional || positional > spec.max_positional) {
    fail(std::string(spec.name) + "() takes " +
         (spec.min_positional == spec.max_positional ? std::to_string(spec.min_positional)
                                                      : std::to_string(spec.min_positional) + " to " +
                                                            std::to_string(spec.max_positional)) +
         " positional arguments but " + std::to_string(positional) + " were given");
  }
  if (!spec.any_keywords) {
    for (const Keyword& keyword : call.keywords) {
      bool known = false;
      for (std::string_view allowed : spec.keywords) known = known || allowed == keyword.name;
      if (!known) fail(std::string(spec.name) + "() got an unexpected keyword argument '" + keyword.name + "'");
    }
  }
  if (spec.name == "Array" && positional >= 2 && isLiteral(call.operands[1])) {
    const Value& type = call.operands[1]->literal;
    if (type.kind != ValueKind::kString || !paramTypeFromName(type.text)) {
      fail("unknown Array element type " + pythonRepr(type));
    }
  }
}

ExprPtr ExpressionParser::parseAtom() {
  if (current_.kind == TokenKind::kInt || current_.kind == TokenKind::kFloat) {
    ExprPtr node = makeNode(ExprKind::kLiteral);
    node->literal = current_.literal;
    advance();
    return node;
  }
  if (current_.kind == TokenKind::kString) {
    ExprPtr node = makeNode(ExprKind::kLiteral);
    node->literal = current_.literal;
    advance();
    while (current_.kind == TokenKind::kString) {  // implicit concatenation: 'a' 'b'
      node->literal.text += current_.literal.text;
      advance();
    }
    return node;
  }
  if (current_.kind == TokenKind::kName) {
    const std::string_view word = current_.text;
    ExprPtr node = makeNode(ExprKind::kLiteral);
    if (word == "None") {
      node->literal = Value::none();
    } else if (word == "True" || word == "False") {
      node->literal = Value::fromBool(word == "True");
    } else if (contains(kForbiddenKeywords, word)) {
      fail("'" + std::string(word) + "' is not allowed");
    } else {
      failUnexpected();
    }
    advance();
    return node;
  }
  const bool is_paren = isOperator("(");
  const bool is_list = isOperator("[");
  const bool is_dict = isOperator("{");
  if (!is_paren && !is_list && !is_dict) failUnexpected();
  advance();
  const std::string_view close = is_paren ? ")" : (is_list ? "]" : "}");
  ExprPtr node = makeNode(is_list ? ExprKind::kList : (is_dict ? ExprKind::kDict : ExprKind::kTuple));
  bool saw_comma = false;
  while (!isOperator(close)) {
    node->operands.push_back(parseExpression());
    if (is_dict) {
      expect(":");
      node->operands.push_back(parseExpression());
    }
    if (isKeyword("for")) fail("comprehensions are not supported");
    if (!isOperator(",")) break;
    saw_comma = true;
    advance();
  }
  expect(close);
  if (is_paren && node->operands.size() == 1 && !saw_comma) return std::move(node->operands[0]);

  return foldLiterals(std::move(node));
}

ExprPtr ExpressionParser::foldLiterals(ExprPtr node) const {
  // Collections of literals (enum=[...], Array defaults) become one literal, built once.
  for (const ExprPtr& operand : node->operands) {
    if (!isLiteral(operand)) return node;
  }
  ExprPtr literal = makeNode(ExprKind::kLiteral);
  if (node->kind == ExprKind::kDict) {
    Dict dict;
    for (size_t i = 0; i + 1 < node->operands.size(); i += 2) {
      const Value& key = node->operands[i]->literal;
      bool replaced = false;
      for (auto& entry : dict.entries) {
        if (valuesEqual(entry.first, key)) {
          entry.second = node->operands[i + 1]->literal;
          replaced = true;
        }
      }
      if (!replaced) dict.entries.emplace_back(key, node->operands[i + 1]->literal);
    }
    literal->literal = Value::fromDict(std::move(dict));
    return literal;
  }
  ValueList elements;
  for (const ExprPtr& operand : node->operands) elements.push_back(operand->literal);
  literal->literal =
      node->kind == ExprKind::kList ? Value::list(std::move(elements)) : Value::tuple(std::move(elements));
  return literal;
}

}  // namespace perch::templating
