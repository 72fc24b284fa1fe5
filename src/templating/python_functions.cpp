// Handlers of the Python builtins a template may call: len, str, int, float, range, enumerate.
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "templating/builtin_handlers.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

std::string_view stripWhitespace(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equalsIgnoringCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower[i]) return false;
  }
  return true;
}

int64_t requireInt(const Value& value, std::string_view function) {
  if (value.kind == ValueKind::kInt) return value.integer;
  if (value.kind == ValueKind::kBool) return value.boolean ? 1 : 0;
  throw TemplateError("'" + std::string(typeName(value)) + "' object cannot be interpreted as an integer in " +
                      std::string(function) + "()");
}

}  // namespace

Value lenFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  const Value& value = args.positional[0];
  switch (value.kind) {
    case ValueKind::kString: {
      int64_t code_points = 0;
      for (char c : value.text) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return Value::fromInt(code_points);
    }
    case ValueKind::kList:
    case ValueKind::kTuple: return Value::fromInt(static_cast<int64_t>(value.elements().size()));
    case ValueKind::kDict: return Value::fromInt(static_cast<int64_t>(value.dict->entries.size()));
    default: throw TemplateError("object of type '" + std::string(typeName(value)) + "' has no len()");
  }
}

Value strFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  if (args.positional.empty()) return Value::fromString("");
  return Value::fromString(pythonStr(args.positional[0]));
}

Value intFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  if (args.positional.empty()) return Value::fromInt(0);
  const Value& value = args.positional[0];
  switch (value.kind) {
    case ValueKind::kInt: return Value::fromInt(value.integer);
    case ValueKind::kBool: return Value::fromInt(value.boolean ? 1 : 0);
    case ValueKind::kFloat:
      if (!std::isfinite(value.real) || std::fabs(value.real) >= 9.2e18) {
        throw TemplateError("cannot convert float " + formatFloat(value.real) + " to integer");
      }
      return Value::fromInt(static_cast<int64_t>(value.real));
    case ValueKind::kString: {
      std::string_view text = stripWhitespace(value.text);
      std::string digits;
      if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        if (text[0] == '-') digits += '-';
        text.remove_prefix(1);
      }
      bool valid = !text.empty() && text.front() != '_' && text.back() != '_';
      for (size_t i = 0; valid && i < text.size(); ++i) {
        if (text[i] == '_' && text[i + 1] != '_') continue;
        valid = text[i] >= '0' && text[i] <= '9';
        digits += text[i];
      }
      int64_t result = 0;
      const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), result);
      if (!valid || error != std::errc() || end != digits.data() + digits.size()) {
        throw TemplateError("invalid literal for int() with base 10: '" + quoteForMessage(value.text) + "'");
      }
      return Value::fromInt(result);
    }
    default:
      throw TemplateError("int() argument must be a string or a number, not '" + std::string(typeName(value)) + "'");
  }
}

Value floatFunction(const BuiltinSpec&, const CallArguments& args, RenderState&) {
  if (args.positional.empty()) return Value::fromFloat(0.0);
  const Value& value = args.positional[0];
  switch (value.kind) {
    case ValueKind::kInt: return Value::fromFloat(static_cast<double>(value.integer));
    case ValueKind::kBool: return Value::fromFloat(value.boolean ? 1.0 : 0.0);
    case ValueKind::kFloat: return Value::fromFloat(value.real);
    case ValueKind::kString: {
      std::string_view text = stripWhitespace(value.text);
      bool negative = false;
      std::string_view unsigned_text = text;
      if (!unsigned_text.empty() && (unsigned_text[0] == '+' || unsigned_text[0] == '-')) {
        negative = unsigned_text[0] == '-';
        unsigned_text.remove_prefix(1);
      }
      if (equalsIgnoringCase(unsigned_text, "inf") || equalsIgnoringCase(unsigned_text, "infinity")) {
        return Value::fromFloat(negative ? -INFINITY : INFINITY);
      }
      if (equalsIgnoringCase(unsigned_text, "nan")) return Value::fromFloat(NAN);
      double result = 0;
      const auto [end, error] =
          std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), result);
      const bool starts_ok = !unsigned_text.empty() && (unsigned_text[0] == '.' || (unsigned_text[0] >= '0' && unsigned_text[0] <= '9'));
      if (!starts_ok || (error != std::errc() && error != std::errc::result_out_of_range) ||
          end != unsigned_text.data() + unsigned_text.size()) {
        throw TemplateError("could not convert string to float: '" + quoteForMessage(value.text) + "'");
      }
      return Value::fromFloat(negative ? -result : result);
    }
    default:
      throw TemplateError("float() argument must be a string or a number, not '" + std::string(typeName(value)) + "'");
  }
}

Value rangeFunction(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  int64_t start = 0;
  int64_t stop = 0;
  int64_t step = 1;
  if (args.positional.size() == 1) {
    stop = requireInt(args.positional[0], "range");
  } else {
    start = requireInt(args.positional[0], "range");
    stop = requireInt(args.positional[1], "range");
    if (args.positional.size() == 3) step = requireInt(args.positional[2], "range");
  }
  if (step == 0) throw TemplateError("range() arg 3 must not be zero");
  ValueList elements;
  const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  const long double count_estimate = span / static_cast<long double>(step);
  if (count_estimate > 0) {
    state.charge(static_cast<size_t>(std::min<long double>(count_estimate + 1, 1e12)));
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      elements.push_back(Value::fromInt(i));
      if ((step > 0 && i > INT64_MAX - step) || (step < 0 && i < INT64_MIN - step)) break;
    }
  }
  return Value::list(std::move(elements));
}

Value enumerateFunction(const BuiltinSpec&, const CallArguments& args, RenderState& state) {
  const Value& sequence = args.positional[0];
  int64_t index = 0;
  if (const Value* start = args.get(1, "start")) index = requireInt(*start, "enumerate");
  ValueList pairs;
  auto add = [&](Value element) { pairs.push_back(Value::tuple({Value::fromInt(index++), std::move(element)})); };
  if (sequence.isSequence()) {
    for (const Value& element : sequence.elements()) add(element);
  } else if (sequence.kind == ValueKind::kDict) {
    for (const auto& entry : sequence.dict->entries) add(entry.first);
  } else if (sequence.kind == ValueKind::kString) {
    for (char c : sequence.text) add(Value::fromString(std::string(1, c)));
  } else {
    throw TemplateError("'" + std::string(typeName(sequence)) + "' object is not iterable");
  }
  state.charge(pairs.size() + 1);
  return Value::list(std::move(pairs));
}

}  // namespace perch::templating
