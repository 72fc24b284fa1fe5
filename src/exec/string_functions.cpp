// String functions: lower, upper, length, lengthUTF8, empty, notEmpty, concat, substring,
// startsWith, endsWith, position, trim*, replaceAll, reverse, like/notLike/ilike/notILike.
#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"
#include "exec/like_matcher.h"
#include "exec/type_rules.h"

namespace perch {

namespace {

const DataType kStringType{TypeId::kString};
const DataType kUInt8Type{TypeId::kUInt8};
const DataType kUInt64Type{TypeId::kUInt64};

void requireString(std::string_view name, std::span<const ArgumentInfo> args, size_t index) {
  if (!args[index].type.isStringLike()) throwIllegalArgument(name, index, args[index].type);
}

// out row i = fn(value i) for a String argument.
template <typename Fn>
Datum mapStrings(const Datum& arg, size_t rows, Fn&& fn) {
  const auto& in = asString(*arg.column);
  const size_t n = arg.is_constant ? 1 : rows;
  auto out = std::make_shared<ColumnString>(kStringType);
  out->reserve(n);
  std::string buffer;
  for (size_t i = 0; i < n; ++i) {
    buffer.clear();
    fn(in.at(i), buffer);
    out->push(buffer);
  }
  return Datum{out, arg.is_constant};
}

// out row i = fn(value i) -> R for a String argument.
template <typename R, typename Fn>
Datum stringToNumber(const Datum& arg, size_t rows, const DataType& type, Fn&& fn) {
  const auto& in = asString(*arg.column);
  const size_t n = arg.is_constant ? 1 : rows;
  std::vector<R> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = fn(in.at(i));
  return Datum{std::make_shared<ColumnVector<R>>(type, std::move(out)), arg.is_constant};
}

// Two string arguments -> UInt8.
template <typename Fn>
Datum stringPredicate(const Datum& a, const Datum& b, size_t rows, Fn&& fn) {
  const auto& left = asString(*a.column);
  const auto& right = asString(*b.column);
  const bool constant = a.is_constant && b.is_constant;
  const size_t n = constant ? 1 : rows;
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = fn(left.at(a.is_constant ? 0 : i), right.at(b.is_constant ? 0 : i));
  return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), constant};
}

template <typename Fn>
FunctionDefinition unaryString(const char* name, Fn fn) {
  FunctionDefinition definition;
  definition.resolve = [name, fn](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    requireString(name, args, 0);
    return ResolvedFunction{kStringType, [fn](std::span<const Datum> call, size_t rows) { return mapStrings(call[0], rows, fn); }};
  };
  return definition;
}

template <typename R, typename Fn>
FunctionDefinition stringMeasure(const char* name, TypeId result_id, Fn fn) {
  FunctionDefinition definition;
  definition.resolve = [name, result_id, fn](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    const DataType result(result_id);
    if (args[0].type.isArray() && std::string_view(name) == "length") {
      return ResolvedFunction{result, [result](std::span<const Datum> call, size_t rows) {
                                const auto& array = static_cast<const ColumnArray&>(*call[0].column);
                                const size_t n = call[0].is_constant ? 1 : rows;
                                std::vector<R> out(n);
                                for (size_t i = 0; i < n; ++i) out[i] = static_cast<R>(array.offsets()[i] - (i ? array.offsets()[i - 1] : 0));
                                return Datum{std::make_shared<ColumnVector<R>>(result, std::move(out)), call[0].is_constant};
                              }};
    }
    requireString(name, args, 0);
    return ResolvedFunction{result, [fn, result](std::span<const Datum> call, size_t rows) {
                              return stringToNumber<R>(call[0], rows, result, fn);
                            }};
  };
  return definition;
}

template <typename Fn>
FunctionDefinition binaryPredicate(const char* name, Fn fn) {
  FunctionDefinition definition;
  definition.resolve = [name, fn](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    requireString(name, args, 0);
    requireString(name, args, 1);
    return ResolvedFunction{kUInt8Type, [fn](std::span<const Datum> call, size_t rows) {
                              return stringPredicate(call[0], call[1], rows, fn);
                            }};
  };
  return definition;
}

