// and, or, not, xor with ClickHouse's three-valued logic: NULL AND 0 = 0, NULL AND 1 = NULL.
// Without Nullable arguments the kernels are plain byte loops over "value != 0".
#include "common/error.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

const DataType kUInt8Type{TypeId::kUInt8};

// Ternary encoding: 0 = false, 1 = NULL, 2 = true. AND is min, OR is max.
constexpr uint8_t kFalse = 0, kNull = 1, kTrue = 2;

// Writes the ternary value of every row of `arg` (or its single value when constant) into `out`.
void toTernary(const Datum& arg, size_t n, std::vector<uint8_t>& out) {
  out.resize(n);
  if (isNothing(arg.type())) {
    std::fill(out.begin(), out.end(), kNull);
    return;
  }
  const Column* values = arg.column.get();
  const uint8_t* nulls = nullptr;
  if (arg.type().isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(*arg.column);
    values = &nullable.nested();
    nulls = nullable.nullMap().data();
  }
  dispatchFixed(values->type(), [&](auto tag) {
    using T = decltype(tag);
    const T* data = asVector<T>(*values).data().data();
    if (arg.is_constant) {
      const uint8_t value = nulls && nulls[0] ? kNull : (data[0] != T{} ? kTrue : kFalse);
      std::fill(out.begin(), out.end(), value);
    } else {
      for (size_t i = 0; i < n; ++i) out[i] = data[i] != T{} ? kTrue : kFalse;
      if (nulls) {
        for (size_t i = 0; i < n; ++i) out[i] = nulls[i] ? kNull : out[i];
      }
    }
    return 0;
  });
}

template <bool kIsAnd>
FunctionDefinition logical(const char* name) {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [name](std::span<const ArgumentInfo> args, const FunctionContext&) {
    if (args.size() < 2) checkArgumentCount(name, args, 2, 1000);
    bool nullable = false;
    for (size_t i = 0; i < args.size(); ++i) {
      const DataType plain = removeNullable(args[i].type);
      if (!isNothing(args[i].type) && !isNumeric(plain)) throwIllegalArgument(name, i, args[i].type);
      nullable |= args[i].type.isNullable() || isNothing(args[i].type);
    }
    const DataType result = nullable ? DataType::nullable(kUInt8Type) : kUInt8Type;
    FunctionKernel kernel = [nullable, result](std::span<const Datum> call, size_t rows) {
      bool constant = true;
      for (const auto& arg : call) constant &= arg.is_constant;
      const size_t n = constant ? 1 : rows;
      if (!nullable) {
        std::vector<uint8_t> out(n, kIsAnd ? 1 : 0);
        for (const auto& arg : call) {
          dispatchFixed(arg.type(), [&](auto tag) {
            using T = decltype(tag);
            const T* data = valuesOf<T>(arg);
            if (arg.is_constant) {
              const uint8_t value = data[0] != T{};
              for (size_t i = 0; i < n; ++i) out[i] = kIsAnd ? (out[i] & value) : (out[i] | value);
            } else {
              for (size_t i = 0; i < n; ++i) out[i] = kIsAnd ? (out[i] & (data[i] != T{})) : (out[i] | (data[i] != T{}));
            }
            return 0;
          });
        }
        return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), constant};
      }
      std::vector<uint8_t> acc(n, kIsAnd ? kTrue : kFalse), ternary;
      for (const auto& arg : call) {
        toTernary(arg, n, ternary);
        for (size_t i = 0; i < n; ++i) acc[i] = kIsAnd ? std::min(acc[i], ternary[i]) : std::max(acc[i], ternary[i]);
      }
      std::vector<uint8_t> values(n), nulls(n);
      for (size_t i = 0; i < n; ++i) {
        values[i] = acc[i] == kTrue;
        nulls[i] = acc[i] == kNull;
      }
      auto nested = std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(values));
      return Datum{std::make_shared<ColumnNullable>(result, nested, std::move(nulls)), constant};
    };
    return ResolvedFunction{result, std::move(kernel)};
  };
  return definition;
}

FunctionDefinition logicalNot() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("not", args, 1, 1);
    if (!isNumeric(args[0].type)) throwIllegalArgument("not", 0, args[0].type);
    return ResolvedFunction{kUInt8Type, [](std::span<const Datum> call, size_t rows) {
                              return dispatchFixed(call[0].type(), [&](auto tag) {
                                using T = decltype(tag);
                                return unaryLoop<uint8_t, T>(call[0], rows, kUInt8Type, [](T x) -> uint8_t { return x == T{}; });
                              });
                            }};
  };
  return definition;
}

FunctionDefinition logicalXor() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("xor", args, 2, 2);
    for (size_t i = 0; i < 2; ++i) {
      if (!isNumeric(args[i].type)) throwIllegalArgument("xor", i, args[i].type);
    }
    return ResolvedFunction{kUInt8Type, [](std::span<const Datum> call, size_t rows) {
                              return dispatchFixed(call[0].type(), [&](auto tag_a) {
                                using A = decltype(tag_a);
                                return dispatchFixed(call[1].type(), [&](auto tag_b) {
                                  using B = decltype(tag_b);
                                  return binaryLoop<uint8_t, A, B>(call[0], call[1], rows, kUInt8Type,
                                                                   [](A x, B y) -> uint8_t { return (x != A{}) != (y != B{}); });
                                });
                              });
                            }};
  };
  return definition;
}

}  // namespace

void registerLogicalFunctions(FunctionRegistry& registry) {
  registry.add("and", logical<true>("and"), true);
  registry.add("or", logical<false>("or"), true);
  registry.add("not", logicalNot(), true);
  registry.add("xor", logicalXor(), true);
}

}  // namespace perch
