// String functions: lower, upper, lowerUTF8, upperUTF8, length, lengthUTF8, empty, notEmpty,
// concat, substring, substringUTF8, startsWith, endsWith, position, trim*, replaceAll, reverse, like/notLike/ilike/notILike.
#include <algorithm>
#include <cstring>
#include <vector>

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

// Byte offset of each code point of `value` (a stray byte counts as one), then value.size().
void codePointStarts(std::string_view value, std::vector<size_t>& starts) {
  starts.clear();
  for (size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80 || starts.empty()) starts.push_back(i);
  }
  starts.push_back(value.size());
}

// substring(s, offset[, length]): 1-based offsets in bytes (substringUTF8: in code points);
// negative offsets count from the end.
FunctionDefinition substring(const char* name, bool utf8) {
  FunctionDefinition definition;
  definition.resolve = [name, utf8](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 3);
    requireString(name, args, 0);
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i].type.isInteger()) throwIllegalArgument(name, i, args[i].type);
    }
    return ResolvedFunction{kStringType, [utf8](std::span<const Datum> call, size_t rows) {
                              const Datum offset = castDatum(call[1], DataType(TypeId::kInt64));
                              const Datum length = call.size() > 2 ? castDatum(call[2], DataType(TypeId::kInt64)) : Datum{};
                              bool constant = call[0].is_constant && call[1].is_constant && (call.size() < 3 || call[2].is_constant);
                              const size_t n = constant ? 1 : rows;
                              const auto& in = asString(*call[0].column);
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              std::vector<size_t> starts;
                              for (size_t i = 0; i < n; ++i) {
                                const std::string_view value = in.at(call[0].is_constant ? 0 : i);
                                if (utf8) codePointStarts(value, starts);
                                const int64_t size = static_cast<int64_t>(utf8 ? starts.size() - 1 : value.size());
                                int64_t start = valuesOf<int64_t>(offset)[offset.is_constant ? 0 : i];
                                int64_t begin = start > 0 ? start - 1 : (start < 0 ? size + start : 0);
                                int64_t count = size;
                                if (length.column) {
                                  count = valuesOf<int64_t>(length)[length.is_constant ? 0 : i];
                                  if (start == 0) count = 0;
                                  if (count < 0) count = std::max<int64_t>(0, size + count - begin);
                                }
                                // Before the start: with a length the part before the start counts
                                // (substring('hello', -7, 3) is 'h'); without one the whole string
                                // remains (substring('hello', -7) is 'hello'), as in ClickHouse.
                                if (begin < 0) {
                                  if (length.column) count += begin;
                                  begin = 0;
                                }
                                if (begin >= size || count <= 0) {
                                  out->push("");
                                } else if (utf8) {
                                  const size_t first = starts[static_cast<size_t>(begin)];
                                  out->push(value.substr(first, starts[static_cast<size_t>(begin + std::min(count, size - begin))] - first));
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

// The lower-case partner of an upper-case letter among ASCII and the two-byte UTF-8 scripts whose
// partner has the same length (Latin-1, Latin Extended-A, Greek, Cyrillic), or 0. As in ClickHouse
// 18.16, letters whose partner has another length (İ, ß, ſ, ı) stay as they are.
uint32_t lowerPartner(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c == 0x178) return 0xFF;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  const bool even_upper = (c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
                          (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF);
  const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
  if ((even_upper && c % 2 == 0) || (odd_upper && c % 2 == 1)) return c + 1;
  return 0;
}

// The inverse of lowerPartner, tabulated once (every partner is below U+0800).
uint32_t upperPartner(uint32_t c) {
  static const std::vector<uint16_t> table = [] {
    std::vector<uint16_t> upper(0x800, 0);
    for (uint32_t code = 0; code < 0x800; ++code) {
      if (const uint32_t lower = lowerPartner(code)) upper[lower] = static_cast<uint16_t>(code);
    }
    return upper;
  }();
  return c < table.size() ? table[c] : 0;
}

// lowerUTF8 / upperUTF8: one- and two-byte code points through `partner`; anything else is copied.
template <uint32_t (*kPartner)(uint32_t)>
void changeCaseUTF8(std::string_view value, std::string& out) {
  for (size_t i = 0; i < value.size(); ++i) {
    const auto lead = static_cast<unsigned char>(value[i]);
    if (lead < 0x80) {
      const uint32_t partner = kPartner(lead);
      out.push_back(static_cast<char>(partner ? partner : lead));
      continue;
    }
    if ((lead & 0xE0) == 0xC0 && i + 1 < value.size() && (static_cast<unsigned char>(value[i + 1]) & 0xC0) == 0x80) {
      const uint32_t code = ((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(value[i + 1]) & 0x3Fu);
      const uint32_t partner = kPartner(code);
      if (partner >= 0x80 && partner < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (partner >> 6)));
        out.push_back(static_cast<char>(0x80 | (partner & 0x3F)));
      } else {
        out.append(value.substr(i, 2));
      }
      ++i;
      continue;
    }
    out.push_back(value[i]);
  }
}

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
  registry.add("lowerUTF8", unaryString("lowerUTF8", changeCaseUTF8<lowerPartner>));
  registry.add("upperUTF8", unaryString("upperUTF8", changeCaseUTF8<upperPartner>));
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
  registry.add("substring", substring("substring", false), true);
  registry.add("substringUTF8", substring("substringUTF8", true));
  registry.alias("substr", "substring", true);
  registry.alias("mid", "substring", true);
  registry.add("position", position(false), true);
  registry.alias("locate", "position", true);
  registry.add("positionCaseInsensitive", position(true));
  registry.add("replaceAll", replaceAll());
  registry.alias("replace", "replaceAll", true);
}

}  // namespace perch
