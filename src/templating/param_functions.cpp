// Handlers of the functions that read a request parameter: the typed functions (`Int32(x)`),
// `Array`, `JSON`, `defined`, and the identifier builtins `column`, `columns`, `symbol`.
#include <string>

#include "templating/builtin_handlers.h"
#include "templating/json_value.h"
#include "templating/sql_escaping.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

std::string parameterLabel(const CallArguments& args, const Value& given) {
  if (!args.first_name.empty()) return std::string(args.first_name);
  if (given.kind == ValueKind::kUndefined || given.repeated_param) return given.text;
  return "?";
}

/// The value a parameter function works on: the request's value, else the default. Returns
/// nullptr when there is neither (recording the name when the parameter is required).
const Value* valueOrDefault(const CallArguments& args, const Value* default_value, RenderState& state) {
  const Value& given = args.positional[0];
  if (!given.isNoneLike()) return &given;
  if (default_value != nullptr && !default_value->isNoneLike()) return default_value;
  const Value* required = args.keyword("required");
  if (required != nullptr && isTruthy(*required)) state.recordMissing(parameterLabel(args, given));
  return nullptr;
}

/// The text a scalar value stands for when it is validated as `type`.
std::string scalarText(const Value& value, ParamType type) {
  switch (value.kind) {
    case ValueKind::kString: return value.text;
    case ValueKind::kBool:
      if (type == ParamType::kBoolean) return value.boolean ? "1" : "0";
      return pythonStr(value);
    case ValueKind::kInt:
    case ValueKind::kFloat: return pythonStr(value);
    default:
      throw TemplateError("Error validating '" + quoteForMessage(pythonRepr(value)) + "' to type " +
                          std::string(paramTypeName(type)));
  }
}

void checkEnum(const CallArguments& args, const Value& given, std::string_view text) {
  const Value* allowed = args.keyword("enum");
  if (allowed == nullptr || allowed->isNoneLike()) return;
  if (!allowed->isSequence()) throw TemplateError("enum must be a list of allowed values");
  std::string list;
  for (const Value& option : allowed->elements()) {
    const std::string option_text = pythonStr(option);
    if (option_text == text) return;
    if (!list.empty()) list += ", ";
    list += "'" + option_text + "'";
  }
  throw TemplateError("Invalid value '" + quoteForMessage(text) + "' for parameter '" + parameterLabel(args, given) +
                      "': allowed values are " + list);
}

[[noreturn]] void throwRepeated(const CallArguments& args, const Value& given, std::string_view type_name) {
  throw TemplateError("Parameter '" + parameterLabel(args, given) + "' was given more than once but " +
                      std::string(type_name) + " takes a single value");
}

/// Text of an identifier argument (column/symbol), or the default.
std::optional<std::string> identifierText(const CallArguments& args, std::string_view function) {
  const Value& given = args.positional[0];
  const Value* value = &given;
  if (given.isNoneLike()) {
    value = args.get(1, "default");
    if (value == nullptr || value->isNoneLike()) return std::nullopt;
  }
  if (value->repeated_param) throwRepeated(args, given, function);
  if (value->kind != ValueKind::kString) {
    throw TemplateError(std::string(function) + "() expects a string, got " + std::string(typeName(*value)));
  }
  if (value->text.empty()) throw TemplateError(std::string(function) + "() got an empty name");
  return value->text;
}

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Value typedParameter(const BuiltinSpec& spec, const CallArguments& args, RenderState& state) {
  const ParamType type = *spec.param_type;
  const Value* value = valueOrDefault(args, args.get(1, "default"), state);
  if (value == nullptr) return Value::none();
  if (value->repeated_param) throwRepeated(args, args.positional[0], paramTypeName(type));
  const std::string text = scalarText(*value, type);
  checkEnum(args, args.positional[0], text);
  return validateParam(type, text, ParamForm::kScalar);
}

Value arrayParameter(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  ParamType element_type = ParamType::kString;
  if (const Value* type_name = args.get(1, "type"); type_name != nullptr && !type_name->isNoneLike()) {
    const auto parsed = type_name->kind == ValueKind::kString ? paramTypeFromName(type_name->text) : std::nullopt;
    if (!parsed) throw TemplateError("unknown Array element type " + pythonRepr(*type_name));
    element_type = *parsed;
  }
  const Value* value = valueOrDefault(args, args.get(2, "default"), state);
  if (value == nullptr) return Value::none();

  std::vector<std::string> texts;
  if (value->isSequence()) {
    for (const Value& element : value->elements()) texts.push_back(scalarText(element, element_type));
  } else if (value->kind == ValueKind::kString) {
    std::string_view rest = value->text;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      texts.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
      if (rest.empty()) texts.emplace_back();
    }
  } else {
    texts.push_back(scalarText(*value, element_type));
  }
  state.charge(texts.size() + 1);

  ValueList elements;
  elements.reserve(texts.size());
  std::string sql = "[";
  for (const std::string& text : texts) {
    checkEnum(args, args.positional[0], text);
    Value element = validateParam(element_type, text, ParamForm::kArrayElement);
    if (sql.size() > 1) sql += ',';
    sql += *element.sql;
    elements.push_back(std::move(element));
  }
  sql += ']';
  Value result = Value::list(std::move(elements));
  result.sql = std::move(sql);
  return result;
}

Value jsonParameter(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  const Value* value = valueOrDefault(args, args.get(1, "default"), state);
  if (value == nullptr) return Value::none();
  if (value->repeated_param) throwRepeated(args, args.positional[0], "JSON");
  if (value->kind != ValueKind::kString) return *value;  // a literal default such as [] or {}
  Value parsed = parseJson(value->text);
  state.charge(value->text.size() / 64 + 1);
  return parsed;
}

Value definedFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  return Value::fromBool(!args.positional[0].isNoneLike());
}

Value columnFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  const auto name = identifierText(args, "column");
  if (!name) throw TemplateError("column(): parameter '" + parameterLabel(args, args.positional[0]) +
                                 "' is not defined and no default was given");
  Value result = Value::fromString(*name);
  std::string sql;
  appendQualifiedIdentifier(sql, *name);
  result.sql = std::move(sql);
  return result;
}

Value columnsFunction(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  const auto names = identifierText(args, "columns");
  if (!names) throw TemplateError("columns(): parameter '" + parameterLabel(args, args.positional[0]) +
                                  "' is not defined and no default was given");
  std::string sql;
  ValueList elements;
  std::string_view rest = *names;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view name = trimSpaces(rest.substr(0, comma));
    if (name.empty()) throw TemplateError("columns() got an empty column name");
    if (!sql.empty()) sql += ',';
    appendQualifiedIdentifier(sql, name);
    elements.push_back(Value::fromString(std::string(name)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  state.charge(elements.size());
  Value result = Value::list(std::move(elements));
  result.sql = std::move(sql);
  return result;
}

Value symbolFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  const auto name = identifierText(args, "symbol");
  if (!name) throw TemplateError("symbol(): parameter '" + parameterLabel(args, args.positional[0]) +
                                 "' is not defined and no default was given");
  Value result = Value::fromString(*name);
  std::string sql;
  appendIdentifier(sql, *name);
  result.sql = std::move(sql);
  return result;
}

}  // namespace perch::templating
