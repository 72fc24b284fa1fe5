#include "exec/datum.h"

namespace perch {

MutableColumnPtr makeEmptyColumn(const DataType& type) {
  if (type.id() == TypeId::kNothing) return std::make_shared<ColumnVector<uint8_t>>(type);
  if (type.isNullable() && type.nested().id() == TypeId::kNothing) {
    return std::make_shared<ColumnNullable>(type, std::make_shared<ColumnVector<uint8_t>>(type.nested()),
                                            std::vector<uint8_t>{});
  }
  if (type.isNullable()) {
    return std::make_shared<ColumnNullable>(type, makeEmptyColumn(type.nested()), std::vector<uint8_t>{});
  }
  return makeColumn(type);
}

ColumnPtr makeNullConstant(const DataType& type) {
  const DataType nested = type.isNullable() ? type.nested() : type;
  auto column = makeEmptyColumn(DataType::nullable(nested));
  auto& nullable = static_cast<ColumnNullable&>(*column);
  nullable.nested().appendDefault();
  nullable.nullMap().push_back(1);
  return column;
}

ColumnPtr makeStringConstant(std::string_view value, const DataType& type) {
  auto column = std::make_shared<ColumnString>(type);
  column->push(value);
  return column;
}

ColumnPtr materialize(const Datum& datum, size_t rows) {
  if (!datum.is_constant) return datum.column;
  const Column& source = *datum.column;
  if (rows == 1) return datum.column;
  const DataType& type = source.type();
  if (!type.isNullable() && type.id() != TypeId::kNothing && !type.isArray()) {
    return dispatchPhysical(type, [&](auto* tag) -> ColumnPtr {
      using ColumnType = std::remove_pointer_t<decltype(tag)>;
      if constexpr (std::is_same_v<ColumnType, ColumnString>) {
        auto result = std::make_shared<ColumnString>(type);
        const std::string_view value = asString(source).at(0);
        result->reserve(rows);
        for (size_t i = 0; i < rows; ++i) result->push(value);
        return result;
      } else if constexpr (requires { typename ColumnType::ValueType; }) {
        using T = typename ColumnType::ValueType;
        return std::make_shared<ColumnVector<T>>(type, std::vector<T>(rows, asVector<T>(source).data()[0]));
      } else {
        return nullptr;
      }
    });
  }
  if (type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(source);
    auto nested = std::const_pointer_cast<Column>(materialize(Datum::constant(
        std::shared_ptr<const Column>(datum.column, &nullable.nested())), rows));
    if (nested.get() == &nullable.nested()) {  // rows == 1 handled above; defensive copy
      auto copy = makeEmptyColumn(nested->type());
      copy->appendRange(*nested, 0, nested->size());
      nested = copy;
    }
    return std::make_shared<ColumnNullable>(type, nested, std::vector<uint8_t>(rows, nullable.nullMap()[0]));
  }
  auto result = makeEmptyColumn(type);
  result->reserve(rows);
  for (size_t i = 0; i < rows; ++i) result->appendRange(source, 0, 1);
  return result;
}

MutableColumnPtr concatColumns(std::span<const ColumnPtr> parts, const DataType& type) {
  auto result = makeEmptyColumn(type);
  size_t total = 0;
  for (const auto& part : parts) total += part->size();
  result->reserve(total);
  for (const auto& part : parts) result->appendRange(*part, 0, part->size());
  return result;
}

}  // namespace perch
