// Array functions: the higher-order ones that take a lambda (arrayMap, arrayFilter, arrayExists,
// arrayAll, arrayCount, arraySum, arrayAvg, arrayMin, arrayMax, arrayFirst, arrayFirstIndex,
// arraySort, arrayReverseSort) and the plain ones (has, hasAny, hasAll, indexOf, arrayIntersect,
// arrayElement, range, splitByChar, splitByString, arrayStringConcat, arrayDistinct, arrayReverse,
// arrayConcat, arraySlice, arrayUniq, arrayEnumerate, emptyArray*, empty/notEmpty of arrays).
//
// Values are compared through equality keys (appendValueKey) after both sides are converted to
// their common type, which is how ClickHouse lets `has([1, 2], 1000)` or `has(arr, NULL)` work.
#include "exec/array_functions.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

const DataType kUInt8Type{TypeId::kUInt8};
const DataType kUInt32Type{TypeId::kUInt32};
const DataType kUInt64Type{TypeId::kUInt64};
const DataType kStringType{TypeId::kString};

const ColumnArray& asArray(const Column& column) { return static_cast<const ColumnArray&>(column); }

uint64_t rowBegin(const ColumnArray& array, size_t row) { return row == 0 ? 0 : array.offsets()[row - 1]; }
uint64_t rowEnd(const ColumnArray& array, size_t row) { return array.offsets()[row]; }

// Reads any integer, Bool or Nullable integer column as "is this value true" (NULL is false).
std::vector<uint8_t> truthOf(const Column& column) {
  const DataType& type = column.type();
  if (type.isNullable()) {
    const auto& nullable = static_cast<const ColumnNullable&>(column);
    std::vector<uint8_t> truth = truthOf(nullable.nested());
    for (size_t i = 0; i < truth.size(); ++i) truth[i] &= !nullable.nullMap()[i];
    return truth;
  }
  std::vector<uint8_t> truth(column.size());
  dispatchFixed(type, [&](auto tag) {
    using T = decltype(tag);
    const auto& values = asVector<T>(column).data();
    for (size_t i = 0; i < values.size(); ++i) truth[i] = values[i] != T{};
    return 0;
  });
  return truth;
}

bool isPredicateType(const DataType& type) {
  const DataType plain = removeNullable(type);
  return plain.isInteger() || plain.id() == TypeId::kBool;
}

// An array column of `type` whose row i holds elements picks[ends[i-1] .. ends[i]) of `source`.
ColumnPtr buildArray(const DataType& type, const Column& source, const std::vector<uint32_t>& picks, const std::vector<uint64_t>& ends) {
  auto out = std::make_shared<ColumnArray>(type);
  ColumnPtr gathered = source.gather(picks);
  out->elements().reserve(picks.size());
  out->reserve(ends.size());
  uint64_t begin = 0;
  for (uint64_t end : ends) {
    if (end > begin) out->elements().appendRange(*gathered, begin, end - begin);
    out->finishRow();
    begin = end;
  }
  return out;
}

// An array column with `array`'s row lengths over `elements` (one value per element).
ColumnPtr arrayWithOffsets(const DataType& type, const ColumnArray& array, const Column& elements) {
  auto out = std::make_shared<ColumnArray>(type);
  out->reserve(array.size());
  for (size_t row = 0; row < array.size(); ++row) {
    const uint64_t begin = rowBegin(array, row), end = rowEnd(array, row);
    if (end > begin) out->elements().appendRange(elements, begin, end - begin);
    out->finishRow();
  }
  return out;
}

[[noreturn]] void requirePredicate(std::string_view name, const DataType& body) {
  throwBadRequest("Expression for function " + std::string(name) + " must return UInt8, found " +
                  (isNothing(body) ? std::string("Nullable(Nothing)") : body.name()));
}

// ---- higher-order functions --------------------------------------------------------------

DataType sumType(std::string_view name, const DataType& body) {
  if (body.isFloat()) return DataType(TypeId::kFloat64);
  if (body.isInteger() || body.id() == TypeId::kBool) return DataType(body.isSigned() ? TypeId::kInt64 : TypeId::kUInt64);
  throwBadRequest(std::string(name) + " cannot add values of type " + (isNothing(body) ? "Nullable(Nothing)" : body.name()));
}

// Sums (or averages) per row of a numeric body.
ColumnPtr sumRows(const ColumnArray& array, const Column& body, const DataType& result, bool average) {
  const size_t rows = array.size();
  return dispatchFixed(body.type(), [&](auto tag) -> ColumnPtr {
    using T = decltype(tag);
    const T* values = asVector<T>(body).data().data();
    return dispatchFixed(result, [&](auto result_tag) -> ColumnPtr {
      using R = decltype(result_tag);
      std::vector<R> out(rows);
      for (size_t row = 0; row < rows; ++row) {
        R sum{};
        const uint64_t begin = rowBegin(array, row), end = rowEnd(array, row);
        for (uint64_t i = begin; i < end; ++i) sum += static_cast<R>(values[i]);
        if (average) sum = end > begin ? static_cast<R>(static_cast<double>(sum) / static_cast<double>(end - begin)) : static_cast<R>(NAN);
        out[row] = sum;
      }
      return std::make_shared<ColumnVector<R>>(result, std::move(out));
    });
  });
}

