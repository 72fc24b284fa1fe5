#include "templating/param_type.h"

#include <array>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "templating/calendar.h"
#include "templating/sql_escaping.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

struct IntegerLimits {
  bool is_signed;
  std::string_view max_magnitude;  // largest positive value
  std::string_view min_magnitude;  // magnitude of the most negative value (signed only)
  std::string_view cast;           // ClickHouse conversion function
};

std::optional<IntegerLimits> integerLimits(ParamType type) {
  switch (type) {
    case ParamType::kInt:
    case ParamType::kInt32: return IntegerLimits{true, "2147483647", "2147483648", "toInt32"};
    case ParamType::kInt8: return IntegerLimits{true, "127", "128", "toInt8"};
    case ParamType::kInt16: return IntegerLimits{true, "32767", "32768", "toInt16"};
    case ParamType::kInt64:
      return IntegerLimits{true, "9223372036854775807", "9223372036854775808", "toInt64"};
    case ParamType::kInt128:
      return IntegerLimits{true, "170141183460469231731687303715884105727",
                           "170141183460469231731687303715884105728", "toInt128"};
    case ParamType::kInt256:
      return IntegerLimits{true, "57896044618658097711785492504343953926634992332820282019728792003956564819967",
                           "57896044618658097711785492504343953926634992332820282019728792003956564819968",
                           "toInt256"};
    case ParamType::kUInt8: return IntegerLimits{false, "255", "", "toUInt8"};
    case ParamType::kUInt16: return IntegerLimits{false, "65535", "", "toUInt16"};
    case ParamType::kUInt32: return IntegerLimits{false, "4294967295", "", "toUInt32"};
    case ParamType::kUInt64: return IntegerLimits{false, "18446744073709551615", "", "toUInt64"};
    case ParamType::kUInt128:
      return IntegerLimits{false, "340282366920938463463374607431768211455", "", "toUInt128"};
    case ParamType::kUInt256:
      return IntegerLimits{false,
                           "115792089237316195423570985008687907853269984665640564039457584007913129639935", "",
                           "toUInt256"};
    default: return std::nullopt;
  }
}

struct NamedType {
  std::string_view name;
  ParamType type;
};

constexpr std::array<NamedType, 23> kTypeNames{{
    {"String", ParamType::kString},     {"Boolean", ParamType::kBoolean},   {"Bool", ParamType::kBoolean},
    {"Int", ParamType::kInt},           {"Integer", ParamType::kInt},       {"Int8", ParamType::kInt8},
    {"Int16", ParamType::kInt16},       {"Int32", ParamType::kInt32},       {"Int64", ParamType::kInt64},
    {"Int128", ParamType::kInt128},     {"Int256", ParamType::kInt256},     {"UInt8", ParamType::kUInt8},
    {"UInt16", ParamType::kUInt16},     {"UInt32", ParamType::kUInt32},     {"UInt64", ParamType::kUInt64},
    {"UInt128", ParamType::kUInt128},   {"UInt256", ParamType::kUInt256},   {"Float32", ParamType::kFloat32},
    {"Float64", ParamType::kFloat64},   {"Date", ParamType::kDate},         {"DateTime", ParamType::kDateTime},
    {"DateTime64", ParamType::kDateTime64}, {"UUID", ParamType::kUUID},
}};

