// toInt8..toUInt64, toFloat32/64, toString, toDate, toDateTime, toDateTime64, toBool, CAST,
// toTypeName, the *OrZero / *OrNull variants, and the DateTime64 <-> Unix time conversions
// (toUnixTimestamp64Milli, fromUnixTimestamp64Milli, ...). All are thin resolvers over castColumn
// (cast.h), so `toInt32('5')` with a literal folds to a constant at bind time.
#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"
#include "types/date_time.h"

namespace perch {

namespace {

// The zone name in constant String argument `index` of `name`.
std::string zoneArgument(const std::string& name, std::span<const ArgumentInfo> args, size_t index) {
  if (!args[index].constant || !args[index].type.isStringLike()) {
    throwBadRequest("Argument " + std::to_string(index + 1) + " of function " + name + " must be a constant time zone name");
  }
  return std::string(asString(*args[index].constant).at(0));
}

// toX(value[, zone]): the zone is the result's for toDateTime, and the one a DateTime value is seen
// in for toString / toDate (`toString(t, 'Asia/Tokyo')` prints Tokyo's wall clock).
FunctionDefinition conversion(std::string name, DataType target, ParseFailure on_failure) {
  FunctionDefinition definition;
  definition.resolve = [name, target, on_failure](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    const DataType& source = args[0].type;
    DataType to = target;
    std::optional<DataType> seen_in;
    if (args.size() == 2) {
      const std::string zone = zoneArgument(name, args, 1);
      if (target.id() == TypeId::kDateTime) {
        to = DataType::dateTime(zone);
      } else if (target.id() == TypeId::kString || target.id() == TypeId::kDate) {
        if (isDateTimeOrDateTime64(removeNullable(source))) seen_in = removeNullable(source).withTimeZone(zone);
      } else {
        throwBadRequest("Function " + name + " does not take a time zone argument");
      }
    }
    if (source.isArray() && !to.isStringLike()) throwIllegalArgument(name, 0, source);
    const DataType result = on_failure == ParseFailure::kNull ? makeNullable(to) : to;
    return ResolvedFunction{result, [to, seen_in, on_failure](std::span<const Datum> call, size_t) {
                              return castDatum(seen_in ? castDatum(call[0], *seen_in) : call[0], to, on_failure);
                            }};
  };
  return definition;
}

unsigned constantPrecision(const std::string& name, const ArgumentInfo& arg) {
  if (!arg.constant || !arg.type.isInteger()) throwBadRequest("Precision of " + name + " must be a constant integer");
  const int64_t value = asVector<int64_t>(*castColumn(arg.constant, DataType(TypeId::kInt64))).data()[0];
  if (value < 0 || value > 9) throwBadRequest("Precision " + std::to_string(value) + " of " + name + " is out of bounds (0 to 9)");
  return static_cast<unsigned>(value);
}

// toDateTime64(value, precision[, zone]): strings are read in the zone, numbers are seconds.
FunctionDefinition toDateTime64(std::string name, ParseFailure on_failure) {
  FunctionDefinition definition;
  definition.resolve = [name, on_failure](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 3);
    const DataType& source = removeNullable(args[0].type);
    if (!isNumeric(source) && !source.isStringLike() && !isNothing(source)) throwIllegalArgument(name, 0, args[0].type);
    const DataType to = DataType::dateTime64(constantPrecision(name, args[1]), args.size() == 3 ? zoneArgument(name, args, 2) : "");
    const DataType result = on_failure == ParseFailure::kNull ? makeNullable(to) : to;
    return ResolvedFunction{result, [to, on_failure](std::span<const Datum> call, size_t) {
                              return castDatum(call[0], to, on_failure);
                            }};
  };
  return definition;
}

// toDecimal32/64/128(value, S) and their OrZero/OrNull forms: Decimal(9/18/38, S).
FunctionDefinition toDecimal(std::string name, unsigned precision, ParseFailure on_failure) {
  FunctionDefinition definition;
  definition.resolve = [name, precision, on_failure](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    if (!args[1].constant || !args[1].type.isInteger()) throwBadRequest("Scale of " + name + " must be a constant integer");
    const int64_t scale = asVector<int64_t>(*castColumn(args[1].constant, DataType(TypeId::kInt64))).data()[0];
    if (scale < 0 || scale > precision) {
      throwBadRequest("Scale " + std::to_string(scale) + " of " + name + " is out of bounds (0 to " + std::to_string(precision) + ")");
    }
    const DataType& source = removeNullable(args[0].type);
    if (!source.isNumber() && !source.isDecimal() && !source.isStringLike() && source.id() != TypeId::kBool) {
      throwIllegalArgument(name, 0, args[0].type);
    }
    const DataType to = DataType::decimal(precision, static_cast<unsigned>(scale));
    const DataType result = on_failure == ParseFailure::kNull ? makeNullable(to) : to;
    return ResolvedFunction{result, [to, on_failure](std::span<const Datum> call, size_t) {
                              return castDatum(call[0], to, on_failure);
                            }};
  };
  return definition;
}

// toUnixTimestamp64Milli/Micro/Nano(t): the DateTime64's instant as Int64 ticks of that unit.
FunctionDefinition toUnixTimestamp64(std::string name, unsigned digits) {
  FunctionDefinition definition;
  definition.resolve = [name, digits](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    if (args[0].type.id() != TypeId::kDateTime64) throwIllegalArgument(name, 0, args[0].type);
    const DataType result(TypeId::kInt64);
    const unsigned precision = args[0].type.precision();
    const int64_t multiply = digits >= precision ? powerOfTen(digits - precision) : 1;
    const int64_t divide = digits < precision ? powerOfTen(precision - digits) : 1;
    return ResolvedFunction{result, [result, multiply, divide](std::span<const Datum> call, size_t rows) {
                              return unaryLoop<int64_t, int64_t>(call[0], rows, result, [multiply, divide](int64_t ticks) {
                                return floorDiv(ticks, divide) * multiply;
                              });
                            }};
  };
  return definition;
}

// fromUnixTimestamp64Milli/Micro/Nano(n[, zone]): Int64 ticks of that unit as DateTime64(3/6/9).
FunctionDefinition fromUnixTimestamp64(std::string name, unsigned digits) {
  FunctionDefinition definition;
  definition.resolve = [name, digits](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 2);
    if (!args[0].type.isInteger()) throwIllegalArgument(name, 0, args[0].type);
    const DataType result = DataType::dateTime64(digits, args.size() == 2 ? zoneArgument(name, args, 1) : "");
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              const Datum ticks = castDatum(call[0], DataType(TypeId::kInt64));
                              return unaryLoop<int64_t, int64_t>(ticks, rows, result, [](int64_t value) { return value; });
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

// tuple_functions.cpp: tuple() and tupleElement(), the constructor and accessor CAST(... AS Tuple) pairs with.
void registerTupleFunctions(FunctionRegistry& registry);

void registerConversionFunctions(FunctionRegistry& registry) {
  registerTupleFunctions(registry);
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
  registry.add("toDateTime64", toDateTime64("toDateTime64", ParseFailure::kThrow));
  registry.add("toDateTime64OrZero", toDateTime64("toDateTime64OrZero", ParseFailure::kZero));
  registry.add("toDateTime64OrNull", toDateTime64("toDateTime64OrNull", ParseFailure::kNull));
  struct Unit {
    const char* suffix;
    unsigned digits;
  };
  for (const Unit unit : {Unit{"Milli", 3}, Unit{"Micro", 6}, Unit{"Nano", 9}}) {
    registry.add(std::string("toUnixTimestamp64") + unit.suffix, toUnixTimestamp64(std::string("toUnixTimestamp64") + unit.suffix, unit.digits));
    registry.add(std::string("fromUnixTimestamp64") + unit.suffix,
                 fromUnixTimestamp64(std::string("fromUnixTimestamp64") + unit.suffix, unit.digits));
  }
  for (const unsigned bits : {32u, 64u, 128u}) {
    const std::string base = "toDecimal" + std::to_string(bits);
    const unsigned precision = bits == 32 ? 9 : bits == 64 ? 18 : 38;
    registry.add(base, toDecimal(base, precision, ParseFailure::kThrow));
    registry.add(base + "OrZero", toDecimal(base + "OrZero", precision, ParseFailure::kZero));
    registry.add(base + "OrNull", toDecimal(base + "OrNull", precision, ParseFailure::kNull));
  }
  registry.alias("toBoolean", "toBool");
  registry.add("CAST", castFunction(), true);
  registry.alias("_CAST", "CAST");
  registry.add("toTypeName", toTypeName());
}

}  // namespace perch
