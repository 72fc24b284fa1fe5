#include "templating/json_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/error.h"
#include "common/json.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

// Python's json.loads nests up to its recursion limit; requests get a tighter bound.
constexpr size_t kMaxDepth = 32;

Value toValue(const JsonValue& json) {
  switch (json.kind()) {
    case JsonValue::Kind::kNull: return Value::none();
    case JsonValue::Kind::kBool: return Value::fromBool(json.asBool());
    case JsonValue::Kind::kString: return Value::fromString(json.asString());
    case JsonValue::Kind::kNumber: {
      // Python reads "7" as int and "7.0"/"7e0" as float; an integer beyond int64 becomes a float here.
      const std::string& text = json.numberText();
      int64_t integer = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (json.isInteger() && error == std::errc() && end == text.data() + text.size()) return Value::fromInt(integer);
      return Value::fromFloat(std::strtod(text.c_str(), nullptr));
    }
    case JsonValue::Kind::kArray: {
      ValueList elements;
      for (const JsonValue& item : json.asArray()) elements.push_back(toValue(item));
      return Value::list(std::move(elements));
    }
    case JsonValue::Kind::kObject: {
      Dict dict;
      for (const auto& [key, member] : json.asObject()) dict.entries.emplace_back(Value::fromString(key), toValue(member));
      return Value::fromDict(std::move(dict));
    }
  }
  return Value::none();
}

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", static_cast<unsigned char>(c));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

Value parseJson(std::string_view text) {
  JsonLimits limits;
  limits.max_depth = kMaxDepth;
  limits.last_duplicate_key_wins = true;
  try {
    return toValue(perch::parseJson(text, limits));
  } catch (const Error&) {
    throw TemplateError("Error validating '" + quoteForMessage(text) + "' to type JSON");
  }
}

void appendJson(std::string& out, const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: out += "null"; return;
    case ValueKind::kBool: out += value.boolean ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(value.integer); return;
    case ValueKind::kFloat: out += std::isfinite(value.real) ? formatFloat(value.real) : "null"; return;
    case ValueKind::kString: appendJsonString(out, value.text); return;
    case ValueKind::kList:
    case ValueKind::kTuple: {
      out += '[';
      bool first = true;
      for (const Value& element : value.elements()) {
        if (!first) out += ',';
        first = false;
        appendJson(out, element);
      }
      out += ']';
      return;
    }
    case ValueKind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, entry] : value.dict->entries) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, pythonStr(key));
        out += ':';
        appendJson(out, entry);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace perch::templating
