#include "templating/renderer.h"

#include "templating/operators.h"
#include "templating/sql_output.h"
#include "templating/template_error.h"

namespace perch::templating {

std::string missingParametersMessage(const std::vector<std::string>& names) {
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += i + 1 == names.size() ? " and " : ", ";
    list += names[i];
  }
  return "Required parameter is not defined. Check the parameters " + list +
         ". Please provide a value or set a default value in the pipe code.";
}

Renderer::Renderer(const CompiledTemplate& compiled, const Params& params)
    : compiled_(compiled),
      params_(params),
      locals_(compiled.slot_names.size()),
      assigned_(compiled.slot_names.size(), false) {}

std::string Renderer::render() {
  std::string out;
  out.reserve(compiled_.output_size_hint);
  try {
    execute(compiled_.body, out);
  } catch (...) {
    // A missing required parameter usually causes the failure that follows it; report the cause.
    if (!state_.missing_required.empty()) throw TemplateError(missingParametersMessage(state_.missing_required));
    throw;
  }
  if (!state_.missing_required.empty()) throw TemplateError(missingParametersMessage(state_.missing_required));
  return out;
}

Renderer::Flow Renderer::execute(const std::vector<Statement>& body, std::string& out) {
  for (const Statement& statement : body) {
    switch (statement.kind) {
      case StatementKind::kText: out += statement.text; break;
      case StatementKind::kOutput: writeOutput(statement, out); break;
      case StatementKind::kIf:
        for (const Branch& branch : statement.branches) {
          if (branch.condition == nullptr || isTruthy(evaluate(*branch.condition))) {
            const Flow flow = execute(branch.body, out);
            if (flow != Flow::kNormal) return flow;  // a break/continue inside if ends the loop body
            break;
          }
        }
        break;
      case StatementKind::kFor: {
        const ValueList elements = iterate(evaluate(*statement.expr));
        for (const Value& element : elements) {
          state_.charge(1);
          assign(statement.targets, element);
          if (execute(statement.body, out) == Flow::kBreak) break;
        }
        break;
      }
      case StatementKind::kSet: assign(statement.targets, evaluate(*statement.expr)); break;
      case StatementKind::kBreak: return Flow::kBreak;
      case StatementKind::kContinue: return Flow::kContinue;
    }
    if (out.size() > kMaxOutputBytes) throw TemplateError("the rendered SQL is too large");
  }
  return Flow::kNormal;
}

void Renderer::writeOutput(const Statement& statement, std::string& out) {
  const Value value = evaluate(*statement.expr);
  if (value.isNoneLike() && !value.sql) {
    if (!state_.missing_required.empty()) return;  // the required-parameter error is reported at the end
    std::string message = "expression '" + statement.text + "' at line " + std::to_string(statement.line) +
                          " evaluated to null";
    if (value.kind == ValueKind::kUndefined) message += ": parameter '" + value.text + "' is not defined";
    throw TemplateError(std::move(message));
  }
  appendSqlValue(out, value);
}

void Renderer::assign(const std::vector<int>& targets, const Value& value) {
  if (targets.size() == 1) {
    locals_[static_cast<size_t>(targets[0])] = value;
    assigned_[static_cast<size_t>(targets[0])] = true;
    return;
  }
  if (!value.isSequence()) {
    throw TemplateError("cannot unpack non-sequence " + std::string(typeName(value)));
  }
  const ValueList& elements = value.elements();
  if (elements.size() != targets.size()) {
    throw TemplateError("cannot unpack " + std::to_string(elements.size()) + " values into " +
                        std::to_string(targets.size()) + " names");
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    locals_[static_cast<size_t>(targets[i])] = elements[i];
    assigned_[static_cast<size_t>(targets[i])] = true;
  }
}

