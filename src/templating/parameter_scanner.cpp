#include "templating/parameter_scanner.h"

#include "templating/builtins.h"

namespace perch::templating {
namespace {

const Expr* argument(const Expr& call, size_t position, std::string_view keyword) {
  if (position < call.operands.size()) return call.operands[position].get();
  for (const Keyword& entry : call.keywords) {
    if (entry.name == keyword) return entry.value.get();
  }
  return nullptr;
}

std::optional<std::string> literalText(const Expr* expr) {
  if (expr == nullptr || expr->kind != ExprKind::kLiteral) return std::nullopt;
  const Value& value = expr->literal;
  switch (value.kind) {
    case ValueKind::kNone:
    case ValueKind::kUndefined:
    case ValueKind::kDict: return std::nullopt;
    case ValueKind::kBool: return value.boolean ? "true" : "false";
    case ValueKind::kList:
    case ValueKind::kTuple: {
      std::string joined;
      for (const Value& element : value.elements()) {
        if (!joined.empty()) joined += ',';
        joined += pythonStr(element);
      }
      return joined;
    }
    default: return pythonStr(value);
  }
}

}  // namespace

std::vector<ParamInfo> ParameterScanner::scan(const CompiledTemplate& compiled) {
  scanStatements(compiled.body);
  return std::move(parameters_);
}

void ParameterScanner::scanStatements(const std::vector<Statement>& body) {
  for (const Statement& statement : body) {
    if (statement.expr) scanExpr(*statement.expr);
    for (const Branch& branch : statement.branches) {
      if (branch.condition) scanExpr(*branch.condition);
      scanStatements(branch.body);
    }
    scanStatements(statement.body);
  }
}

void ParameterScanner::scanExpr(const Expr& expr) {
  if (expr.kind == ExprKind::kName && expr.slot < 0) {
    add(ParamInfo{expr.name, "String", std::nullopt, false, "", {}}, false);
    return;
  }
  if (expr.kind == ExprKind::kCall && expr.builtin->reads_parameter && !expr.operands.empty() &&
      expr.operands[0]->kind == ExprKind::kName && expr.operands[0]->slot < 0) {
    scanParameterCall(expr);
    for (size_t i = 1; i < expr.operands.size(); ++i) scanExpr(*expr.operands[i]);
  } else {
    for (const ExprPtr& operand : expr.operands) scanExpr(*operand);
  }
  for (const Keyword& keyword : expr.keywords) scanExpr(*keyword.value);
}

void ParameterScanner::scanParameterCall(const Expr& call) {
  const BuiltinSpec& spec = *call.builtin;
  ParamInfo info;
  info.name = call.operands[0]->name;
  info.type = "String";
  bool typed = false;
  size_t default_position = 1;
  if (spec.param_type) {
    info.type = std::string(paramTypeName(*spec.param_type));
    typed = true;
  } else if (spec.name == "Array") {
    std::string element = "String";
    if (auto type = literalText(argument(call, 1, "type")); type && paramTypeFromName(*type)) {
      element = std::string(paramTypeName(*paramTypeFromName(*type)));
    }
    info.type = "Array(" + element + ")";
    default_position = 2;
    typed = true;
  } else if (spec.name == "JSON") {
    info.type = "JSON";
    typed = true;
  } else if (spec.name == "defined") {
    default_position = 99;
  }
  info.default_value = literalText(argument(call, default_position, "default"));
  if (const Expr* required = argument(call, 99, "required");
      required != nullptr && required->kind == ExprKind::kLiteral) {
    info.required = isTruthy(required->literal);
  }
  if (const Expr* description = argument(call, 99, "description");
      description != nullptr && description->kind == ExprKind::kLiteral &&
      description->literal.kind == ValueKind::kString) {
    info.description = description->literal.text;
  }
  if (const Expr* options = argument(call, 99, "enum");
      options != nullptr && options->kind == ExprKind::kLiteral && options->literal.isSequence()) {
    for (const Value& option : options->literal.elements()) info.enum_values.push_back(pythonStr(option));
  }
  if (typed) typed_uses_.push_back(ParamUse{info.name, info.type, call.line});
  add(std::move(info), typed);
}

void ParameterScanner::add(ParamInfo info, bool typed) {
  const auto it = index_.find(info.name);
  if (it == index_.end()) {
    index_.emplace(info.name, parameters_.size());
    parameters_.push_back(std::move(info));
    typed_.push_back(typed);
    return;
  }
  ParamInfo& existing = parameters_[it->second];
  if (typed && !typed_[it->second]) {
    existing.type = info.type;
    typed_[it->second] = true;
  }
  existing.required = existing.required || info.required;
  if (!existing.default_value) existing.default_value = std::move(info.default_value);
  if (existing.description.empty()) existing.description = std::move(info.description);
  if (existing.enum_values.empty()) existing.enum_values = std::move(info.enum_values);
}

}  // namespace perch::templating
