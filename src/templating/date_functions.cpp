// Handlers of day_diff and date_diff_in_seconds/minutes/hours/days: the absolute difference
// between two dates or date-times given as text (or typed Date/DateTime values).
#include <cstdlib>
#include <string>

#include "templating/builtin_handlers.h"
#include "templating/calendar.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

std::optional<int64_t> flexibleSeconds(std::string_view text) {
  if (auto date = parseDateText(text)) return epochSeconds(*date);
  if (auto date_time = parseDateTimeText(text, true)) return epochSeconds(*date_time);
  return std::nullopt;
}

std::optional<int64_t> secondsOf(const Value& value, std::string_view format, std::string_view backup_format) {
  if (value.kind != ValueKind::kString) return std::nullopt;
  if (!format.empty()) {
    if (auto parsed = parseWithFormat(value.text, format)) return epochSeconds(*parsed);
  }
  if (!backup_format.empty()) {
    if (auto parsed = parseWithFormat(value.text, backup_format)) return epochSeconds(*parsed);
  }
  return flexibleSeconds(value.text);
}

std::string_view textKeyword(const CallArguments& args, std::string_view name) {
  const Value* value = args.keyword(name);
  return value != nullptr && value->kind == ValueKind::kString ? std::string_view(value->text) : std::string_view();
}

}  // namespace

Value dayDiffFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState&) {
  const auto start = secondsOf(args.positional[0], "", "");
  const auto end = secondsOf(args.positional[1], "", "");
  if (!start || !end) {
    if (const Value* fallback = args.get(2, "default")) return *fallback;
    const Value& bad = start ? args.positional[1] : args.positional[0];
    throw TemplateError(std::string(spec.name) + "(): invalid date '" + quoteForMessage(pythonStr(bad)) + "'");
  }
  return Value::fromInt(std::llabs(*end - *start) / 86400);
}

Value dateDiffFunction(const BuiltinSpec& spec, const CallArguments& args, RenderState&) {
  std::string_view format = "%Y-%m-%d %H:%M:%S";
  if (const Value* given = args.keyword("date_format"); given != nullptr && given->kind == ValueKind::kString) {
    format = given->text;
  }
  const std::string_view backup = textKeyword(args, "backup_date_format");
  const auto start = secondsOf(args.positional[0], format, backup);
  const auto end = secondsOf(args.positional[1], format, backup);
  if (!start || !end) {
    if (const Value* fallback = args.get(2, "default"); fallback != nullptr && !fallback->isNoneLike()) return *fallback;
    if (const Value* none_if_error = args.keyword("none_if_error"); none_if_error && isTruthy(*none_if_error)) {
      return Value::none();
    }
    const Value& bad = start ? args.positional[1] : args.positional[0];
    throw TemplateError(std::string(spec.name) + "(): invalid date '" + quoteForMessage(pythonStr(bad)) + "'");
  }
  int64_t unit = 1;
  if (spec.name.ends_with("minutes")) unit = 60;
  if (spec.name.ends_with("hours")) unit = 3600;
  if (spec.name.ends_with("days")) unit = 86400;
  return Value::fromInt(std::llabs(*end - *start) / unit);
}

}  // namespace perch::templating