// Element positions of every row sorted by the body's values (stable; NULL and NaN last).
std::vector<uint32_t> sortedPicks(const ColumnArray& array, const Column& keys, bool descending) {
  std::vector<uint32_t> picks(keys.size());
  std::iota(picks.begin(), picks.end(), 0u);
  const bool nullable = keys.type().isNullable();
  auto isLast = [&](uint32_t i) {
    if (nullable && keys.isNullAt(i)) return true;
    const Column& plain = nullable ? static_cast<const ColumnNullable&>(keys).nested() : keys;
    if (plain.type().id() == TypeId::kFloat64) return std::isnan(asVector<double>(plain).data()[i]);
    if (plain.type().id() == TypeId::kFloat32) return std::isnan(asVector<float>(plain).data()[i]);
    return false;
  };
  for (size_t row = 0; row < array.size(); ++row) {
    auto begin = picks.begin() + static_cast<ptrdiff_t>(rowBegin(array, row));
    auto end = picks.begin() + static_cast<ptrdiff_t>(rowEnd(array, row));
    std::stable_sort(begin, end, [&](uint32_t a, uint32_t b) {
      const bool last_a = isLast(a), last_b = isLast(b);
      if (last_a || last_b) return !last_a && last_b;
      const int order = compareValues(keys, a, b);
      return descending ? order > 0 : order < 0;
    });
  }
  return picks;
}

std::unordered_map<std::string, HigherOrderFunction> makeHigherOrderFunctions() {
  std::unordered_map<std::string, HigherOrderFunction> table;
  table["arrayMap"] = {true, [](std::string_view, std::span<const DataType>, const DataType& body) { return DataType::array(body); },
                       [](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) {
                         return arrayWithOffsets(result, *arrays[0], body);
                       }};
  table["arrayFilter"] = {true,
                          [](std::string_view name, std::span<const DataType> arrays, const DataType& body) {
                            if (!isPredicateType(body)) requirePredicate(name, body);
                            return arrays[0];
                          },
                          [](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) {
                            const ColumnArray& array = *arrays[0];
                            const std::vector<uint8_t> truth = truthOf(body);
                            std::vector<uint32_t> picks;
                            std::vector<uint64_t> ends(array.size());
                            for (size_t row = 0; row < array.size(); ++row) {
                              for (uint64_t i = rowBegin(array, row); i < rowEnd(array, row); ++i) {
                                if (truth[i]) picks.push_back(static_cast<uint32_t>(i));
                              }
                              ends[row] = picks.size();
                            }
                            return buildArray(result, array.elements(), picks, ends);
                          }};
  // arrayExists / arrayAll / arrayCount / arrayFirstIndex: one pass over the truth values.
  auto predicate = [](DataType result, int kind) {
    return HigherOrderFunction{false,
                               [result](std::string_view name, std::span<const DataType>, const DataType& body) {
                                 if (!isPredicateType(body)) requirePredicate(name, body);
                                 return result;
                               },
                               [kind](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& type) -> ColumnPtr {
                                 const ColumnArray& array = *arrays[0];
                                 const std::vector<uint8_t> truth = truthOf(body);
                                 std::vector<uint32_t> counts(array.size());
                                 for (size_t row = 0; row < array.size(); ++row) {
                                   const uint64_t begin = rowBegin(array, row), end = rowEnd(array, row);
                                   uint32_t value = 0;
                                   if (kind == 0) value = std::any_of(truth.data() + begin, truth.data() + end, [](uint8_t t) { return t != 0; });
                                   if (kind == 1) value = std::all_of(truth.data() + begin, truth.data() + end, [](uint8_t t) { return t != 0; });
                                   if (kind == 2) value = static_cast<uint32_t>(std::count_if(truth.data() + begin, truth.data() + end, [](uint8_t t) { return t != 0; }));
                                   if (kind == 3) {
                                     for (uint64_t i = begin; i < end && !value; ++i) value = truth[i] ? static_cast<uint32_t>(i - begin + 1) : 0;
                                   }
                                   counts[row] = value;
                                 }
                                 if (type.id() == TypeId::kUInt8) {
                                   return std::make_shared<ColumnVector<uint8_t>>(type, std::vector<uint8_t>(counts.begin(), counts.end()));
                                 }
                                 return std::make_shared<ColumnVector<uint32_t>>(type, std::move(counts));
                               }};
  };
  table["arrayExists"] = predicate(kUInt8Type, 0);
  table["arrayAll"] = predicate(kUInt8Type, 1);
  table["arrayCount"] = predicate(kUInt32Type, 2);
  table["arrayFirstIndex"] = predicate(kUInt32Type, 3);
  table["arrayFirstIndex"].lambda_required = true;
  table["arrayFirst"] = {true,
                         [](std::string_view name, std::span<const DataType> arrays, const DataType& body) {
                           if (!isPredicateType(body)) requirePredicate(name, body);
                           return arrays[0].nested();
                         },
                         [](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) -> ColumnPtr {
                           const ColumnArray& array = *arrays[0];
                           const std::vector<uint8_t> truth = truthOf(body);
                           auto out = makeEmptyColumn(result);
                           for (size_t row = 0; row < array.size(); ++row) {
                             uint64_t found = UINT64_MAX;
                             for (uint64_t i = rowBegin(array, row); i < rowEnd(array, row) && found == UINT64_MAX; ++i) found = truth[i] ? i : found;
                             if (found == UINT64_MAX) out->appendDefault();
                             else out->appendRange(array.elements(), found, 1);
                           }
                           return out;
                         }};
  auto sum = [](bool average) {
    return HigherOrderFunction{false,
                               [average](std::string_view name, std::span<const DataType>, const DataType& body) {
                                 const DataType type = sumType(name, body);
                                 return average ? DataType(TypeId::kFloat64) : type;
                               },
                               [average](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) {
                                 return sumRows(*arrays[0], body, result, average);
                               }};
  };
  table["arraySum"] = sum(false);
  table["arrayAvg"] = sum(true);
  auto extreme = [](bool max) {
    return HigherOrderFunction{false,
                               [](std::string_view name, std::span<const DataType>, const DataType& body) {
                                 if (!body.isNumber() && !body.isStringLike() && body.id() != TypeId::kDate && body.id() != TypeId::kDateTime) {
                                   throwBadRequest("Illegal type " + body.name() + " of argument of function " + std::string(name));
                                 }
                                 return body;
                               },
                               [max](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) -> ColumnPtr {
                                 const ColumnArray& array = *arrays[0];
                                 auto out = makeEmptyColumn(result);
                                 for (size_t row = 0; row < array.size(); ++row) {
                                   const uint64_t begin = rowBegin(array, row), end = rowEnd(array, row);
                                   if (begin == end) {
                                     out->appendDefault();
                                     continue;
                                   }
                                   uint64_t best = begin;
                                   for (uint64_t i = begin + 1; i < end; ++i) {
                                     const int order = compareValues(body, i, best);
                                     if (max ? order > 0 : order < 0) best = i;
                                   }
                                   out->appendRange(body, best, 1);
                                 }
                                 return out;
                               }};
  };
  table["arrayMin"] = extreme(false);
  table["arrayMax"] = extreme(true);
  auto sort = [](bool descending) {
    return HigherOrderFunction{false, [](std::string_view, std::span<const DataType> arrays, const DataType&) { return arrays[0]; },
                               [descending](std::span<const ColumnArray* const> arrays, const Column& body, const DataType& result) {
                                 const ColumnArray& array = *arrays[0];
                                 std::vector<uint32_t> picks = sortedPicks(array, body, descending);
                                 return buildArray(result, array.elements(), picks, array.offsets());
                               }};
  };
  table["arraySort"] = sort(false);
  table["arrayReverseSort"] = sort(true);
  return table;
}

