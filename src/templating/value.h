// Value: what a template expression evaluates to. It mirrors the Python objects a Tornado/Tinybird
// template works with (None, bool, int, float, str, list, tuple, dict) plus two template-specific
// facts: a request parameter that was not sent is `undefined` (it remembers its name so
// `Int32(x, required=True)` can report it), and a typed parameter function result carries the
// exact SQL it renders as (`toInt32('5')`) next to its plain value (5) — arithmetic and comparisons
// use the plain value, `{{ }}` prints the SQL. Lists and dicts are immutable and shared, so copying
// a Value never deep-copies a collection. Values live for one render and are not shared between
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace perch::templating {

enum class ValueKind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kTuple, kDict };

struct Value;
using ValueList = std::vector<Value>;
struct Dict;

struct Value {
  ValueKind kind = ValueKind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0.0;
  /// kString: the string. kUndefined, and a list from a repeated query-string key: the parameter name.
  std::string text;
  std::shared_ptr<const ValueList> items;  // kList, kTuple
  std::shared_ptr<const Dict> dict;        // kDict
  /// Set by typed parameter functions and identifier builtins: the exact SQL `{{ }}` prints.
  std::optional<std::string> sql;
  /// A kList built from a query-string key given several times (scalar types reject it).
  bool repeated_param = false;

  static Value none() { return Value{}; }
  static Value undefined(std::string name);
  static Value fromBool(bool value);
  static Value fromInt(int64_t value);
  static Value fromFloat(double value);
  static Value fromString(std::string value);
  static Value list(ValueList elements);
  static Value tuple(ValueList elements);
  static Value fromDict(Dict entries);

  bool isNoneLike() const { return kind == ValueKind::kNone || kind == ValueKind::kUndefined; }
  bool isNumber() const { return kind == ValueKind::kInt || kind == ValueKind::kFloat || kind == ValueKind::kBool; }
  bool isSequence() const { return kind == ValueKind::kList || kind == ValueKind::kTuple; }
  const ValueList& elements() const;
};

/// An insertion-ordered dict; lookups are linear because template dicts are tiny.
struct Dict {
  std::vector<std::pair<Value, Value>> entries;
  const Value* find(const Value& key) const;
};

/// Python's type name of the value, for error messages ("str", "int", "NoneType", ...).
std::string_view typeName(const Value& value);
/// Python truthiness.
bool isTruthy(const Value& value);
/// Python `==`.
bool valuesEqual(const Value& left, const Value& right);
/// Python ordering: <0, 0, >0. Throws TemplateError when the types cannot be ordered.
int compareValues(const Value& left, const Value& right);
/// Python `str(value)`.
std::string pythonStr(const Value& value);
/// Python `repr(value)`.
std::string pythonRepr(const Value& value);
/// Python's repr of a float (`1.0`, `0.1`, `1e+20`).
std::string formatFloat(double value);

}  // namespace perch::templating
