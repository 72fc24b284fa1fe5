#include "exec/function_registry.h"

#include <cctype>

#include "common/error.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

// Runs `inner` on the nested columns of Nullable arguments and ORs their null maps.
Datum executeWithNulls(const FunctionKernel& inner, const DataType& result_type, std::span<const Datum> args, size_t rows) {
  bool all_constant = true;
  for (const auto& arg : args) all_constant &= arg.is_constant;
  const size_t n = all_constant ? 1 : rows;
  std::vector<Datum> nested(args.size());
  std::vector<uint8_t> nulls;
  for (size_t i = 0; i < args.size(); ++i) {
    const Datum& arg = args[i];
    if (!arg.type().isNullable()) {
      nested[i] = arg;
      continue;
    }
    const auto& nullable = static_cast<const ColumnNullable&>(*arg.column);
    nested[i] = Datum{ColumnPtr(arg.column, &nullable.nested()), arg.is_constant};
    if (arg.is_constant) {
      if (nullable.nullMap()[0]) {
        Datum null{makeNullConstant(result_type), true};
        return all_constant ? null : Datum::full(materialize(null, rows));
      }
      continue;
    }
    if (nulls.empty()) {
      nulls = nullable.nullMap();
    } else {
      const uint8_t* map = nullable.nullMap().data();
      for (size_t row = 0; row < n; ++row) nulls[row] |= map[row];
    }
  }
  Datum result = inner(nested, rows);
  ColumnPtr values = result.is_constant && n > 1 ? materialize(result, n) : result.column;
  if (nulls.empty()) nulls.assign(n, 0);
  if (values->type().isNullable()) {
    const auto& inner_nullable = static_cast<const ColumnNullable&>(*values);
    for (size_t row = 0; row < n; ++row) nulls[row] |= inner_nullable.nullMap()[row];
    values = ColumnPtr(values, &inner_nullable.nested());
  }
  return Datum{std::make_shared<ColumnNullable>(result_type, std::const_pointer_cast<Column>(values), std::move(nulls)),
               all_constant};
}

}  // namespace

FunctionRegistry::FunctionRegistry() {
  registerArithmeticFunctions(*this);
  registerRoundingFunctions(*this);
  registerComparisonFunctions(*this);
  registerLogicalFunctions(*this);
  registerConditionalFunctions(*this);
  registerConversionFunctions(*this);
  registerDateFunctions(*this);
  registerStringFunctions(*this);
  registerArrayFunctions(*this);
  registerUrlFunctions(*this);
  registerJsonFunctions(*this);
  registerRegexFunctions(*this);
  registerHashFunctions(*this);
  registerDateFormatFunctions(*this);
  registerAggregateStateFunctions(*this);
}

const FunctionRegistry& FunctionRegistry::instance() {
  static const FunctionRegistry registry;
  return registry;
}

const FunctionDefinition* FunctionRegistry::find(std::string_view name) const {
  if (auto it = functions_.find(std::string(name)); it != functions_.end()) return &it->second;
  if (auto it = case_insensitive_.find(lower(name)); it != case_insensitive_.end()) {
    return &functions_.at(it->second);
  }
  return nullptr;
}

void FunctionRegistry::add(const std::string& name, FunctionDefinition definition, bool case_insensitive) {
  functions_[name] = std::move(definition);
  if (case_insensitive) case_insensitive_[lower(name)] = name;
}

void FunctionRegistry::alias(const std::string& alias, const std::string& name, bool case_insensitive) {
  add(alias, functions_.at(name), case_insensitive);
}

ResolvedFunction resolveFunction(std::string_view name, std::span<const ArgumentInfo> args, const FunctionContext& context) {
  const FunctionDefinition* definition = FunctionRegistry::instance().find(name);
  if (!definition) throwBadRequest("Unknown function " + std::string(name));
  if (definition->null_handling == NullHandling::kCustom) return definition->resolve(args, context);

  bool any_nullable = false;
  for (const auto& arg : args) {
    if (isNothing(arg.type)) {
      ColumnPtr null = makeNullConstant();
      return ResolvedFunction{null->type(), [null](std::span<const Datum> call_args, size_t rows) {
                                bool constant = true;
                                for (const auto& a : call_args) constant &= a.is_constant;
                                Datum result = Datum::constant(null);
                                return constant ? result : Datum::full(materialize(result, rows));
                              }};
    }
    any_nullable |= arg.type.isNullable();
  }
  if (!any_nullable) return definition->resolve(args, context);

  std::vector<ArgumentInfo> stripped;
  stripped.reserve(args.size());
  for (const auto& arg : args) {
    ArgumentInfo plain{removeNullable(arg.type), nullptr};
    if (arg.constant && arg.type.isNullable()) {
      const auto& nullable = static_cast<const ColumnNullable&>(*arg.constant);
      if (!nullable.nullMap()[0]) plain.constant = ColumnPtr(arg.constant, &nullable.nested());
    } else {
      plain.constant = arg.constant;
    }
    stripped.push_back(std::move(plain));
  }
  ResolvedFunction inner = definition->resolve(stripped, context);
  const DataType result_type = makeNullable(inner.result_type);
  FunctionKernel kernel = [inner_kernel = std::move(inner.kernel), result_type](std::span<const Datum> call_args, size_t rows) {
    return executeWithNulls(inner_kernel, result_type, call_args, rows);
  };
  return ResolvedFunction{result_type, std::move(kernel)};
}

void throwIllegalArgument(std::string_view function, size_t index, const DataType& type) {
  throwBadRequest("Illegal type " + type.name() + " of argument " + std::to_string(index + 1) + " of function " +
                  std::string(function));
}

void checkArgumentCount(std::string_view function, std::span<const ArgumentInfo> args, size_t min, size_t max) {
  if (args.size() < min || args.size() > max) {
    std::string expected = min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    throwBadRequest("Number of arguments for function " + std::string(function) + " doesn't match: passed " +
                    std::to_string(args.size()) + ", should be " + expected);
  }
}

}  // namespace perch