// ---- plain array functions ----------------------------------------------------------------

void requireArray(std::string_view name, std::span<const ArgumentInfo> args, size_t index) {
  if (!args[index].type.isArray()) throwIllegalArgument(name, index, args[index].type);
}

const ColumnArray& materializedArray(const Datum& datum, size_t rows, ColumnPtr& holder) {
  holder = materialize(datum, rows);
  return asArray(*holder);
}

// The common element type of several arrays (and plain values), for comparisons.
DataType commonType(std::string_view name, std::vector<DataType> types) {
  try {
    return leastSupertype(types, name);
  } catch (const Error&) {
    throwBadRequest("Types of array elements and arguments of function " + std::string(name) + " have no common type");
  }
}

std::vector<std::string> keysOf(const Column& column) {
  std::vector<std::string> keys(column.size());
  for (size_t i = 0; i < keys.size(); ++i) appendValueKey(column, i, keys[i]);
  return keys;
}

// has(arr, x) and indexOf(arr, x): x may be NULL, which finds NULL elements.
FunctionDefinition findElement(const char* name, bool index) {
  FunctionDefinition definition;
  definition.null_handling = NullHandling::kCustom;
  definition.resolve = [name, index](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    requireArray(name, args, 0);
    // A signed integer and UInt64 have no common type, yet ClickHouse compares them exactly
    // (has([1, -1], 18446744073709551615) is 0): both go to Int64, where a negative value (a
    // negative signed one, or a UInt64 past Int64's range) matches nothing.
    const DataType element = args[0].type.nested();
    const bool mixed_sign = element.isInteger() && args[1].type.isInteger() && element.isSigned() != args[1].type.isSigned() &&
                            (element.id() == TypeId::kUInt64 || args[1].type.id() == TypeId::kUInt64);
    const DataType common = mixed_sign ? DataType(TypeId::kInt64) : commonType(name, {element, args[1].type});
    const DataType result = index ? kUInt64Type : kUInt8Type;
    return ResolvedFunction{result, [common, result, index, mixed_sign](std::span<const Datum> call, size_t rows) -> Datum {
                              const bool constant = call[0].is_constant && call[1].is_constant;
                              const size_t n = constant ? 1 : rows;
                              const Datum array_datum = castDatum(call[0], DataType::array(common));
                              const Datum needle = castDatum(call[1], common);
                              ColumnPtr holder;
                              const ColumnArray& array = materializedArray(array_datum, n, holder);
                              const std::vector<std::string> element_keys = keysOf(array.elements());
                              std::vector<uint64_t> out(n);
                              std::string key;
                              const int64_t* signed_elements = mixed_sign ? asVector<int64_t>(array.elements()).data().data() : nullptr;
                              for (size_t row = 0; row < n; ++row) {
                                if (mixed_sign && valuesOf<int64_t>(needle)[needle.is_constant ? 0 : row] < 0) continue;
                                key.clear();
                                appendValueKey(*needle.column, needle.is_constant ? 0 : row, key);
                                const uint64_t begin = rowBegin(array, row);
                                for (uint64_t i = begin; i < rowEnd(array, row); ++i) {
                                  if (element_keys[i] == key && !(signed_elements && signed_elements[i] < 0)) {
                                    out[row] = index ? i - begin + 1 : 1;
                                    break;
                                  }
                                }
                              }
                              if (index) return Datum{std::make_shared<ColumnVector<uint64_t>>(result, std::move(out)), constant};
                              return Datum{std::make_shared<ColumnVector<uint8_t>>(result, std::vector<uint8_t>(out.begin(), out.end())), constant};
                            }};
  };
  return definition;
}