[[noreturn]] void throwInvalid(std::string_view raw, ParamType type) {
  throw TemplateError("Error validating '" + quoteForMessage(raw) + "' to type " + std::string(paramTypeName(type)));
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/// Decimal digits without leading zeros compared as numbers.
bool magnitudeAtMost(std::string_view digits, std::string_view limit) {
  if (digits.size() != limit.size()) return digits.size() < limit.size();
  return digits <= limit;
}

Value validateInteger(ParamType type, const IntegerLimits& limits, std::string_view raw, ParamForm form) {
  size_t pos = 0;
  bool negative = false;
  if (!raw.empty() && (raw[0] == '-' || raw[0] == '+')) {
    if (!limits.is_signed) throwInvalid(raw, type);
    negative = raw[0] == '-';
    pos = 1;
  }
  if (pos == raw.size()) throwInvalid(raw, type);
  for (size_t i = pos; i < raw.size(); ++i) {
    if (!isDigit(raw[i])) throwInvalid(raw, type);
  }
  while (pos + 1 < raw.size() && raw[pos] == '0') ++pos;
  const std::string_view digits = raw.substr(pos);
  if (digits == "0") negative = false;
  if (!magnitudeAtMost(digits, negative ? limits.min_magnitude : limits.max_magnitude)) throwInvalid(raw, type);

  std::string canonical = negative ? "-" : "";
  canonical += digits;
  Value value;
  int64_t as_int = 0;
  const auto [end, error] = std::from_chars(canonical.data(), canonical.data() + canonical.size(), as_int);
  if (error == std::errc() && end == canonical.data() + canonical.size()) {
    value = Value::fromInt(as_int);
  } else {
    // Beyond Int64: keep an approximate number for arithmetic; the SQL keeps every digit.
    value = Value::fromFloat(std::strtod(canonical.c_str(), nullptr));
  }
  if (form == ParamForm::kArrayElement || type == ParamType::kInt) {
    value.sql = std::move(canonical);
  } else {
    std::string sql(limits.cast);
    sql += "('";
    sql += canonical;
    sql += "')";
    value.sql = std::move(sql);
  }
  return value;
}

/// `[+-]digits[.digits][e[+-]digits]` (or `.digits`), finite and within the type's range.
Value validateFloat(ParamType type, std::string_view raw, ParamForm form) {
  size_t pos = 0;
  if (!raw.empty() && (raw[0] == '-' || raw[0] == '+')) pos = 1;
  const size_t number_start = pos;
  size_t mantissa_digits = 0;
  while (pos < raw.size() && isDigit(raw[pos])) ++pos, ++mantissa_digits;
  if (pos < raw.size() && raw[pos] == '.') {
    ++pos;
    while (pos < raw.size() && isDigit(raw[pos])) ++pos, ++mantissa_digits;
  }
  if (mantissa_digits == 0) throwInvalid(raw, type);
  if (pos < raw.size() && (raw[pos] == 'e' || raw[pos] == 'E')) {
    ++pos;
    if (pos < raw.size() && (raw[pos] == '-' || raw[pos] == '+')) ++pos;
    size_t exponent_digits = 0;
    while (pos < raw.size() && isDigit(raw[pos])) ++pos, ++exponent_digits;
    if (exponent_digits == 0) throwInvalid(raw, type);
  }
  if (pos != raw.size()) throwInvalid(raw, type);

  std::string text(raw.substr(number_start));
  const double parsed = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(parsed) || (type == ParamType::kFloat32 && std::fabs(parsed) > FLT_MAX)) {
    throwInvalid(raw, type);
  }
  // Normalise `.5` / `5.` / `+5` so every SQL dialect reads the number.
  if (text[0] == '.') text.insert(0, "0");
  const size_t dot = text.find('.');
  if (dot != std::string::npos && (dot + 1 == text.size() || !isDigit(text[dot + 1]))) text.insert(dot + 1, "0");
  if (!raw.empty() && raw[0] == '-') text.insert(0, "-");

  Value value = Value::fromFloat(!raw.empty() && raw[0] == '-' ? -parsed : parsed);
  if (form == ParamForm::kArrayElement) {
    value.sql = std::move(text);
  } else {
    value.sql = std::string(type == ParamType::kFloat32 ? "toFloat32('" : "toFloat64('") + text + "')";
  }
  return value;
}

Value quotedString(std::string text) {
  Value value = Value::fromString(std::move(text));
  std::string sql;
  appendStringLiteral(sql, value.text);
  value.sql = std::move(sql);
  return value;
}

bool isUuid(std::string_view raw) {
  if (raw.size() != 36) return false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? raw[i] != '-' : !isHexDigit(raw[i])) return false;
  }
  return true;
}

bool equalsIgnoringCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower[i]) return false;
  }
  return true;
}

/// DateTime texts go out with a space separator, the form every engine parses.
std::string normalizedDateTime(std::string_view raw) {
  std::string text(raw);
  if (text.size() > 10 && text[10] == 'T') text[10] = ' ';
  return text;
}

}  // namespace

std::optional<ParamType> paramTypeFromName(std::string_view name) {
  for (const NamedType& entry : kTypeNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

std::string_view paramTypeName(ParamType type) {
  if (type == ParamType::kInt) return "Int32";
  for (const NamedType& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "String";
}

Value validateParam(ParamType type, std::string_view raw, ParamForm form) {
  if (const auto limits = integerLimits(type)) return validateInteger(type, *limits, raw, form);
  switch (type) {
    case ParamType::kFloat32:
    case ParamType::kFloat64: return validateFloat(type, raw, form);
    case ParamType::kBoolean: {
      const bool value = !(raw.empty() || raw == "0" || equalsIgnoringCase(raw, "false"));
      Value result = Value::fromBool(value);
      result.sql = value ? "1" : "0";
      return result;
    }
    case ParamType::kDate:
      if (!parseDateText(raw)) throwInvalid(raw, type);
      return quotedString(std::string(raw));
    case ParamType::kDateTime:
      if (!parseDateTimeText(raw, false)) throwInvalid(raw, type);
      return quotedString(normalizedDateTime(raw));
    case ParamType::kDateTime64:
      if (!parseDateTimeText(raw, true)) throwInvalid(raw, type);
      return quotedString(normalizedDateTime(raw));
    case ParamType::kUUID:
      if (!isUuid(raw)) throwInvalid(raw, type);
      return quotedString(std::string(raw));
    default: return quotedString(std::string(raw));
  }
}

}  // namespace perch::templating
