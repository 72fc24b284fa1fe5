// Scalar functions: how a call `name(args)` is resolved for concrete argument types into a result
// type plus a batch kernel, and the registry that maps ClickHouse function names to definitions.
//
// Resolution happens once per query at bind time; the kernel then runs once per batch and loops
// over raw column storage (see kernel_loops.h) — no per-row virtual calls. Functions with default
// NULL handling are written for non-Nullable arguments only: resolveFunction strips Nullable,
// runs the kernel on the nested columns and ORs the null maps (ClickHouse's default
// implementation for nulls). Constant arguments arrive with their value so resolvers can convert
// literals once (`date_col >= '2024-01-01'`).
//
// Thread-safety: the registry is built once (C++ static init) and read-only afterwards; resolved
// kernels are immutable and may run concurrently on different batches.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "exec/datum.h"

namespace perch {

struct FunctionContext {
  int64_t now_seconds = 0;  // now()/today() for the whole query
};

struct ArgumentInfo {
  DataType type;
  ColumnPtr constant;  // the 1-row value when the argument is a constant, else null
};

/// Runs on one batch: every argument is a full column of `rows` rows or a constant. Returns a
/// constant only when all arguments are constants.
using FunctionKernel = std::function<Datum(std::span<const Datum> args, size_t rows)>;

struct ResolvedFunction {
  DataType result_type;
  FunctionKernel kernel;
};

enum class NullHandling {
  kDefault,  // any NULL argument makes the result NULL; the resolver sees non-Nullable types
  kCustom,   // the function handles Nullable/Nothing arguments itself (if, coalesce, isNull, and, or)
};

using FunctionResolver = std::function<ResolvedFunction(std::span<const ArgumentInfo>, const FunctionContext&)>;

struct FunctionDefinition {
  NullHandling null_handling = NullHandling::kDefault;
  bool deterministic = true;  // false: never constant-folded
  FunctionResolver resolve;
};

class FunctionRegistry {
 public:
  static const FunctionRegistry& instance();

  /// The definition of `name`; case-insensitive names match in any case. nullptr when unknown.
  const FunctionDefinition* find(std::string_view name) const;
  void add(const std::string& name, FunctionDefinition definition, bool case_insensitive = false);
  /// Registers `alias` as another name for the already registered `name`.
  void alias(const std::string& alias, const std::string& name, bool case_insensitive = false);

 private:
  FunctionRegistry();
  std::unordered_map<std::string, FunctionDefinition> functions_;
  std::unordered_map<std::string, std::string> case_insensitive_;  // lower-case name -> name
};

/// Resolves `name(args)` with default NULL handling applied. Throws kBadRequest for unknown
/// functions ("Unknown function x") and illegal argument types.
ResolvedFunction resolveFunction(std::string_view name, std::span<const ArgumentInfo> args, const FunctionContext& context);

/// Registration entry points, one per function family (called by the registry constructor).
void registerArithmeticFunctions(FunctionRegistry& registry);
void registerRoundingFunctions(FunctionRegistry& registry);  // round, floor, ceil, trunc, greatest, least
void registerComparisonFunctions(FunctionRegistry& registry);
void registerLogicalFunctions(FunctionRegistry& registry);
void registerConditionalFunctions(FunctionRegistry& registry);
void registerConversionFunctions(FunctionRegistry& registry);
void registerDateFunctions(FunctionRegistry& registry);
void registerStringFunctions(FunctionRegistry& registry);
void registerArrayFunctions(FunctionRegistry& registry);
void registerUrlFunctions(FunctionRegistry& registry);
void registerJsonFunctions(FunctionRegistry& registry);
void registerRegexFunctions(FunctionRegistry& registry);
void registerHashFunctions(FunctionRegistry& registry);
void registerDateFormatFunctions(FunctionRegistry& registry);
void registerAggregateStateFunctions(FunctionRegistry& registry);  // finalizeAggregation

/// Helpers for resolvers.
[[noreturn]] void throwIllegalArgument(std::string_view function, size_t index, const DataType& type);
void checkArgumentCount(std::string_view function, std::span<const ArgumentInfo> args, size_t min, size_t max);

}  // namespace perch
