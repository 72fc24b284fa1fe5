// Handlers of Tinybird's SQL-building helpers: sql_and, split_to_array, enumerate_with_last,
// error, custom_error, sql_unescape and the query hints max_threads/cache_ttl.
#include <string>

#include "common/error.h"
#include "templating/builtin_handlers.h"
#include "templating/json_value.h"
#include "templating/sql_output.h"
#include "templating/template.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

struct SqlAndOperator {
  std::string_view suffix;
  std::string_view sql;
};

constexpr SqlAndOperator kSqlAndOperators[] = {
    {"__not_in", " NOT IN "}, {"__in", " IN "}, {"__gte", " >= "}, {"__lte", " <= "}, {"__gt", " > "}, {"__lt", " < "},
};

std::string_view stripSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool isControlOrQuote(char c) {
  return c == '\\' || c == '\'' || c == '"' || c == '`' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
}

/// Removes the backslash before each character of `chars` in already-escaped text; never before a
/// quote, backslash or control character, so the literal stays closed.
std::string unescape(std::string_view text, std::string_view chars) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char next = text[i + 1];
      if (!isControlOrQuote(next) && chars.find(next) != std::string_view::npos) {
        out += next;
      } else {
        out += text[i];
        out += next;
      }
      ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

}  // namespace

Value sqlAndFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  std::string sql;
  for (const auto& [name, value] : args.keywords) {
    if (value.isNoneLike() && !value.sql) continue;
    std::string_view column = name;
    std::string_view op = " = ";
    for (const SqlAndOperator& candidate : kSqlAndOperators) {
      if (column.ends_with(candidate.suffix)) {
        column.remove_suffix(candidate.suffix.size());
        op = candidate.sql;
        break;
      }
    }
    if (!sql.empty()) sql += " AND ";
    sql += column;  // a keyword name from the template source: always [A-Za-z_][A-Za-z0-9_]*
    sql += op;
    appendSqlValue(sql, value);
  }
  if (sql.empty()) sql = "1";
  Value result = Value::fromString(sql);
  result.sql = std::move(sql);
  return result;
}

Value splitToArrayFunction(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  const Value* value = &args.positional[0];
  if (value->isNoneLike() || (value->kind == ValueKind::kString && value->text.empty())) {
    value = args.get(1, "default");
    if (value == nullptr || value->isNoneLike()) return Value::list({});
  }
  if (value->isSequence()) return *value;
  if (value->kind != ValueKind::kString) {
    throw TemplateError("split_to_array() expects a string, got " + std::string(typeName(*value)));
  }
  std::string separator = ",";
  if (const Value* given = args.get(2, "separator"); given != nullptr && given->kind == ValueKind::kString) {
    separator = given->text;
  }
  if (separator.empty()) throw TemplateError("split_to_array() got an empty separator");
  ValueList parts;
  std::string_view rest = value->text;
  if (!rest.empty()) {
    while (true) {
      const size_t found = rest.find(separator);
      parts.push_back(Value::fromString(std::string(stripSpaces(rest.substr(0, found)))));
      if (found == std::string_view::npos) break;
      rest.remove_prefix(found + separator.size());
    }
  }
  state.charge(parts.size() + 1);
  return Value::list(std::move(parts));
}

Value enumerateWithLastFunction(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  const Value& sequence = args.positional[0];
  if (!sequence.isSequence()) {
    throw TemplateError("'" + std::string(typeName(sequence)) + "' object is not iterable");
  }
  const ValueList& elements = sequence.elements();
  ValueList pairs;
  pairs.reserve(elements.size());
  for (size_t i = 0; i < elements.size(); ++i) {
    pairs.push_back(Value::tuple({Value::fromBool(i + 1 == elements.size()), elements[i]}));
  }
  state.charge(pairs.size() + 1);
  return Value::list(std::move(pairs));
}

Value errorFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  throw Error(ErrorCode::kBadRequest, pythonStr(args.positional[0]));
}

Value customErrorFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  int status = 400;
  if (const Value* code = args.get(1, "code"); code != nullptr && code->kind == ValueKind::kInt) {
    if (code->integer >= 400 && code->integer <= 599) status = static_cast<int>(code->integer);
  }
  std::string body;
  appendJson(body, args.positional[0]);
  throw CustomError(status, std::move(body));
}

Value sqlUnescapeFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  std::string chars = "%";
  if (args.positional.size() > 1) {
    if (args.positional[1].kind != ValueKind::kString) throw TemplateError("sql_unescape() expects a string of characters");
    chars = args.positional[1].text;
  }
  Value result = args.positional[0];
  if (result.sql) {
    result.sql = unescape(*result.sql, chars);
  } else if (result.kind == ValueKind::kString) {
    result.text = unescape(result.text, chars);
  }
  return result;
}

Value queryHintFunction(const BuiltinSpec&, const CallArguments&, RenderState&) {
  Value hint = Value::none();
  hint.sql = std::string();  // hints are accepted and write nothing
  return hint;
}

}  // namespace perch::templating
