// if, multiIf, coalesce, ifNull, nullIf, isNull, isNotNull, assumeNotNull, toNullable.
// Branch values are converted to their least supertype, then rows are picked per row from the
// chosen branch with one typed loop (chooseRows). A NULL condition counts as false.
#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

const DataType kUInt8Type{TypeId::kUInt8};

// result[i] = sources[which[i]][i]; all sources are full columns of `type` with >= n rows.
MutableColumnPtr chooseRows(const DataType& type, const std::vector<ColumnPtr>& sources, const std::vector<uint32_t>& which, size_t n) {
  if (type.fixedWidth() > 0 && type.id() != TypeId::kNothing) {
    return dispatchFixed(type, [&](auto tag) -> MutableColumnPtr {
      using T = decltype(tag);
      std::vector<const T*> data;
      for (const auto& source : sources) data.push_back(asVector<T>(*source).data().data());
      std::vector<T> out(n);
      if (data.size() == 2) {
        const T* first = data[0];
        const T* second = data[1];
        for (size_t i = 0; i < n; ++i) out[i] = which[i] ? second[i] : first[i];
      } else {
        for (size_t i = 0; i < n; ++i) out[i] = data[which[i]][i];
      }
      return std::make_shared<ColumnVector<T>>(type, std::move(out));
    });
  }
  if (type.isStringLike()) {
    auto out = std::make_shared<ColumnString>(type);
    out->reserve(n);
    for (size_t i = 0; i < n; ++i) out->push(asString(*sources[which[i]]).at(i));
    return out;
  }
  if (type.isNullable()) {
    std::vector<ColumnPtr> nested;
    std::vector<uint8_t> nulls(n);
    for (const auto& source : sources) {
      nested.push_back(ColumnPtr(source, &static_cast<const ColumnNullable&>(*source).nested()));
    }
    for (size_t i = 0; i < n; ++i) nulls[i] = static_cast<const ColumnNullable&>(*sources[which[i]]).nullMap()[i];
    return std::make_shared<ColumnNullable>(type, chooseRows(type.nested(), nested, which, n), std::move(nulls));
  }
  auto out = makeEmptyColumn(type);
  out->reserve(n);
  for (size_t i = 0; i < n; ++i) out->appendRange(*sources[which[i]], i, 1);
  return out;
}

// Row i's condition is true (non-zero and not NULL).
void conditionMask(const Datum& condition, size_t n, std::vector<uint8_t>& out) {
  out.assign(n, 0);
  if (isNothing(condition.type())) return;
  const Column* values = condition.column.get();
  const uint8_t* nulls = nullptr;
  if (condition.type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*condition.column);
    values = &nullable.nested();
    nulls = nullable.nullMap().data();
  }
  dispatchFixed(values->type(), [&](auto tag) {
    using T = decltype(tag);
    const T* data = asVector<T>(*values).data().data();
    for (size_t i = 0; i < n; ++i) {
      const size_t row = condition.is_constant ? 0 : i;
      out[i] = data[row] != T{} && !(nulls && nulls[row]);
    }
    return 0;
  });
}

void checkCondition(std::string_view function, const ArgumentInfo& arg, size_t index) {
  if (!isNothing(arg.type) && !isNumeric(removeNullable(arg.type))) throwIllegalArgument(function, index, arg.type);
}

// multiIf(c1, v1, ..., cN, vN, else); if(c, a, b) is multiIf with one condition.
ResolvedFunction resolveMultiIf(std::string_view name, std::span<const ArgumentInfo> args) {
  if (args.size() < 3 || args.size() % 2 == 0) {
    throwBadRequest("Invalid number of arguments for function " + std::string(name) + ": " + std::to_string(args.size()));
  }
  std::vector<DataType> value_types;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    checkCondition(name, args[i], i);
    value_types.push_back(args[i + 1].type);
  }
  value_types.push_back(args.back().type);
  const DataType result = leastSupertype(value_types, "branches of " + std::string(name));
  FunctionKernel kernel = [result](std::span<const Datum> call, size_t rows) {
    const size_t branches = call.size() / 2;
    bool constant_conditions = true;
    for (size_t b = 0; b < branches; ++b) constant_conditions &= call[2 * b].is_constant;
    if (constant_conditions) {  // pick the branch once
      std::vector<uint8_t> mask;
      for (size_t b = 0; b < branches; ++b) {
        conditionMask(call[2 * b], 1, mask);
        if (mask[0]) return castDatum(call[2 * b + 1], result);
      }
      return castDatum(call.back(), result);
    }
    std::vector<uint32_t> which(rows, static_cast<uint32_t>(branches));
    std::vector<uint8_t> decided(rows, 0), mask;
    for (size_t b = 0; b < branches; ++b) {
      conditionMask(call[2 * b], rows, mask);
      for (size_t i = 0; i < rows; ++i) {
        if (!decided[i] && mask[i]) {
          which[i] = static_cast<uint32_t>(b);
          decided[i] = 1;
        }
      }
    }
    std::vector<ColumnPtr> sources;
    for (size_t b = 0; b < branches; ++b) sources.push_back(materialize(castDatum(call[2 * b + 1], result), rows));
    sources.push_back(materialize(castDatum(call.back(), result), rows));
    return Datum::full(chooseRows(result, sources, which, rows));
  };
  return ResolvedFunction{result, std::move(kernel)};
}

FunctionDefinition custom(FunctionResolver resolver) {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = std::move(resolver);
  return definition;
}

