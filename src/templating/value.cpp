#include "templating/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "templating/template_error.h"

namespace perch::templating {

Value Value::undefined(std::string name) {
  Value value;
  value.kind = ValueKind::kUndefined;
  value.text = std::move(name);
  return value;
}

Value Value::fromBool(bool b) {
  Value value;
  value.kind = ValueKind::kBool;
  value.boolean = b;
  return value;
}

Value Value::fromInt(int64_t i) {
  Value value;
  value.kind = ValueKind::kInt;
  value.integer = i;
  return value;
}

Value Value::fromFloat(double d) {
  Value value;
  value.kind = ValueKind::kFloat;
  value.real = d;
  return value;
}

Value Value::fromString(std::string s) {
  Value value;
  value.kind = ValueKind::kString;
  value.text = std::move(s);
  return value;
}

Value Value::list(ValueList elements) {
  Value value;
  value.kind = ValueKind::kList;
  value.items = std::make_shared<const ValueList>(std::move(elements));
  return value;
}

Value Value::tuple(ValueList elements) {
  Value value = list(std::move(elements));
  value.kind = ValueKind::kTuple;
  return value;
}

Value Value::fromDict(Dict entries) {
  Value value;
  value.kind = ValueKind::kDict;
  value.dict = std::make_shared<const Dict>(std::move(entries));
  return value;
}

const ValueList& Value::elements() const {
  static const ValueList kEmpty;
  return items ? *items : kEmpty;
}

const Value* Dict::find(const Value& key) const {
  for (const auto& [entry_key, entry_value] : entries) {
    if (valuesEqual(entry_key, key)) return &entry_value;
  }
  return nullptr;
}

std::string_view typeName(const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: return "NoneType";
    case ValueKind::kBool: return "bool";
    case ValueKind::kInt: return "int";
    case ValueKind::kFloat: return "float";
    case ValueKind::kString: return "str";
    case ValueKind::kList: return "list";
    case ValueKind::kTuple: return "tuple";
    case ValueKind::kDict: return "dict";
  }
  return "object";
}

bool isTruthy(const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: return false;
    case ValueKind::kBool: return value.boolean;
    case ValueKind::kInt: return value.integer != 0;
    case ValueKind::kFloat: return value.real != 0.0;
    case ValueKind::kString: return !value.text.empty();
    case ValueKind::kList:
    case ValueKind::kTuple: return !value.elements().empty();
    case ValueKind::kDict: return !value.dict->entries.empty();
  }
  return false;
}