// hasAny(a, b) / hasAll(a, b).
FunctionDefinition hasAnyAll(const char* name, bool all) {
  FunctionDefinition definition;
  definition.resolve = [name, all](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    requireArray(name, args, 0);
    requireArray(name, args, 1);
    const DataType common = commonType(name, {args[0].type.nested(), args[1].type.nested()});
    return ResolvedFunction{kUInt8Type, [common, all](std::span<const Datum> call, size_t rows) -> Datum {
                              const bool constant = call[0].is_constant && call[1].is_constant;
                              const size_t n = constant ? 1 : rows;
                              ColumnPtr left_holder, right_holder;
                              const ColumnArray& left = materializedArray(castDatum(call[0], DataType::array(common)), n, left_holder);
                              const ColumnArray& right = materializedArray(castDatum(call[1], DataType::array(common)), n, right_holder);
                              const std::vector<std::string> left_keys = keysOf(left.elements());
                              const std::vector<std::string> right_keys = keysOf(right.elements());
                              std::vector<uint8_t> out(n);
                              for (size_t row = 0; row < n; ++row) {
                                std::unordered_set<std::string_view> present;
                                for (uint64_t i = rowBegin(left, row); i < rowEnd(left, row); ++i) present.insert(left_keys[i]);
                                bool any = false, every = true;
                                for (uint64_t i = rowBegin(right, row); i < rowEnd(right, row); ++i) {
                                  const bool found = present.contains(right_keys[i]);
                                  any |= found;
                                  every &= found;
                                }
                                out[row] = all ? every : any;
                              }
                              return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), constant};
                            }};
  };
  return definition;
}

// Calls fn(arrays, n, constant) with every argument materialized as an array column of n rows.
template <typename Fn>
Datum withArrays(std::span<const Datum> call, size_t rows, const DataType* cast_to, Fn&& fn) {
  bool constant = true;
  for (const auto& arg : call) constant &= arg.is_constant;
  const size_t n = constant ? 1 : rows;
  std::vector<ColumnPtr> holders;
  std::vector<const ColumnArray*> arrays;
  for (const auto& arg : call) {
    holders.push_back(materialize(cast_to ? castDatum(arg, *cast_to) : arg, n));
    arrays.push_back(&asArray(*holders.back()));
  }
  return Datum{fn(arrays, n), constant};
}

// arrayIntersect(a, b, ...): the distinct elements of `a` present in every other array, in a's order.
FunctionDefinition arrayIntersect() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("arrayIntersect", args, 1, 64);
    std::vector<DataType> types;
    for (size_t i = 0; i < args.size(); ++i) {
      requireArray("arrayIntersect", args, i);
      types.push_back(args[i].type.nested());
    }
    const DataType result = DataType::array(commonType("arrayIntersect", types));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              return withArrays(call, rows, &result, [&](const std::vector<const ColumnArray*>& arrays, size_t n) {
                                std::vector<std::vector<std::string>> keys;
                                for (const auto* array : arrays) keys.push_back(keysOf(array->elements()));
                                std::vector<uint32_t> picks;
                                std::vector<uint64_t> ends(n);
                                for (size_t row = 0; row < n; ++row) {
                                  std::unordered_map<std::string_view, size_t> seen_in;  // key -> arrays containing it
                                  for (size_t a = 1; a < arrays.size(); ++a) {
                                    for (uint64_t i = rowBegin(*arrays[a], row); i < rowEnd(*arrays[a], row); ++i) {
                                      auto [it, inserted] = seen_in.try_emplace(keys[a][i], 0);
                                      if (it->second == a - 1) it->second = a;
                                    }
                                  }
                                  std::unordered_set<std::string_view> emitted;
                                  for (uint64_t i = rowBegin(*arrays[0], row); i < rowEnd(*arrays[0], row); ++i) {
                                    const std::string_view key = keys[0][i];
                                    if (arrays.size() > 1) {
                                      auto it = seen_in.find(key);
                                      if (it == seen_in.end() || it->second != arrays.size() - 1) continue;
                                    }
                                    if (emitted.insert(key).second) picks.push_back(static_cast<uint32_t>(i));
                                  }
                                  ends[row] = picks.size();
                                }
                                return buildArray(result, arrays[0]->elements(), picks, ends);
                              });
                            }};
  };
  return definition;
}