ResolvedFunction resolveCoalesce(std::string_view name, std::span<const ArgumentInfo> args) {
  if (args.empty()) checkArgumentCount(name, args, 1, 1000);
  std::vector<DataType> types;
  bool all_nullable = true;
  for (const auto& arg : args) {
    types.push_back(removeNullable(arg.type));
    all_nullable &= arg.type.isNullable() || isNothing(arg.type);
    if (isNothing(arg.type)) types.back() = DataType::nullable(DataType(TypeId::kNothing));
  }
  const DataType plain = removeNullable(leastSupertype(types, "arguments of " + std::string(name)));
  const DataType result = all_nullable ? makeNullable(plain) : plain;
  FunctionKernel kernel = [result, plain](std::span<const Datum> call, size_t rows) {
    bool constant = true;
    for (const auto& arg : call) constant &= arg.is_constant;
    const size_t n = constant ? 1 : rows;
    const DataType nullable_type = makeNullable(plain);
    std::vector<ColumnPtr> sources;
    for (const auto& arg : call) sources.push_back(materialize(castDatum(arg, nullable_type), n));
    std::vector<uint32_t> which(n, static_cast<uint32_t>(sources.size() - 1));
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < sources.size(); ++k) {
        if (!sources[k]->isNullAt(i)) {
          which[i] = static_cast<uint32_t>(k);
          break;
        }
      }
    }
    ColumnPtr chosen = chooseRows(nullable_type, sources, which, n);
    Datum out{chosen, constant};
    return result.isNullable() ? out : castDatum(out, result);
  };
  return ResolvedFunction{result, std::move(kernel)};
}

template <bool kWantNull>
ResolvedFunction resolveIsNull(std::string_view name, std::span<const ArgumentInfo> args) {
  checkArgumentCount(name, args, 1, 1);
  return ResolvedFunction{kUInt8Type, [](std::span<const Datum> call, size_t rows) {
                            const Datum& arg = call[0];
                            const size_t n = arg.is_constant ? 1 : rows;
                            std::vector<uint8_t> out(n, kWantNull ? 0 : 1);
                            if (isNothing(arg.type())) {
                              std::fill(out.begin(), out.end(), kWantNull ? 1 : 0);
                            } else if (arg.type().isNullable()) {
                              const auto& nulls = static_cast<const ColumnNullable&>(*arg.column).nullMap();
                              for (size_t i = 0; i < n; ++i) out[i] = kWantNull ? nulls[i] : !nulls[i];
                            }
                            return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), arg.is_constant};
                          }};
}

}  // namespace

void registerConditionalFunctions(FunctionRegistry& registry) {
  registry.add("if", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 checkArgumentCount("if", args, 3, 3);
                 return resolveMultiIf("if", args);
               }), true);
  registry.add("multiIf", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 return resolveMultiIf("multiIf", args);
               }));
  registry.add("coalesce", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 return resolveCoalesce("coalesce", args);
               }), true);
  registry.add("ifNull", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 checkArgumentCount("ifNull", args, 2, 2);
                 return resolveCoalesce("ifNull", args);
               }), true);
  registry.add("isNull", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 return resolveIsNull<true>("isNull", args);
               }), true);
  registry.add("isNotNull", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 return resolveIsNull<false>("isNotNull", args);
               }), true);
  registry.add("assumeNotNull", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 checkArgumentCount("assumeNotNull", args, 1, 1);
                 const DataType result = removeNullable(args[0].type);
                 return ResolvedFunction{result, [](std::span<const Datum> call, size_t) {
                                           const Datum& arg = call[0];
                                           if (!arg.type().isNullable()) return arg;
                                           const auto& nullable = static_cast<const ColumnNullable&>(*arg.column);
                                           return Datum{ColumnPtr(arg.column, &nullable.nested()), arg.is_constant};
                                         }};
               }));
  registry.add("toNullable", custom([](std::span<const ArgumentInfo> args, const FunctionContext&) {
                 checkArgumentCount("toNullable", args, 1, 1);
                 const DataType result = makeNullable(args[0].type);
                 return ResolvedFunction{result, [result](std::span<const Datum> call, size_t) {
                                           return castDatum(call[0], result);
                                         }};
               }));
  registry.add("nullIf", custom([](std::span<const ArgumentInfo> args, const FunctionContext& context) {
                 checkArgumentCount("nullIf", args, 2, 2);
                 const ResolvedFunction equals = resolveFunction("equals", args, context);
                 const DataType result = makeNullable(args[0].type);
                 return ResolvedFunction{result, [equals, result](std::span<const Datum> call, size_t rows) {
                                           const Datum same = equals.kernel(call, rows);
                                           const bool constant = call[0].is_constant && call[1].is_constant;
                                           const size_t n = constant ? 1 : rows;
                                           ColumnPtr value = materialize(castDatum(call[0], result), n);
                                           std::vector<uint8_t> mask;
                                           conditionMask(same, n, mask);
                                           const auto& nullable = static_cast<const ColumnNullable&>(*value);
                                           std::vector<uint8_t> nulls = nullable.nullMap();
                                           for (size_t i = 0; i < n; ++i) nulls[i] |= mask[i];
                                           return Datum{std::make_shared<ColumnNullable>(
                                                            result, std::const_pointer_cast<Column>(ColumnPtr(value, &nullable.nested())),
                                                            std::move(nulls)),
                                                        constant};
                                         }};
               }));
}

}  // namespace perch
