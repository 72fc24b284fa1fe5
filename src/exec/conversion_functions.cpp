// toInt8..toUInt64, toFloat32/64, toString, toDate, toDateTime, toBool, CAST, toTypeName and the
// *OrZero / *OrNull variants. All are thin resolvers over castColumn (cast.h), so `toInt32('5')` with a
// literal folds to a constant at bind time.
#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

FunctionDefinition conversion(std::string name, DataType target, ParseFailure on_failure) {
  FunctionDefinition definition;
  definition.resolve = [name, target, on_failure](std::span<const ArgumentInfo> args, const FunctionContext&) {
    // toDateTime(x, 'UTC') / toString(t, 'UTC'): only UTC exists in this engine.
    checkArgumentCount(name, args, 1, 2);
    if (args.size() == 2) {
      if (!(target.id() == TypeId::kDateTime || target.id() == TypeId::kString || target.id() == TypeId::kDate) || !args[1].constant ||
          !args[1].type.isStringLike() || asString(*args[1].constant).at(0) != "UTC") {
        throwBadRequest("Function " + name + " supports only the 'UTC' time zone as its second argument");
      }
    }
    const DataType& source = args[0].type;
    if (source.isArray() && !target.isStringLike()) throwIllegalArgument(name, 0, source);
    const DataType result = on_failure == ParseFailure::kNull ? makeNullable(target) : target;
    return ResolvedFunction{result, [target, on_failure](std::span<const Datum> call, size_t) {
                              return castDatum(call[0], target, on_failure);
                            }};
  };
  return definition;
}

FunctionDefinition castFunction() {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("CAST", args, 2, 2);
    if (!args[1].constant || !args[1].type.isStringLike()) {
      throwBadRequest("Second argument of function CAST must be a constant string with a type name");
    }
    const DataType target = DataType::parse(asString(*args[1].constant).at(0));
    return ResolvedFunction{target, [target](std::span<const Datum> call, size_t) { return castDatum(call[0], target); }};
  };
  return definition;
}

// toTypeName(x): the ClickHouse name of x's type, a constant.
FunctionDefinition toTypeName() {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("toTypeName", args, 1, 1);
    const std::string name = isNothing(args[0].type) ? "Nullable(Nothing)" : args[0].type.name();
    return ResolvedFunction{DataType(TypeId::kString), [name](std::span<const Datum>, size_t) {
                              return Datum{makeStringConstant(name), true};
                            }};
  };
  return definition;
}

}  // namespace

void registerConversionFunctions(FunctionRegistry& registry) {
  struct Target {
    const char* suffix;
    TypeId id;
  };
  static constexpr Target kTargets[] = {
      {"Int8", TypeId::kInt8},       {"Int16", TypeId::kInt16},     {"Int32", TypeId::kInt32},
      {"Int64", TypeId::kInt64},     {"UInt8", TypeId::kUInt8},     {"UInt16", TypeId::kUInt16},
      {"UInt32", TypeId::kUInt32},   {"UInt64", TypeId::kUInt64},   {"Float32", TypeId::kFloat32},
      {"Float64", TypeId::kFloat64}, {"Date", TypeId::kDate},       {"DateTime", TypeId::kDateTime},
      {"Bool", TypeId::kBool},       {"UUID", TypeId::kUUID},
  };
  for (const auto& target : kTargets) {
    const std::string base = std::string("to") + target.suffix;
    registry.add(base, conversion(base, DataType(target.id), ParseFailure::kThrow));
    registry.add(base + "OrZero", conversion(base + "OrZero", DataType(target.id), ParseFailure::kZero));
    registry.add(base + "OrNull", conversion(base + "OrNull", DataType(target.id), ParseFailure::kNull));
  }
  registry.add("toString", conversion("toString", DataType(TypeId::kString), ParseFailure::kThrow));
  registry.alias("toBoolean", "toBool");
  registry.add("CAST", castFunction(), true);
  registry.alias("_CAST", "CAST");
  registry.add("toTypeName", toTypeName());
}

}  // namespace perch