FunctionDefinition like(const char* name, bool case_insensitive, bool negated) {
  FunctionDefinition definition;
  definition.resolve = [name, case_insensitive, negated](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    requireString(name, args, 0);
    requireString(name, args, 1);
    std::shared_ptr<const LikeMatcher> matcher;
    if (args[1].constant) matcher = std::make_shared<LikeMatcher>(asString(*args[1].constant).at(0), case_insensitive);
    return ResolvedFunction{kUInt8Type, [matcher, case_insensitive, negated](std::span<const Datum> call, size_t rows) {
                              if (matcher && call[1].is_constant) {
                                return stringPredicate(call[0], call[1], rows, [&](std::string_view value, std::string_view) {
                                  return matcher->matches(value) != negated;
                                });
                              }
                              return stringPredicate(call[0], call[1], rows, [&](std::string_view value, std::string_view pattern) {
                                return LikeMatcher(pattern, case_insensitive).matches(value) != negated;
                              });
                            }};
  };
  return definition;
}

FunctionDefinition concat() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    if (args.empty()) checkArgumentCount("concat", args, 1, 1000);
    return ResolvedFunction{kStringType, [](std::span<const Datum> call, size_t rows) {
                              bool constant = true;
                              std::vector<Datum> parts;
                              for (const auto& arg : call) {
                                constant &= arg.is_constant;
                                parts.push_back(arg.type().isStringLike() ? arg : castDatum(arg, kStringType));
                              }
                              const size_t n = constant ? 1 : rows;
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              std::string buffer;
                              for (size_t i = 0; i < n; ++i) {
                                buffer.clear();
                                for (const auto& part : parts) buffer += asString(*part.column).at(part.is_constant ? 0 : i);
                                out->push(buffer);
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

// substring(s, offset[, length]): 1-based byte offsets; negative offsets count from the end.
FunctionDefinition substring() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("substring", args, 2, 3);
    requireString("substring", args, 0);
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i].type.isInteger()) throwIllegalArgument("substring", i, args[i].type);
    }
    return ResolvedFunction{kStringType, [](std::span<const Datum> call, size_t rows) {
                              const Datum offset = castDatum(call[1], DataType(TypeId::kInt64));
                              const Datum length = call.size() > 2 ? castDatum(call[2], DataType(TypeId::kInt64)) : Datum{};
                              bool constant = call[0].is_constant && call[1].is_constant && (call.size() < 3 || call[2].is_constant);
                              const size_t n = constant ? 1 : rows;
                              const auto& in = asString(*call[0].column);
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              for (size_t i = 0; i < n; ++i) {
                                const std::string_view value = in.at(call[0].is_constant ? 0 : i);
                                const int64_t size = static_cast<int64_t>(value.size());
                                int64_t start = valuesOf<int64_t>(offset)[offset.is_constant ? 0 : i];
                                int64_t begin = start > 0 ? start - 1 : (start < 0 ? size + start : 0);
                                int64_t count = size;
                                if (length.column) {
                                  count = valuesOf<int64_t>(length)[length.is_constant ? 0 : i];
                                  if (start == 0) count = 0;
                                  if (count < 0) count = std::max<int64_t>(0, size + count - begin);
                                }
                                if (begin < 0) {
                                  count += begin;
                                  begin = 0;
                                }
                                if (begin >= size || count <= 0) {
                                  out->push("");
                                } else {
                                  out->push(value.substr(static_cast<size_t>(begin), static_cast<size_t>(std::min(count, size - begin))));
                                }
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

FunctionDefinition position(bool case_insensitive) {
  FunctionDefinition definition;
  definition.resolve = [case_insensitive](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("position", args, 2, 2);
    requireString("position", args, 0);
    requireString("position", args, 1);
    return ResolvedFunction{kUInt64Type, [case_insensitive](std::span<const Datum> call, size_t rows) {
                              const auto& haystacks = asString(*call[0].column);
                              const auto& needles = asString(*call[1].column);
                              const bool constant = call[0].is_constant && call[1].is_constant;
                              const size_t n = constant ? 1 : rows;
                              std::vector<uint64_t> out(n);
                              std::string h, k;
                              for (size_t i = 0; i < n; ++i) {
                                std::string_view haystack = haystacks.at(call[0].is_constant ? 0 : i);
                                std::string_view needle = needles.at(call[1].is_constant ? 0 : i);
                                if (case_insensitive) {
                                  h.assign(haystack);
                                  k.assign(needle);
                                  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                                  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                                  haystack = h;
                                  needle = k;
                                }
                                const size_t found = haystack.find(needle);
                                out[i] = found == std::string_view::npos ? 0 : found + 1;
                              }
                              return Datum{std::make_shared<ColumnVector<uint64_t>>(kUInt64Type, std::move(out)), constant};
                            }};
  };
  return definition;
}

FunctionDefinition replaceAll() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("replaceAll", args, 3, 3);
    for (size_t i = 0; i < 3; ++i) requireString("replaceAll", args, i);
    if (!args[1].constant || !args[2].constant) throwBadRequest("Arguments 2 and 3 of replaceAll must be constants");
    const std::string from(asString(*args[1].constant).at(0));
    const std::string to(asString(*args[2].constant).at(0));
    return ResolvedFunction{kStringType, [from, to](std::span<const Datum> call, size_t rows) {
                              return mapStrings(call[0], rows, [&](std::string_view value, std::string& out) {
                                if (from.empty()) {
                                  out.append(value);
                                  return;
                                }
                                size_t start = 0;
                                while (true) {
                                  const size_t found = value.find(from, start);
                                  if (found == std::string_view::npos) break;
                                  out.append(value.substr(start, found - start));
                                  out.append(to);
                                  start = found + from.size();
                                }
                                out.append(value.substr(start));
                              });
                            }};
  };
  return definition;
}

size_t utf8Length(std::string_view value) {
  size_t count = 0;
  for (char c : value) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bool isSpace(char c) { return c == ' '; }

}  // namespace

void registerStringFunctions(FunctionRegistry& registry) {
  registry.add("lower", unaryString("lower", [](std::string_view value, std::string& out) {
                 for (char c : value) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
               }), true);
  registry.alias("lcase", "lower", true);
  registry.add("upper", unaryString("upper", [](std::string_view value, std::string& out) {
                 for (char c : value) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
               }), true);
  registry.alias("ucase", "upper", true);
  registry.add("reverse", unaryString("reverse", [](std::string_view value, std::string& out) {
                 out.assign(value.rbegin(), value.rend());
               }), true);
  registry.add("trimBoth", unaryString("trimBoth", [](std::string_view value, std::string& out) {
                 while (!value.empty() && isSpace(value.front())) value.remove_prefix(1);
                 while (!value.empty() && isSpace(value.back())) value.remove_suffix(1);
                 out.append(value);
               }));
  registry.alias("trim", "trimBoth", true);
  registry.add("trimLeft", unaryString("trimLeft", [](std::string_view value, std::string& out) {
                 while (!value.empty() && isSpace(value.front())) value.remove_prefix(1);
                 out.append(value);
               }));
  registry.alias("ltrim", "trimLeft", true);
  registry.add("trimRight", unaryString("trimRight", [](std::string_view value, std::string& out) {
                 while (!value.empty() && isSpace(value.back())) value.remove_suffix(1);
                 out.append(value);
               }));
  registry.alias("rtrim", "trimRight", true);
  registry.add("length", stringMeasure<uint64_t>("length", TypeId::kUInt64, [](std::string_view value) -> uint64_t { return value.size(); }), true);
  registry.add("lengthUTF8", stringMeasure<uint64_t>("lengthUTF8", TypeId::kUInt64, [](std::string_view value) -> uint64_t { return utf8Length(value); }));
  registry.alias("char_length", "lengthUTF8", true);
  registry.alias("character_length", "lengthUTF8", true);
  registry.add("empty", stringMeasure<uint8_t>("empty", TypeId::kUInt8, [](std::string_view value) -> uint8_t { return value.empty(); }));
  registry.add("notEmpty", stringMeasure<uint8_t>("notEmpty", TypeId::kUInt8, [](std::string_view value) -> uint8_t { return !value.empty(); }));
  registry.add("startsWith", binaryPredicate("startsWith", [](std::string_view a, std::string_view b) { return a.starts_with(b); }));
  registry.add("endsWith", binaryPredicate("endsWith", [](std::string_view a, std::string_view b) { return a.ends_with(b); }));
  registry.add("like", like("like", false, false));
  registry.add("notLike", like("notLike", false, true));
  registry.add("ilike", like("ilike", true, false));
  registry.add("notILike", like("notILike", true, true));
  registry.add("concat", concat(), true);
  registry.add("substring", substring(), true);
  registry.alias("substr", "substring", true);
  registry.alias("mid", "substring", true);
  registry.add("position", position(false), true);
  registry.alias("locate", "position", true);
  registry.add("positionCaseInsensitive", position(true));
  registry.add("replaceAll", replaceAll());
  registry.alias("replace", "replaceAll", true);
}

}  // namespace perch
