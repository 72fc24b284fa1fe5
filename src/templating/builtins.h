// The functions and methods a template may call (SPEC §4.3, §4.4), as a table resolved at parse
// time: a call to a name that is not in the table, with too many arguments or an unknown keyword
// is a syntax error before any request arrives. Handlers receive evaluated arguments and the
// per-render RenderState; they never see the parameters map directly — request values reach
// them only as arguments. Handlers are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "templating/param_type.h"
#include "templating/value.h"

namespace perch::templating {

/// Mutable state of one render: what typed functions found missing, and a budget that bounds
/// the work (loop iterations, generated elements) one request can cause.
struct RenderState {
  static constexpr size_t kMaxSteps = 1'000'000;

  std::vector<std::string> missing_required;  // parameter names, first-seen order, no duplicates
  size_t remaining_steps = kMaxSteps;

  void recordMissing(std::string_view name);
  /// Charges `steps` units of work; throws TemplateError when the budget is exhausted.
  void charge(size_t steps);
};

struct CallArguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string_view, Value>> keywords;
  /// The name written as the first argument (`org` in `String(org)`), empty when it is not a
  /// plain name; lets messages name the parameter even when it was sent.
  std::string_view first_name;

  /// The argument given at `position` or as keyword `name`, or nullptr.
  const Value* get(size_t position, std::string_view name) const;
  const Value* keyword(std::string_view name) const;
};

struct BuiltinSpec;
using BuiltinHandler = Value (*)(const BuiltinSpec& spec, const CallArguments& args, RenderState& state);

struct BuiltinSpec {
  std::string_view name;
  BuiltinHandler handler;
  uint8_t min_positional;
  uint8_t max_positional;
  std::span<const std::string_view> keywords;  // accepted keyword names
  bool any_keywords = false;                   // sql_and(col=..., col__in=...)
  std::optional<ParamType> param_type;         // typed parameter functions
  /// The first argument names a request parameter (typed functions, Array, defined, column...);
  /// used by Template::parameters().
  bool reads_parameter = false;
};

const BuiltinSpec* findBuiltin(std::string_view name);

enum class Method : uint8_t { kLower, kUpper, kStrip, kSplit, kStartsWith, kEndsWith, kReplace, kGet, kKeys, kItems };

std::optional<Method> findMethod(std::string_view name);
/// Calls an allow-listed method; throws TemplateError when `self` has no such method.
Value callMethod(Method method, std::string_view name, const Value& self, const CallArguments& args,
                 RenderState& state);

}  // namespace perch::templating