// arrayElement(arr, i): 1-based, negative from the end; out of range gives the default (NULL
// for Nullable elements).
FunctionDefinition arrayElement() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("arrayElement", args, 2, 2);
    requireArray("arrayElement", args, 0);
    if (!args[1].type.isInteger()) throwIllegalArgument("arrayElement", 1, args[1].type);
    const DataType result = args[0].type.nested();
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              const bool constant = call[0].is_constant && call[1].is_constant;
                              const size_t n = constant ? 1 : rows;
                              ColumnPtr holder;
                              const ColumnArray& array = materializedArray(call[0], n, holder);
                              const Datum index = castDatum(call[1], DataType(TypeId::kInt64));
                              const int64_t* positions = valuesOf<int64_t>(index);
                              auto out = makeEmptyColumn(result);
                              out->reserve(n);
                              for (size_t row = 0; row < n; ++row) {
                                const int64_t position = positions[index.is_constant ? 0 : row];
                                const int64_t begin = static_cast<int64_t>(rowBegin(array, row));
                                const int64_t size = static_cast<int64_t>(rowEnd(array, row)) - begin;
                                const int64_t offset = position > 0 ? position - 1 : size + position;
                                if (position == 0 || offset < 0 || offset >= size) out->appendDefault();
                                else out->appendRange(array.elements(), static_cast<size_t>(begin + offset), 1);
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

// range(end), range(start, end[, step]).
FunctionDefinition range() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("range", args, 1, 3);
    std::vector<DataType> types;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!args[i].type.isInteger()) throwIllegalArgument("range", i, args[i].type);
      types.push_back(args[i].type);
    }
    const DataType element = args.size() == 1 ? args[0].type : leastSupertype(types, "range");
    const DataType result = DataType::array(element);
    return ResolvedFunction{result, [element, result](std::span<const Datum> call, size_t rows) {
                              bool constant = true;
                              std::vector<Datum> values;
                              for (const auto& arg : call) {
                                constant &= arg.is_constant;
                                values.push_back(castDatum(arg, DataType(TypeId::kInt64)));
                              }
                              const size_t n = constant ? 1 : rows;
                              auto at = [&](size_t arg, size_t row) { return valuesOf<int64_t>(values[arg])[values[arg].is_constant ? 0 : row]; };
                              auto elements = std::make_shared<ColumnVector<int64_t>>(DataType(TypeId::kInt64));
                              std::vector<uint64_t> ends(n);
                              constexpr int64_t kMaxElements = 100'000'000;
                              for (size_t row = 0; row < n; ++row) {
                                const bool one = values.size() == 1;
                                const int64_t start = one ? 0 : at(0, row);
                                const int64_t end = one ? at(0, row) : at(1, row);
                                const int64_t step = values.size() == 3 ? at(2, row) : 1;
                                if (step == 0) throwBadRequest("Step of function range must not be zero");
                                if (step > 0) {
                                  for (int64_t v = start; v < end; v += step) {
                                    elements->data().push_back(v);
                                    if (static_cast<int64_t>(elements->size()) > kMaxElements) throwBadRequest("Function range would produce more than 100000000 elements");
                                    if (v > INT64_MAX - step) break;
                                  }
                                } else {
                                  for (int64_t v = start; v > end; v += step) {
                                    elements->data().push_back(v);
                                    if (static_cast<int64_t>(elements->size()) > kMaxElements) throwBadRequest("Function range would produce more than 100000000 elements");
                                    if (v < INT64_MIN - step) break;
                                  }
                                }
                                ends[row] = elements->size();
                              }
                              ColumnPtr typed = castColumn(elements, element);
                              std::vector<uint32_t> picks(typed->size());
                              std::iota(picks.begin(), picks.end(), 0u);
                              return Datum{buildArray(result, *typed, picks, ends), constant};
                            }};
  };
  return definition;
}