ValueList Renderer::iterate(const Value& iterable) {
  switch (iterable.kind) {
    case ValueKind::kList:
    case ValueKind::kTuple: return iterable.elements();
    case ValueKind::kDict: {
      ValueList keys;
      for (const auto& entry : iterable.dict->entries) keys.push_back(entry.first);
      return keys;
    }
    case ValueKind::kString: {
      ValueList characters;
      const std::string& text = iterable.text;
      for (size_t i = 0; i < text.size();) {
        size_t length = 1;
        while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) ++length;
        characters.push_back(Value::fromString(text.substr(i, length)));
        i += length;
      }
      state_.charge(characters.size());
      return characters;
    }
    default: throw TemplateError("'" + std::string(typeName(iterable)) + "' object is not iterable");
  }
}

Value Renderer::lookup(const Expr& name) const {
  if (name.slot >= 0 && assigned_[static_cast<size_t>(name.slot)]) return locals_[static_cast<size_t>(name.slot)];
  const auto it = params_.find(name.name);
  if (it == params_.end() || it->second.empty()) return Value::undefined(name.name);
  if (it->second.size() == 1) return Value::fromString(it->second.front());
  ValueList values;
  values.reserve(it->second.size());
  for (const std::string& value : it->second) values.push_back(Value::fromString(value));
  Value repeated = Value::list(std::move(values));
  repeated.repeated_param = true;
  repeated.text = name.name;
  return repeated;
}

Value Renderer::evaluate(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral: return expr.literal;
    case ExprKind::kName: return lookup(expr);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      ValueList elements;
      elements.reserve(expr.operands.size());
      for (const ExprPtr& operand : expr.operands) elements.push_back(evaluate(*operand));
      return expr.kind == ExprKind::kList ? Value::list(std::move(elements)) : Value::tuple(std::move(elements));
    }
    case ExprKind::kDict: {
      Dict dict;
      for (size_t i = 0; i + 1 < expr.operands.size(); i += 2) {
        Value key = evaluate(*expr.operands[i]);
        Value value = evaluate(*expr.operands[i + 1]);
        bool replaced = false;
        for (auto& entry : dict.entries) {
          if (valuesEqual(entry.first, key)) {
            entry.second = value;
            replaced = true;
          }
        }
        if (!replaced) dict.entries.emplace_back(std::move(key), std::move(value));
      }
      return Value::fromDict(std::move(dict));
    }
    case ExprKind::kUnary: return applyUnary(expr.op, evaluate(*expr.operands[0]));
    case ExprKind::kBinary:
      return applyBinary(expr.op, evaluate(*expr.operands[0]), evaluate(*expr.operands[1]), state_);
    case ExprKind::kCompare: return evaluateCompare(expr);
    case ExprKind::kAnd: {
      Value value;
      for (const ExprPtr& operand : expr.operands) {
        value = evaluate(*operand);
        if (!isTruthy(value)) return value;
      }
      return value;
    }
    case ExprKind::kOr: {
      Value value;
      for (const ExprPtr& operand : expr.operands) {
        value = evaluate(*operand);
        if (isTruthy(value)) return value;
      }
      return value;
    }
    case ExprKind::kNot: return Value::fromBool(!isTruthy(evaluate(*expr.operands[0])));
    case ExprKind::kConditional:
      return isTruthy(evaluate(*expr.operands[1])) ? evaluate(*expr.operands[0]) : evaluate(*expr.operands[2]);
    case ExprKind::kCall: return evaluateCall(expr);
    case ExprKind::kMethodCall: {
      const Value self = evaluate(*expr.operands[0]);
      CallArguments args;
      evaluateArguments(expr, 1, args);
      return callMethod(expr.method, expr.name, self, args, state_);
    }
    case ExprKind::kSubscript: return subscript(evaluate(*expr.operands[0]), evaluate(*expr.operands[1]));
    case ExprKind::kSlice:
      return slice(evaluate(*expr.operands[0]), evaluate(*expr.operands[1]), evaluate(*expr.operands[2]),
                   evaluate(*expr.operands[3]));
  }
  throw TemplateError("unsupported expression");
}

