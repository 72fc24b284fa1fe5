#include "templating/builtins.h"

#include <algorithm>
#include <array>

#include "templating/builtin_handlers.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

constexpr std::string_view kParamKeywords[] = {"default", "required", "description", "example",
                                               "enum",    "format",   "defined"};
constexpr std::string_view kArrayKeywords[] = {"type", "default", "required", "description", "example",
                                               "enum", "format",  "defined"};
constexpr std::string_view kDefaultKeyword[] = {"default"};
constexpr std::string_view kSplitKeywords[] = {"default", "separator"};
constexpr std::string_view kDateDiffKeywords[] = {"date_format", "default", "backup_date_format", "none_if_error"};
constexpr std::string_view kCodeKeyword[] = {"code"};
constexpr std::string_view kStartKeyword[] = {"start"};
constexpr std::string_view kNoKeywords[] = {"_"};

constexpr std::span<const std::string_view> kNone{kNoKeywords, 0};

constexpr BuiltinSpec typed(std::string_view name, ParamType type) {
  return BuiltinSpec{name, &typedParameter, 1, 2, kParamKeywords, false, type, true};
}

constexpr BuiltinSpec kBuiltins[] = {
    typed("String", ParamType::kString),
    typed("Boolean", ParamType::kBoolean),
    typed("Int", ParamType::kInt),
    typed("Integer", ParamType::kInt),
    typed("Int8", ParamType::kInt8),
    typed("Int16", ParamType::kInt16),
    typed("Int32", ParamType::kInt32),
    typed("Int64", ParamType::kInt64),
    typed("Int128", ParamType::kInt128),
    typed("Int256", ParamType::kInt256),
    typed("UInt8", ParamType::kUInt8),
    typed("UInt16", ParamType::kUInt16),
    typed("UInt32", ParamType::kUInt32),
    typed("UInt64", ParamType::kUInt64),
    typed("UInt128", ParamType::kUInt128),
    typed("UInt256", ParamType::kUInt256),
    typed("Float32", ParamType::kFloat32),
    typed("Float64", ParamType::kFloat64),
    typed("Date", ParamType::kDate),
    typed("DateTime", ParamType::kDateTime),
    typed("DateTime64", ParamType::kDateTime64),
    typed("UUID", ParamType::kUUID),
    {"Array", &arrayParameter, 1, 3, kArrayKeywords, false, std::nullopt, true},
    {"JSON", &jsonParameter, 1, 2, kParamKeywords, false, std::nullopt, true},
    {"defined", &definedFunction, 1, 1, kNone, false, std::nullopt, true},
    {"column", &columnFunction, 1, 2, kDefaultKeyword, false, std::nullopt, true},
    {"columns", &columnsFunction, 1, 2, kDefaultKeyword, false, std::nullopt, true},
    {"symbol", &symbolFunction, 1, 2, kDefaultKeyword, false, std::nullopt, true},
    {"split_to_array", &splitToArrayFunction, 1, 3, kSplitKeywords, false, std::nullopt, true},
    {"sql_and", &sqlAndFunction, 0, 0, kNone, true, std::nullopt, false},
    {"enumerate_with_last", &enumerateWithLastFunction, 1, 1, kNone, false, std::nullopt, false},
    {"day_diff", &dayDiffFunction, 2, 3, kDefaultKeyword, false, std::nullopt, false},
    {"date_diff_in_seconds", &dateDiffFunction, 2, 3, kDateDiffKeywords, false, std::nullopt, false},
    {"date_diff_in_minutes", &dateDiffFunction, 2, 3, kDateDiffKeywords, false, std::nullopt, false},
    {"date_diff_in_hours", &dateDiffFunction, 2, 3, kDateDiffKeywords, false, std::nullopt, false},
    {"date_diff_in_days", &dateDiffFunction, 2, 3, kDateDiffKeywords, false, std::nullopt, false},
    {"error", &errorFunction, 1, 2, kCodeKeyword, false, std::nullopt, false},
    {"custom_error", &customErrorFunction, 1, 2, kCodeKeyword, false, std::nullopt, false},
    {"sql_unescape", &sqlUnescapeFunction, 1, 2, kNone, false, std::nullopt, false},
    {"max_threads", &queryHintFunction, 1, 1, kNone, false, std::nullopt, false},
    {"cache_ttl", &queryHintFunction, 1, 1, kNone, false, std::nullopt, false},
    {"len", &lenFunction, 1, 1, kNone, false, std::nullopt, false},
    {"str", &strFunction, 0, 1, kNone, false, std::nullopt, false},
    {"int", &intFunction, 0, 1, kNone, false, std::nullopt, false},
    {"float", &floatFunction, 0, 1, kNone, false, std::nullopt, false},
    {"range", &rangeFunction, 1, 3, kNone, false, std::nullopt, false},
    {"enumerate", &enumerateFunction, 1, 2, kStartKeyword, false, std::nullopt, false},
};

struct NamedMethod {
  std::string_view name;
  Method method;
};

constexpr NamedMethod kMethods[] = {
    {"lower", Method::kLower},       {"upper", Method::kUpper},           {"strip", Method::kStrip},
    {"split", Method::kSplit},       {"startswith", Method::kStartsWith}, {"endswith", Method::kEndsWith},
    {"replace", Method::kReplace},   {"get", Method::kGet},               {"keys", Method::kKeys},
    {"items", Method::kItems},
};

}  // namespace

void RenderState::recordMissing(std::string_view name) {
  if (std::find(missing_required.begin(), missing_required.end(), name) == missing_required.end()) {
    missing_required.emplace_back(name);
  }
}

void RenderState::charge(size_t steps) {
  if (steps > remaining_steps) throw TemplateError("the template does too much work for one request");
  remaining_steps -= steps;
}

const Value* CallArguments::keyword(std::string_view name) const {
  for (const auto& [keyword_name, value] : keywords) {
    if (keyword_name == name) return &value;
  }
  return nullptr;
}

const Value* CallArguments::get(size_t position, std::string_view name) const {
  if (position < positional.size()) return &positional[position];
  return keyword(name);
}

const BuiltinSpec* findBuiltin(std::string_view name) {
  for (const BuiltinSpec& spec : kBuiltins) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::optional<Method> findMethod(std::string_view name) {
  for (const NamedMethod& entry : kMethods) {
    if (entry.name == name) return entry.method;
  }
  return std::nullopt;
}

}  // namespace perch::templating
