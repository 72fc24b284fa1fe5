// Renderer: one render of a CompiledTemplate for one request — walks the statement tree,
// evaluates expressions against the request parameters and local variables, and writes SQL.
// A Renderer lives on the stack of Template::render and is used once; it owns all mutable
// state of the render, which is what makes concurrent renders of one template safe.
#pragma once

#include <string>
#include <vector>

#include "templating/builtins.h"
#include "templating/syntax.h"

namespace perch::templating {

class Renderer {
 public:
  Renderer(const CompiledTemplate& compiled, const Params& params);

  /// Throws TemplateError (including the missing-required-parameter error, which takes
  /// precedence over any other error of the same render), perch::Error from error() and
  /// CustomError from custom_error().
  std::string render();

 private:
  static constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;

  /// How a statement list ended: normally, or at a {% break %}/{% continue %} of the loop around it.
  enum class Flow : uint8_t { kNormal, kBreak, kContinue };

  Flow execute(const std::vector<Statement>& body, std::string& out);
  void writeOutput(const Statement& statement, std::string& out);
  void assign(const std::vector<int>& targets, const Value& value);
  ValueList iterate(const Value& iterable);

  Value evaluate(const Expr& expr);
  Value lookup(const Expr& name) const;
  Value evaluateCall(const Expr& call);
  Value evaluateCompare(const Expr& compare);
  void evaluateArguments(const Expr& call, size_t first_operand, CallArguments& args);
  Value subscript(const Value& target, const Value& index) const;
  Value slice(const Value& target, const Value& lower, const Value& upper, const Value& step) const;

  const CompiledTemplate& compiled_;
  const Params& params_;
  std::vector<Value> locals_;
  std::vector<bool> assigned_;
  RenderState state_;
};

/// `Required parameter is not defined. Check the parameters a, b and c. Please provide a value
/// or set a default value in the pipe code.`
std::string missingParametersMessage(const std::vector<std::string>& names);

}  // namespace perch::templating