// splitByChar(sep, s) / splitByString(sep, s): the separator is a constant.
FunctionDefinition split(const char* name, bool by_char) {
  FunctionDefinition definition;
  definition.resolve = [name, by_char](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    if (!args[1].type.isStringLike()) throwIllegalArgument(name, 1, args[1].type);
    if (!args[0].constant) throwBadRequest("First argument of function " + std::string(name) + " must be a constant string");
    const std::string separator(asString(*args[0].constant).at(0));
    if (by_char && separator.size() != 1) throwBadRequest("Illegal separator for function splitByChar. Must be exactly one byte.");
    const DataType result = DataType::array(kStringType);
    return ResolvedFunction{result, [separator, result](std::span<const Datum> call, size_t rows) {
                              const size_t n = call[1].is_constant ? 1 : rows;
                              const auto& in = asString(*call[1].column);
                              auto out = std::make_shared<ColumnArray>(result);
                              auto& elements = static_cast<ColumnString&>(out->elements());
                              for (size_t row = 0; row < n; ++row) {
                                const std::string_view value = in.at(row);
                                if (separator.empty()) {
                                  for (size_t i = 0; i < value.size(); ++i) elements.push(value.substr(i, 1));
                                } else {
                                  size_t start = 0;
                                  while (true) {
                                    const size_t found = value.find(separator, start);
                                    if (found == std::string_view::npos) break;
                                    elements.push(value.substr(start, found - start));
                                    start = found + separator.size();
                                  }
                                  elements.push(value.substr(start));
                                }
                                out->finishRow();
                              }
                              return Datum{out, call[1].is_constant};
                            }};
  };
  return definition;
}

// arrayStringConcat(arr[, sep]): NULL elements are skipped, other types print as text.
FunctionDefinition arrayStringConcat() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("arrayStringConcat", args, 1, 2);
    requireArray("arrayStringConcat", args, 0);
    if (args.size() == 2 && (!args[1].type.isStringLike() || !args[1].constant)) {
      throwBadRequest("Second argument of function arrayStringConcat must be a constant string");
    }
    const std::string separator = args.size() == 2 ? std::string(asString(*args[1].constant).at(0)) : "";
    return ResolvedFunction{kStringType, [separator](std::span<const Datum> call, size_t rows) {
                              const size_t n = call[0].is_constant ? 1 : rows;
                              const ColumnArray& array = asArray(*call[0].column);
                              const Column& elements = array.elements();
                              auto out = std::make_shared<ColumnString>(kStringType);
                              std::string buffer;
                              for (size_t row = 0; row < n; ++row) {
                                buffer.clear();
                                bool first = true;
                                for (uint64_t i = rowBegin(array, row); i < rowEnd(array, row); ++i) {
                                  if (elements.isNullAt(i)) continue;
                                  if (!first) buffer += separator;
                                  first = false;
                                  elements.formatText(i, buffer);
                                }
                                out->push(buffer);
                              }
                              return Datum{out, call[0].is_constant};
                            }};
  };
  return definition;
}

// Functions of one array whose result rows are picks from the array's own elements.
template <typename Pick>
FunctionDefinition reshape(const char* name, size_t max_args, Pick pick) {
  FunctionDefinition definition;
  definition.resolve = [name, max_args, pick](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, max_args);
    requireArray(name, args, 0);
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i].type.isInteger()) throwIllegalArgument(name, i, args[i].type);
    }
    const DataType result = args[0].type;
    return ResolvedFunction{result, [result, pick](std::span<const Datum> call, size_t rows) {
                              bool constant = true;
                              std::vector<Datum> extra;
                              for (size_t i = 0; i < call.size(); ++i) {
                                constant &= call[i].is_constant;
                                if (i > 0) extra.push_back(castDatum(call[i], DataType(TypeId::kInt64)));
                              }
                              const size_t n = constant ? 1 : rows;
                              ColumnPtr holder;
                              const ColumnArray& array = materializedArray(call[0], n, holder);
                              const std::vector<std::string> keys = keysOf(array.elements());
                              std::vector<uint32_t> picks;
                              std::vector<uint64_t> ends(n);
                              std::vector<int64_t> parameters(extra.size());
                              for (size_t row = 0; row < n; ++row) {
                                for (size_t i = 0; i < extra.size(); ++i) parameters[i] = valuesOf<int64_t>(extra[i])[extra[i].is_constant ? 0 : row];
                                pick(rowBegin(array, row), rowEnd(array, row), keys, parameters, picks);
                                ends[row] = picks.size();
                              }
                              return Datum{buildArray(result, array.elements(), picks, ends), constant};
                            }};
  };
  return definition;
}

void distinctPicks(uint64_t begin, uint64_t end, const std::vector<std::string>& keys, const std::vector<int64_t>&, std::vector<uint32_t>& picks) {
  std::unordered_set<std::string_view> seen;
  for (uint64_t i = begin; i < end; ++i) {
    if (seen.insert(keys[i]).second) picks.push_back(static_cast<uint32_t>(i));
  }
}

void reversePicks(uint64_t begin, uint64_t end, const std::vector<std::string>&, const std::vector<int64_t>&, std::vector<uint32_t>& picks) {
  for (uint64_t i = end; i > begin; --i) picks.push_back(static_cast<uint32_t>(i - 1));
}

// arraySlice(arr, offset[, length]): 1-based offset, negative from the end; negative length
// stops that many elements before the end.
void slicePicks(uint64_t begin, uint64_t end, const std::vector<std::string>&, const std::vector<int64_t>& parameters, std::vector<uint32_t>& picks) {
  const int64_t size = static_cast<int64_t>(end - begin);
  const int64_t offset = parameters[0];
  if (offset == 0) return;
  int64_t from = offset > 0 ? offset - 1 : size + offset;
  int64_t to = size;
  if (parameters.size() > 1) to = parameters[1] >= 0 ? from + parameters[1] : size + parameters[1];
  from = std::max<int64_t>(from, 0);
  to = std::min(to, size);
  for (int64_t i = from; i < to; ++i) picks.push_back(static_cast<uint32_t>(begin + static_cast<uint64_t>(i)));
}