namespace {

double asDouble(const Value& value) {
  switch (value.kind) {
    case ValueKind::kBool: return value.boolean ? 1.0 : 0.0;
    case ValueKind::kInt: return static_cast<double>(value.integer);
    default: return value.real;
  }
}

bool bothIntegral(const Value& left, const Value& right) {
  return left.kind != ValueKind::kFloat && right.kind != ValueKind::kFloat;
}

int64_t asInt(const Value& value) { return value.kind == ValueKind::kBool ? (value.boolean ? 1 : 0) : value.integer; }

int compareNumbers(const Value& left, const Value& right) {
  if (bothIntegral(left, right)) {
    const int64_t a = asInt(left);
    const int64_t b = asInt(right);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  const double a = asDouble(left);
  const double b = asDouble(right);
  return a < b ? -1 : (a > b ? 1 : 0);
}

[[noreturn]] void throwUnorderable(const Value& left, const Value& right) {
  throw TemplateError("'<' not supported between instances of '" + std::string(typeName(left)) + "' and '" +
                      std::string(typeName(right)) + "'");
}

}  // namespace

bool valuesEqual(const Value& left, const Value& right) {
  if (left.isNumber() && right.isNumber()) {
    if (bothIntegral(left, right)) return asInt(left) == asInt(right);
    return asDouble(left) == asDouble(right);
  }
  if (left.isNoneLike() || right.isNoneLike()) return left.isNoneLike() && right.isNoneLike();
  if (left.kind != right.kind) return false;
  switch (left.kind) {
    case ValueKind::kString: return left.text == right.text;
    case ValueKind::kList:
    case ValueKind::kTuple: {
      const ValueList& a = left.elements();
      const ValueList& b = right.elements();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!valuesEqual(a[i], b[i])) return false;
      }
      return true;
    }
    case ValueKind::kDict: {
      if (left.dict->entries.size() != right.dict->entries.size()) return false;
      for (const auto& [key, value] : left.dict->entries) {
        const Value* other = right.dict->find(key);
        if (other == nullptr || !valuesEqual(value, *other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

int compareValues(const Value& left, const Value& right) {
  if (left.isNumber() && right.isNumber()) {
    if (!bothIntegral(left, right) && (std::isnan(asDouble(left)) || std::isnan(asDouble(right)))) return 1;
    return compareNumbers(left, right);
  }
  if (left.kind != right.kind) throwUnorderable(left, right);
  switch (left.kind) {
    case ValueKind::kString: {
      const int c = left.text.compare(right.text);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case ValueKind::kList:
    case ValueKind::kTuple: {
      const ValueList& a = left.elements();
      const ValueList& b = right.elements();
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (valuesEqual(a[i], b[i])) continue;
        return compareValues(a[i], b[i]);
      }
      return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    }
    default: throwUnorderable(left, right);
  }
}

std::string formatFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then Python's layout: fixed notation for exponents in [-4, 16).
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view scientific(buffer, static_cast<size_t>(result.ptr - buffer));
  const size_t e_pos = scientific.find('e');
  std::string_view mantissa = scientific.substr(0, e_pos);
  int exponent = 0;
  std::from_chars(scientific.data() + e_pos + 1 + (scientific[e_pos + 1] == '+' ? 1 : 0),
                  scientific.data() + scientific.size(), exponent);
  std::string out;
  if (!mantissa.empty() && mantissa[0] == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<size_t>(-exponent - 1), '0');
      out += digits;
    } else {
      const auto integer_digits = static_cast<size_t>(exponent + 1);
      if (digits.size() <= integer_digits) {
        out += digits;
        out.append(integer_digits - digits.size(), '0');
        out += ".0";
      } else {
        out.append(digits, 0, integer_digits);
        out += '.';
        out.append(digits, integer_digits);
      }
    }
    return out;
  }
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  char exponent_text[16];
  std::snprintf(exponent_text, sizeof(exponent_text), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  out += exponent_text;
  return out;
}

namespace {

void appendRepr(std::string& out, const Value& value);

void appendStringRepr(std::string& out, std::string_view text) {
  const bool use_double = text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos;
  const char quote = use_double ? '"' : '\'';
  out += quote;
  for (char c : text) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char escape[8];
      std::snprintf(escape, sizeof(escape), "\\x%02x", static_cast<unsigned char>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  out += quote;
}

void appendSequence(std::string& out, const Value& value) {
  const bool is_tuple = value.kind == ValueKind::kTuple;
  out += is_tuple ? '(' : '[';
  const ValueList& elements = value.elements();
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ", ";
    appendRepr(out, elements[i]);
  }
  if (is_tuple && elements.size() == 1) out += ',';
  out += is_tuple ? ')' : ']';
}

void appendRepr(std::string& out, const Value& value) {
  switch (value.kind) {
    case ValueKind::kString: appendStringRepr(out, value.text); return;
    case ValueKind::kList:
    case ValueKind::kTuple: appendSequence(out, value); return;
    case ValueKind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, entry] : value.dict->entries) {
        if (!first) out += ", ";
        first = false;
        appendRepr(out, key);
        out += ": ";
        appendRepr(out, entry);
      }
      out += '}';
      return;
    }
    default: out += pythonStr(value); return;
  }
}

}  // namespace

std::string pythonStr(const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: return "None";
    case ValueKind::kBool: return value.boolean ? "True" : "False";
    case ValueKind::kInt: return std::to_string(value.integer);
    case ValueKind::kFloat: return formatFloat(value.real);
    case ValueKind::kString: return value.text;
    default: return pythonRepr(value);
  }
}

std::string pythonRepr(const Value& value) {
  std::string out;
  appendRepr(out, value);
  return out;
}

}  // namespace perch::templating
