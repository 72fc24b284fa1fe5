// Tuple functions: tuple(a, b, ...) — also written `(a, b)` — and tupleElement(t, n) — also
// written `t.n` — by position (1-based) or, for a named tuple, by name. A tuple column is a
// ColumnTuple whose element columns are the argument columns themselves, so both functions copy
// no values. Tuples of Nullable values are not NULL themselves: both handle NULLs as values.
#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"

namespace perch {

namespace {

FunctionDefinition tuple() {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    if (args.empty()) throwBadRequest("Function tuple requires at least one argument");
    std::vector<DataType> elements;
    for (const ArgumentInfo& arg : args) elements.push_back(arg.type);
    const DataType result = DataType::tuple(std::move(elements));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              bool constant = true;
                              for (const Datum& arg : call) constant &= arg.is_constant;
                              std::vector<MutableColumnPtr> columns;
                              for (const Datum& arg : call) {
                                // Constants become full columns unless the whole tuple is constant.
                                columns.push_back(std::const_pointer_cast<Column>(constant ? arg.column : materialize(arg, rows)));
                              }
                              return Datum{std::make_shared<ColumnTuple>(result, std::move(columns)), constant};
                            }};
  };
  return definition;
}

// The 0-based element `index` names: a constant 1-based position, or an element name.
size_t elementIndex(const DataType& tuple, const ArgumentInfo& index) {
  const size_t size = tuple.tupleElements().size();
  if (index.constant && index.type.isInteger()) {
    const int64_t position = asVector<int64_t>(*castColumn(index.constant, DataType(TypeId::kInt64))).data()[0];
    if (position < 1 || static_cast<size_t>(position) > size) {
      throwBadRequest("Index " + std::to_string(position) + " of function tupleElement is out of range for " + tuple.name());
    }
    return static_cast<size_t>(position - 1);
  }
  if (index.constant && index.type.isStringLike()) {
    const std::string_view name = asString(*index.constant).at(0);
    const std::vector<std::string>& names = tuple.tupleNames();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    throwBadRequest("Tuple " + tuple.name() + " has no element named '" + std::string(name) + "'");
  }
  throwBadRequest("Second argument of function tupleElement must be a constant index or element name");
}

FunctionDefinition tupleElement() {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("tupleElement", args, 2, 2);
    if (!args[0].type.isTuple()) throwIllegalArgument("tupleElement", 0, args[0].type);
    const size_t index = elementIndex(args[0].type, args[1]);
    return ResolvedFunction{args[0].type.tupleElements()[index], [index](std::span<const Datum> call, size_t) {
                              const auto& tuple = static_cast<const ColumnTuple&>(*call[0].column);
                              return Datum{tuple.elementPtr(index), call[0].is_constant};
                            }};
  };
  return definition;
}

}  // namespace

void registerTupleFunctions(FunctionRegistry& registry) {
  registry.add("tuple", tuple());
  registry.add("tupleElement", tupleElement());
}

}  // namespace perch