FunctionDefinition arrayConcat() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("arrayConcat", args, 1, 64);
    std::vector<DataType> types;
    for (size_t i = 0; i < args.size(); ++i) {
      requireArray("arrayConcat", args, i);
      types.push_back(args[i].type.nested());
    }
    const DataType result = DataType::array(commonType("arrayConcat", types));
    return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                              return withArrays(call, rows, &result, [&](const std::vector<const ColumnArray*>& arrays, size_t n) -> ColumnPtr {
                                auto out = std::make_shared<ColumnArray>(result);
                                for (size_t row = 0; row < n; ++row) {
                                  for (const auto* array : arrays) {
                                    const uint64_t begin = rowBegin(*array, row), end = rowEnd(*array, row);
                                    if (end > begin) out->elements().appendRange(array->elements(), begin, end - begin);
                                  }
                                  out->finishRow();
                                }
                                return out;
                              });
                            }};
  };
  return definition;
}

// arrayUniq(arr): the number of distinct elements; arrayEnumerate(arr): [1, 2, ..., length].
FunctionDefinition arrayCounting(const char* name, bool enumerate) {
  FunctionDefinition definition;
  definition.resolve = [name, enumerate](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    requireArray(name, args, 0);
    const DataType result = enumerate ? DataType::array(kUInt32Type) : kUInt64Type;
    return ResolvedFunction{result, [result, enumerate](std::span<const Datum> call, size_t rows) -> Datum {
                              const size_t n = call[0].is_constant ? 1 : rows;
                              const ColumnArray& array = asArray(*call[0].column);
                              if (enumerate) {
                                auto out = std::make_shared<ColumnArray>(result);
                                auto& elements = static_cast<ColumnVector<uint32_t>&>(out->elements()).data();
                                for (size_t row = 0; row < n; ++row) {
                                  for (uint64_t i = rowBegin(array, row); i < rowEnd(array, row); ++i) elements.push_back(static_cast<uint32_t>(i - rowBegin(array, row) + 1));
                                  out->finishRow();
                                }
                                return Datum{out, call[0].is_constant};
                              }
                              const std::vector<std::string> keys = keysOf(array.elements());
                              std::vector<uint64_t> out(n);
                              for (size_t row = 0; row < n; ++row) {
                                std::unordered_set<std::string_view> seen;
                                for (uint64_t i = rowBegin(array, row); i < rowEnd(array, row); ++i) seen.insert(keys[i]);
                                out[row] = seen.size();
                              }
                              return Datum{std::make_shared<ColumnVector<uint64_t>>(result, std::move(out)), call[0].is_constant};
                            }};
  };
  return definition;
}

// emptyArrayString() and friends: a constant empty array.
FunctionDefinition emptyArray(DataType element) {
  FunctionDefinition definition;
  definition.resolve = [element](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("emptyArray", args, 0, 0);
    const DataType result = DataType::array(element);
    return ResolvedFunction{result, [result](std::span<const Datum>, size_t) {
                              auto out = std::make_shared<ColumnArray>(result);
                              out->finishRow();
                              return Datum{out, true};
                            }};
  };
  return definition;
}

// empty(arr) / notEmpty(arr): the string versions registered earlier keep handling strings.
void extendForArrays(FunctionRegistry& registry, const char* name, bool want_empty) {
  const FunctionDefinition* existing = registry.find(name);
  if (!existing) return;
  FunctionDefinition definition = *existing;
  definition.resolve = [original = existing->resolve, want_empty](std::span<const ArgumentInfo> args, const FunctionContext& context) {
    if (args.size() != 1 || !args[0].type.isArray()) return original(args, context);
    return ResolvedFunction{kUInt8Type, [want_empty](std::span<const Datum> call, size_t rows) {
                              const ColumnArray& array = asArray(*call[0].column);
                              const size_t n = call[0].is_constant ? 1 : rows;
                              std::vector<uint8_t> out(n);
                              for (size_t row = 0; row < n; ++row) out[row] = (rowBegin(array, row) == rowEnd(array, row)) == want_empty;
                              return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), call[0].is_constant};
                            }};
  };
  registry.add(name, std::move(definition));
}

}  // namespace

