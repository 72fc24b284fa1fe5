// The parsed form of a template: a tree of statements (text, `{{ }}` output, if/for/set blocks)
// whose expressions are trees of Expr. Everything that can be decided once is decided at parse
// time — builtins and methods are resolved to table entries, local variables to slot numbers —
// so rendering is a plain tree walk. A CompiledTemplate is immutable after parsing and shared by
// every copy of a Template and every thread rendering it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "templating/template.h"
#include "templating/value.h"

namespace perch::templating {

struct BuiltinSpec;
enum class Method : uint8_t;

enum class ExprKind : uint8_t {
  kLiteral,      // literal
  kName,         // name; slot >= 0 when a {% set %}/{% for %} may assign it
  kList,         // operands
  kTuple,        // operands
  kDict,         // operands = key0, value0, key1, value1, ...
  kUnary,        // op, operands[0]
  kBinary,       // op, operands[0..1]
  kCompare,      // operands[0] compare_ops[i] operands[i+1] ... (chained like Python)
  kAnd,          // operands (short-circuit, returns an operand)
  kOr,           // operands
  kNot,          // operands[0]
  kConditional,  // operands = {then, condition, otherwise}
  kCall,         // builtin(operands..., keywords...)
  kMethodCall,   // operands[0].method(operands[1...], keywords...)
  kSubscript,    // operands[0][operands[1]]
  kSlice,        // operands[0][lower:upper:step]; absent parts are kLiteral None
};

enum class Operator : uint8_t {
  kAdd, kSubtract, kMultiply, kDivide, kFloorDivide, kModulo,  // binary arithmetic
  kNegate, kPlus,                                              // unary
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kIn, kNotIn, kIs, kIsNot,
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Operator op = Operator::kAdd;
  int line = 0;
  int slot = -1;
  Value literal;
  std::string name;  // kName: the name; kCall: the function; kMethodCall: the method
  std::vector<ExprPtr> operands;
  std::vector<Operator> compare_ops;
  std::vector<Keyword> keywords;
  const BuiltinSpec* builtin = nullptr;
  Method method{};
};

enum class StatementKind : uint8_t { kText, kOutput, kIf, kFor, kSet, kBreak, kContinue };

struct Statement;

struct Branch {
  ExprPtr condition;  // null for `else`
  std::vector<Statement> body;
};

struct Statement {
  StatementKind kind = StatementKind::kText;
  int line = 0;
  std::string text;           // kText: the verbatim text; kOutput: the expression source
  ExprPtr expr;               // kOutput, kFor (iterable), kSet (value)
  std::vector<Branch> branches;  // kIf
  std::vector<int> targets;   // kFor, kSet: slots (several for tuple unpacking)
  std::vector<Statement> body;   // kFor
};

struct CompiledTemplate {
  std::vector<Statement> body;
  std::vector<std::string> slot_names;
  std::vector<ParamInfo> parameters;
  std::vector<ParamUse> typed_uses;
  std::vector<std::string> query_option_names;
  std::string node;
  std::string pipe;
  size_t output_size_hint = 0;
};

}  // namespace perch::templating