Value Renderer::evaluateCompare(const Expr& compare) {
  Value left = evaluate(*compare.operands[0]);
  for (size_t i = 0; i < compare.compare_ops.size(); ++i) {
    Value right = evaluate(*compare.operands[i + 1]);
    if (!applyComparison(compare.compare_ops[i], left, right)) return Value::fromBool(false);
    left = std::move(right);
  }
  return Value::fromBool(true);
}

void Renderer::evaluateArguments(const Expr& call, size_t first_operand, CallArguments& args) {
  args.positional.reserve(call.operands.size() - first_operand);
  for (size_t i = first_operand; i < call.operands.size(); ++i) args.positional.push_back(evaluate(*call.operands[i]));
  args.keywords.reserve(call.keywords.size());
  for (const Keyword& keyword : call.keywords) args.keywords.emplace_back(keyword.name, evaluate(*keyword.value));
}

Value Renderer::evaluateCall(const Expr& call) {
  CallArguments args;
  evaluateArguments(call, 0, args);
  if (!call.operands.empty() && call.operands[0]->kind == ExprKind::kName) args.first_name = call.operands[0]->name;
  return call.builtin->handler(*call.builtin, args, state_);
}

namespace {

int64_t indexValue(const Value& index, std::string_view what) {
  if (index.kind == ValueKind::kInt) return index.integer;
  if (index.kind == ValueKind::kBool) return index.boolean ? 1 : 0;
  throw TemplateError(std::string(what) + " indices must be integers, not " + std::string(typeName(index)));
}

}  // namespace

Value Renderer::subscript(const Value& target, const Value& index) const {
  if (target.kind == ValueKind::kDict) {
    const Value* found = target.dict->find(index);
    if (found == nullptr) throw TemplateError("key " + quoteForMessage(pythonRepr(index)) + " not found");
    return *found;
  }
  if (target.kind != ValueKind::kString && !target.isSequence()) {
    throw TemplateError("'" + std::string(typeName(target)) + "' object is not subscriptable");
  }
  const auto size = static_cast<int64_t>(target.kind == ValueKind::kString ? target.text.size() : target.elements().size());
  int64_t position = indexValue(index, typeName(target));
  if (position < 0) position += size;
  if (position < 0 || position >= size) throw TemplateError(std::string(typeName(target)) + " index out of range");
  if (target.kind == ValueKind::kString) return Value::fromString(std::string(1, target.text[static_cast<size_t>(position)]));
  return target.elements()[static_cast<size_t>(position)];
}

Value Renderer::slice(const Value& target, const Value& lower, const Value& upper, const Value& step_value) const {
  if (target.kind != ValueKind::kString && !target.isSequence()) {
    throw TemplateError("'" + std::string(typeName(target)) + "' object is not subscriptable");
  }
  const auto size = static_cast<int64_t>(target.kind == ValueKind::kString ? target.text.size() : target.elements().size());
  const int64_t step = step_value.isNoneLike() ? 1 : indexValue(step_value, "slice");
  if (step == 0) throw TemplateError("slice step cannot be zero");
  // Python's slice.indices().
  auto clamp = [&](const Value& bound, int64_t fallback) {
    if (bound.isNoneLike()) return fallback;
    int64_t position = indexValue(bound, "slice");
    if (position < 0) position += size;
    if (step > 0) return std::clamp<int64_t>(position, 0, size);
    return std::clamp<int64_t>(position, -1, size - 1);
  };
  const int64_t start = clamp(lower, step > 0 ? 0 : size - 1);
  const int64_t stop = clamp(upper, step > 0 ? size : -1);
  std::string text;
  ValueList elements;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (target.kind == ValueKind::kString) {
      text += target.text[static_cast<size_t>(i)];
    } else {
      elements.push_back(target.elements()[static_cast<size_t>(i)]);
    }
  }
  if (target.kind == ValueKind::kString) return Value::fromString(std::move(text));
  return target.kind == ValueKind::kList ? Value::list(std::move(elements)) : Value::tuple(std::move(elements));
}

}  // namespace perch::templating