void appendValueKey(const Column& column, size_t row, std::string& out) {
  const DataType& type = column.type();
  switch (type.id()) {
    case TypeId::kNothing: out.push_back('\0'); return;
    case TypeId::kNullable: {
      const auto& nullable = static_cast<const ColumnNullable&>(column);
      if (nullable.isNullAt(row)) {
        out.push_back('\0');
        return;
      }
      out.push_back('\1');
      appendValueKey(nullable.nested(), row, out);
      return;
    }
    case TypeId::kArray: {
      const auto& array = asArray(column);
      const uint64_t begin = rowBegin(array, row), end = rowEnd(array, row);
      const uint64_t count = end - begin;
      out.append(reinterpret_cast<const char*>(&count), sizeof(count));
      for (uint64_t i = begin; i < end; ++i) appendValueKey(array.elements(), i, out);
      return;
    }
    case TypeId::kString:
    case TypeId::kUUID: {
      const std::string_view value = asString(column).at(row);
      const uint64_t size = value.size();
      out.append(reinterpret_cast<const char*>(&size), sizeof(size));
      out.append(value);
      return;
    }
    default:
      dispatchFixed(type, [&](auto tag) {
        using T = decltype(tag);
        T value = asVector<T>(column).data()[row];
        if constexpr (std::is_floating_point_v<T>) {
          if (value == 0) value = 0;  // -0.0 equals 0.0
        }
        out.append(reinterpret_cast<const char*>(&value), sizeof(T));
        return 0;
      });
  }
}

int compareValues(const Column& column, size_t a, size_t b) {
  const DataType& type = column.type();
  switch (type.id()) {
    case TypeId::kNothing: return 0;
    case TypeId::kNullable: {
      const auto& nullable = static_cast<const ColumnNullable&>(column);
      const bool null_a = nullable.isNullAt(a), null_b = nullable.isNullAt(b);
      if (null_a || null_b) return null_a == null_b ? 0 : (null_a ? 1 : -1);
      return compareValues(nullable.nested(), a, b);
    }
    case TypeId::kArray: {
      const auto& array = asArray(column);
      const uint64_t begin_a = rowBegin(array, a), size_a = rowEnd(array, a) - begin_a;
      const uint64_t begin_b = rowBegin(array, b), size_b = rowEnd(array, b) - begin_b;
      for (uint64_t i = 0; i < std::min(size_a, size_b); ++i) {
        // Elements of one column: compare through a two-row view is not possible, so compare keys.
        std::string key_a, key_b;
        appendValueKey(array.elements(), begin_a + i, key_a);
        appendValueKey(array.elements(), begin_b + i, key_b);
        if (key_a != key_b) return compareValues(array.elements(), begin_a + i, begin_b + i);
      }
      return size_a < size_b ? -1 : (size_a > size_b ? 1 : 0);
    }
    case TypeId::kString:
    case TypeId::kUUID: {
      const int order = asString(column).at(a).compare(asString(column).at(b));
      return order < 0 ? -1 : (order > 0 ? 1 : 0);
    }
    default:
      return dispatchFixed(type, [&](auto tag) {
        using T = decltype(tag);
        const T x = asVector<T>(column).data()[a], y = asVector<T>(column).data()[b];
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x) || std::isnan(y)) return std::isnan(x) == std::isnan(y) ? 0 : (std::isnan(x) ? 1 : -1);
        }
        return x < y ? -1 : (y < x ? 1 : 0);
      });
  }
}

const HigherOrderFunction* findHigherOrderFunction(std::string_view name) {
  static const std::unordered_map<std::string, HigherOrderFunction> table = makeHigherOrderFunctions();
  auto it = table.find(std::string(name));
  return it == table.end() ? nullptr : &it->second;
}

void registerArrayFunctions(FunctionRegistry& registry) {
  registry.add("has", findElement("has", false));
  registry.add("indexOf", findElement("indexOf", true));
  registry.add("hasAny", hasAnyAll("hasAny", false));
  registry.add("hasAll", hasAnyAll("hasAll", true));
  registry.add("arrayIntersect", arrayIntersect());
  registry.add("arrayElement", arrayElement());
  registry.add("range", range());
  registry.add("splitByChar", split("splitByChar", true));
  registry.add("splitByString", split("splitByString", false));
  registry.add("arrayStringConcat", arrayStringConcat());
  registry.add("arrayDistinct", reshape("arrayDistinct", 1, distinctPicks));
  registry.add("arrayReverse", reshape("arrayReverse", 1, reversePicks));
  registry.add("arraySlice", reshape("arraySlice", 3, slicePicks));
  registry.add("arrayConcat", arrayConcat());
  registry.add("arrayUniq", arrayCounting("arrayUniq", false));
  registry.add("arrayEnumerate", arrayCounting("arrayEnumerate", true));
  struct Empty {
    const char* name;
    TypeId id;
  };
  static constexpr Empty kEmpty[] = {{"emptyArrayString", TypeId::kString}, {"emptyArrayUInt8", TypeId::kUInt8},
                                     {"emptyArrayUInt32", TypeId::kUInt32}, {"emptyArrayUInt64", TypeId::kUInt64},
                                     {"emptyArrayInt32", TypeId::kInt32},   {"emptyArrayInt64", TypeId::kInt64},
                                     {"emptyArrayFloat64", TypeId::kFloat64}, {"emptyArrayDate", TypeId::kDate},
                                     {"emptyArrayDateTime", TypeId::kDateTime}};
  for (const auto& empty : kEmpty) registry.add(empty.name, emptyArray(DataType(empty.id)));
  extendForArrays(registry, "empty", true);
  extendForArrays(registry, "notEmpty", false);
}

}  // namespace perch
