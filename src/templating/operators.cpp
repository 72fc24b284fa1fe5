#include "templating/operators.h"

#include <cmath>
#include <string>

#include "templating/template_error.h"

namespace perch::templating {
namespace {

/// No single string or list built by an operator may exceed this many bytes/elements.
/// Longest string and longest list one expression may build. No real template builds more than a few
/// kilobytes; the caps keep one request from allocating (and escaping) hundreds of megabytes.
constexpr size_t kMaxStringBytes = 1024 * 1024;
constexpr size_t kMaxListElements = 100'000;

std::string_view symbol(Operator op) {
  switch (op) {
    case Operator::kAdd: return "+";
    case Operator::kSubtract: return "-";
    case Operator::kMultiply: return "*";
    case Operator::kDivide: return "/";
    case Operator::kFloorDivide: return "//";
    case Operator::kModulo: return "%";
    case Operator::kNegate: return "unary -";
    case Operator::kPlus: return "unary +";
    default: return "?";
  }
}

[[noreturn]] void throwUnsupported(Operator op, const Value& left, const Value& right) {
  throw TemplateError("unsupported operand type(s) for " + std::string(symbol(op)) + ": '" +
                      std::string(typeName(left)) + "' and '" + std::string(typeName(right)) + "'");
}

[[noreturn]] void throwOverflow() { throw TemplateError("integer overflow"); }

int64_t asInt(const Value& value) { return value.kind == ValueKind::kBool ? (value.boolean ? 1 : 0) : value.integer; }

double asDouble(const Value& value) {
  return value.kind == ValueKind::kFloat ? value.real : static_cast<double>(asInt(value));
}

Value integerArithmetic(Operator op, int64_t a, int64_t b) {
  int64_t result = 0;
  switch (op) {
    case Operator::kAdd:
      if (__builtin_add_overflow(a, b, &result)) throwOverflow();
      return Value::fromInt(result);
    case Operator::kSubtract:
      if (__builtin_sub_overflow(a, b, &result)) throwOverflow();
      return Value::fromInt(result);
    case Operator::kMultiply:
      if (__builtin_mul_overflow(a, b, &result)) throwOverflow();
      return Value::fromInt(result);
    case Operator::kDivide:
      if (b == 0) throw TemplateError("division by zero");
      return Value::fromFloat(static_cast<double>(a) / static_cast<double>(b));
    case Operator::kFloorDivide:
    case Operator::kModulo: {
      if (b == 0) throw TemplateError("integer division or modulo by zero");
      if (a == INT64_MIN && b == -1) {
        if (op == Operator::kModulo) return Value::fromInt(0);
        throwOverflow();
      }
      int64_t quotient = a / b;
      int64_t remainder = a % b;
      if (remainder != 0 && ((remainder < 0) != (b < 0))) {  // Python rounds toward negative infinity
        quotient -= 1;
        remainder += b;
      }
      return Value::fromInt(op == Operator::kFloorDivide ? quotient : remainder);
    }
    default: throwUnsupported(op, Value::fromInt(a), Value::fromInt(b));
  }
}

Value floatArithmetic(Operator op, double a, double b) {
  switch (op) {
    case Operator::kAdd: return Value::fromFloat(a + b);
    case Operator::kSubtract: return Value::fromFloat(a - b);
    case Operator::kMultiply: return Value::fromFloat(a * b);
    case Operator::kDivide:
      if (b == 0) throw TemplateError("float division by zero");
      return Value::fromFloat(a / b);
    case Operator::kFloorDivide:
      if (b == 0) throw TemplateError("float floor division by zero");
      return Value::fromFloat(std::floor(a / b));
    case Operator::kModulo: {
      if (b == 0) throw TemplateError("float modulo");
      double remainder = std::fmod(a, b);
      if (remainder != 0 && ((remainder < 0) != (b < 0))) remainder += b;
      return Value::fromFloat(remainder);
    }
    default: throwUnsupported(op, Value::fromFloat(a), Value::fromFloat(b));
  }
}

Value repeat(const Value& sequence, int64_t times, RenderState& state) {
  if (times < 0) times = 0;
  const bool is_string = sequence.kind == ValueKind::kString;
  const size_t unit = is_string ? sequence.text.size() : sequence.elements().size();
  if (unit != 0 && static_cast<uint64_t>(times) > (is_string ? kMaxStringBytes : kMaxListElements) / unit) {
    throw TemplateError("result of * is too large");
  }
  const size_t total = unit * static_cast<size_t>(times);
  state.charge(is_string ? total / 64 + 1 : total + 1);  // a list element costs what a loop iteration does
  if (sequence.kind == ValueKind::kString) {
    std::string out;
    out.reserve(total);
    for (int64_t i = 0; i < times; ++i) out += sequence.text;
    return Value::fromString(std::move(out));
  }
  ValueList out;
  out.reserve(total);
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), sequence.elements().begin(), sequence.elements().end());
  return sequence.kind == ValueKind::kList ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

bool isIntegral(const Value& value) { return value.kind == ValueKind::kInt || value.kind == ValueKind::kBool; }

}  // namespace

Value applyBinary(Operator op, const Value& left, const Value& right, RenderState& state) {
  if (left.isNumber() && right.isNumber()) {
    if (isIntegral(left) && isIntegral(right)) return integerArithmetic(op, asInt(left), asInt(right));
    return floatArithmetic(op, asDouble(left), asDouble(right));
  }
  if (op == Operator::kModulo && left.kind == ValueKind::kString) {
    throw TemplateError("string formatting with % is not supported");
  }
  if (op == Operator::kAdd && left.kind == right.kind &&
      (left.kind == ValueKind::kString || left.kind == ValueKind::kList || left.kind == ValueKind::kTuple)) {
    if (left.kind == ValueKind::kString) {
      if (left.text.size() + right.text.size() > kMaxStringBytes) throw TemplateError("result of + is too large");
      state.charge((left.text.size() + right.text.size()) / 64 + 1);
      return Value::fromString(left.text + right.text);
    }
    if (left.elements().size() + right.elements().size() > kMaxListElements) {
      throw TemplateError("result of + is too large");
    }
    ValueList joined = left.elements();
    joined.insert(joined.end(), right.elements().begin(), right.elements().end());
    state.charge(joined.size() + 1);
    return left.kind == ValueKind::kList ? Value::list(std::move(joined)) : Value::tuple(std::move(joined));
  }
  if (op == Operator::kMultiply) {
    const bool left_sequence = left.kind == ValueKind::kString || left.isSequence();
    const bool right_sequence = right.kind == ValueKind::kString || right.isSequence();
    if (left_sequence && isIntegral(right)) return repeat(left, asInt(right), state);
    if (right_sequence && isIntegral(left)) return repeat(right, asInt(left), state);
  }
  throwUnsupported(op, left, right);
}

Value applyUnary(Operator op, const Value& operand) {
  if (!operand.isNumber()) {
    throw TemplateError("bad operand type for " + std::string(symbol(op)) + ": '" + std::string(typeName(operand)) +
                        "'");
  }
  if (operand.kind == ValueKind::kFloat) return Value::fromFloat(op == Operator::kNegate ? -operand.real : operand.real);
  const int64_t value = asInt(operand);
  if (op == Operator::kPlus) return Value::fromInt(value);
  if (value == INT64_MIN) throwOverflow();
  return Value::fromInt(-value);
}

namespace {

bool contains(const Value& container, const Value& item) {
  switch (container.kind) {
    case ValueKind::kString:
      if (item.kind != ValueKind::kString) {
        throw TemplateError("'in <string>' requires string as left operand, not " + std::string(typeName(item)));
      }
      return container.text.find(item.text) != std::string::npos;
    case ValueKind::kList:
    case ValueKind::kTuple:
      for (const Value& element : container.elements()) {
        if (valuesEqual(element, item)) return true;
      }
      return false;
    case ValueKind::kDict: return container.dict->find(item) != nullptr;
    default:
      throw TemplateError("argument of type '" + std::string(typeName(container)) + "' is not iterable");
  }
}

bool isSame(const Value& left, const Value& right) {
  if (left.isNoneLike() || right.isNoneLike()) return left.isNoneLike() && right.isNoneLike();
  if (left.kind == ValueKind::kBool && right.kind == ValueKind::kBool) return left.boolean == right.boolean;
  return false;
}

}  // namespace

bool applyComparison(Operator op, const Value& left, const Value& right) {
  switch (op) {
    case Operator::kEqual: return valuesEqual(left, right);
    case Operator::kNotEqual: return !valuesEqual(left, right);
    case Operator::kLess: return compareValues(left, right) < 0;
    case Operator::kLessEqual: return compareValues(left, right) <= 0;
    case Operator::kGreater: return compareValues(left, right) > 0;
    case Operator::kGreaterEqual: return compareValues(left, right) >= 0;
    case Operator::kIn: return contains(right, left);
    case Operator::kNotIn: return !contains(right, left);
    case Operator::kIs: return isSame(left, right);
    case Operator::kIsNot: return !isSame(left, right);
    default: return false;
  }
}

}  // namespace perch::templating
