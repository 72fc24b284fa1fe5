// Regular-expression functions on RE2, as ClickHouse: match, extract, extractAll, countMatches,
// replaceRegexpOne, replaceRegexpAll, multiMatchAny; and the plain-text replaceOne and multiSearchAny.
//
// Patterns use RE2 syntax on UTF-8 text with `.` matching line breaks too (ClickHouse's
// default; `(?-s)` turns that off). A constant pattern is compiled once at bind time; a pattern
// from a column is compiled per distinct value. In replacements `\0`..`\9` insert the whole match
// or a group and `\\` a backslash. replaceRegexpAll follows current ClickHouse for empty matches:
// an empty match is replaced and the scan steps over one character (`replaceRegexpAll('abc', 'x*',
// '-')` is '-a-b-c-').
#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "common/error.h"
#include "exec/function_registry.h"

namespace perch {

namespace {

const DataType kStringType{TypeId::kString};
const DataType kUInt8Type{TypeId::kUInt8};
const DataType kUInt64Type{TypeId::kUInt64};

using RegexPtr = std::shared_ptr<const re2::RE2>;

RegexPtr compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(true);
  auto regex = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!regex->ok()) throwBadRequest("Cannot compile regular expression '" + std::string(pattern) + "': " + regex->error());
  return regex;
}

// Compiled patterns for one batch: the constant one, or one per distinct pattern value.
class RegexSource {
 public:
  explicit RegexSource(RegexPtr constant) : constant_(std::move(constant)) {}
  const re2::RE2& get(std::string_view pattern) {
    if (constant_) return *constant_;
    auto it = cache_.find(std::string(pattern));
    if (it == cache_.end()) {
      if (cache_.size() > 1000) cache_.clear();
      it = cache_.emplace(std::string(pattern), compile(pattern)).first;
    }
    return *it->second;
  }

 private:
  RegexPtr constant_;
  std::unordered_map<std::string, RegexPtr> cache_;
};

void requireStrings(std::string_view name, std::span<const ArgumentInfo> args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].type.isStringLike()) throwIllegalArgument(name, i, args[i].type);
  }
}

RegexPtr constantPattern(std::span<const ArgumentInfo> args, size_t index) {
  return args[index].constant ? compile(asString(*args[index].constant).at(0)) : nullptr;
}

size_t utf8CharLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Runs fn(row, strings...) -> value for string arguments, constant or full.
template <typename Column, typename Fn>
Datum stringRows(std::span<const Datum> call, size_t rows, std::shared_ptr<Column> out, Fn&& fn) {
  bool constant = true;
  for (const auto& arg : call) constant &= arg.is_constant;
  const size_t n = constant ? 1 : rows;
  std::vector<const ColumnString*> columns;
  for (const auto& arg : call) columns.push_back(&asString(*arg.column));
  std::vector<std::string_view> values(call.size());
  for (size_t row = 0; row < n; ++row) {
    for (size_t i = 0; i < call.size(); ++i) values[i] = columns[i]->at(call[i].is_constant ? 0 : row);
    fn(values, *out);
  }
  return Datum{out, constant};
}

// The text extract() and extractAll() take from a match: group 1 when the pattern has groups.
re2::StringPiece extracted(const re2::RE2& regex, const re2::StringPiece* groups) {
  return regex.NumberOfCapturingGroups() > 0 ? groups[1] : groups[0];
}

// A function of `arity` string arguments whose second is a regular expression, evaluated row by
// row. `make_row()` is called once per batch (so a row function may keep buffers); the row function
// `(RegexSource&, values, ResultColumn& out)` appends one value to `out`.
template <typename ResultColumn, typename MakeRow>
FunctionDefinition regexFunction(const char* name, size_t arity, DataType result, MakeRow make_row) {
  FunctionDefinition definition;
  definition.resolve = [name, arity, result, make_row](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, arity, arity);
    requireStrings(name, args);
    RegexPtr constant = constantPattern(args, 1);
    return ResolvedFunction{result, [constant, result, make_row](std::span<const Datum> call, size_t rows) {
                              RegexSource source(constant);
                              auto row = make_row();
                              return stringRows(call, rows, std::make_shared<ResultColumn>(result),
                                                [&](const auto& values, auto& out) { row(source, values, out); });
                            }};
  };
  return definition;
}

FunctionDefinition match() {
  return regexFunction<ColumnVector<uint8_t>>("match", 2, kUInt8Type, [] {
    return [](RegexSource& source, const auto& values, ColumnVector<uint8_t>& out) {
      out.data().push_back(re2::RE2::PartialMatch(re2::StringPiece(values[0].data(), values[0].size()), source.get(values[1])));
    };
  });
}

FunctionDefinition extract() {
  return regexFunction<ColumnString>("extract", 2, kStringType, [] {
    return [](RegexSource& source, const auto& values, ColumnString& out) {
      const re2::RE2& regex = source.get(values[1]);
      const re2::StringPiece text(values[0].data(), values[0].size());
      re2::StringPiece groups[2];
      const int count = std::min(regex.NumberOfCapturingGroups(), 1) + 1;
      if (regex.Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups, count)) {
        const re2::StringPiece piece = extracted(regex, groups);
        out.push(std::string_view(piece.data() ? piece.data() : "", piece.size()));
      } else {
        out.push("");
      }
    };
  });
}

// Calls fn(match groups) for every non-overlapping match; empty matches are skipped over.
template <typename Fn>
void forEachMatch(const re2::RE2& regex, std::string_view value, int count, Fn&& fn) {
  const re2::StringPiece text(value.data(), value.size());
  re2::StringPiece groups[2];
  size_t pos = 0;
  while (pos <= value.size() && regex.Match(text, pos, text.size(), re2::RE2::UNANCHORED, groups, count)) {
    const size_t begin = static_cast<size_t>(groups[0].data() - value.data());
    if (groups[0].empty()) {
      pos = begin + (begin < value.size() ? utf8CharLength(static_cast<unsigned char>(value[begin])) : 1);
      continue;
    }
    fn(groups);
    pos = begin + groups[0].size();
  }
}

FunctionDefinition extractAll() {
  return regexFunction<ColumnArray>("extractAll", 2, DataType::array(kStringType), [] {
    return [](RegexSource& source, const auto& values, ColumnArray& out) {
      const re2::RE2& regex = source.get(values[1]);
      auto& elements = static_cast<ColumnString&>(out.elements());
      const int count = std::min(regex.NumberOfCapturingGroups(), 1) + 1;
      forEachMatch(regex, values[0], count, [&](const re2::StringPiece* groups) {
        const re2::StringPiece piece = extracted(regex, groups);
        elements.push(std::string_view(piece.data() ? piece.data() : "", piece.size()));
      });
      out.finishRow();
    };
  });
}

FunctionDefinition countMatches() {
  return regexFunction<ColumnVector<uint64_t>>("countMatches", 2, kUInt64Type, [] {
    return [](RegexSource& source, const auto& values, ColumnVector<uint64_t>& out) {
      uint64_t count = 0;
      forEachMatch(source.get(values[1]), values[0], 1, [&](const re2::StringPiece*) { ++count; });
      out.data().push_back(count);
    };
  });
}

// Appends `replacement` with \0..\9 substituted from `groups` (`group_count` of them valid).
void appendReplacement(std::string_view replacement, const re2::StringPiece* groups, int group_count, std::string& out) {
  for (size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c == '\\' && i + 1 < replacement.size()) {
      const char next = replacement[i + 1];
      if (next >= '0' && next <= '9') {
        const int group = next - '0';
        if (group < group_count && groups[group].data()) out.append(groups[group].data(), groups[group].size());
        ++i;
        continue;
      }
      if (next == '\\') {
        out.push_back('\\');
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
}

FunctionDefinition replaceRegexp(const char* name, bool all) {
  return regexFunction<ColumnString>(name, 3, kStringType, [all] {
    return [all, buffer = std::string(), groups = std::vector<re2::StringPiece>()](RegexSource& source, const auto& values,
                                                                                   ColumnString& out) mutable {
      const std::string_view value = values[0];
      if (values[1].empty()) {  // an empty pattern replaces nothing
        out.push(value);
        return;
      }
      const re2::RE2& regex = source.get(values[1]);
      const int count = std::min(regex.NumberOfCapturingGroups(), 9) + 1;
      groups.assign(static_cast<size_t>(count), re2::StringPiece());
      const re2::StringPiece text(value.data(), value.size());
      buffer.clear();
      size_t pos = 0;
      while (pos <= value.size() && regex.Match(text, pos, text.size(), re2::RE2::UNANCHORED, groups.data(), count)) {
        const size_t begin = static_cast<size_t>(groups[0].data() - value.data());
        buffer.append(value.substr(pos, begin - pos));
        appendReplacement(values[2], groups.data(), count, buffer);
        pos = begin + groups[0].size();
        if (!all) break;
        if (groups[0].empty()) {
          if (pos >= value.size()) {
            pos = value.size() + 1;
            break;
          }
          const size_t step = std::min(utf8CharLength(static_cast<unsigned char>(value[pos])), value.size() - pos);
          buffer.append(value.substr(pos, step));
          pos += step;
        }
      }
      if (pos < value.size()) buffer.append(value.substr(pos));
      out.push(buffer);
    };
  });
}

// multiSearchAny(haystack, [needles]) / multiMatchAny(haystack, [patterns]): 1 when any needle
// occurs (any pattern matches); the array is a constant.
FunctionDefinition multiAny(const char* name, bool regex) {
  FunctionDefinition definition;
  definition.resolve = [name, regex](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 2, 2);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    if (!args[1].type.isArray() || !args[1].type.nested().isStringLike()) throwIllegalArgument(name, 1, args[1].type);
    if (!args[1].constant) throwBadRequest("Argument 2 of function " + std::string(name) + " must be a constant array of strings");
    const auto& array = static_cast<const ColumnArray&>(*args[1].constant);
    const auto& elements = asString(array.elements());
    std::vector<std::string> needles;
    for (size_t i = 0; i < elements.size(); ++i) needles.emplace_back(elements.at(i));
    std::vector<RegexPtr> patterns;
    if (regex) {
      for (const auto& needle : needles) patterns.push_back(compile(needle));
    }
    return ResolvedFunction{kUInt8Type, [needles, patterns, regex](std::span<const Datum> call, size_t rows) {
                              const auto& in = asString(*call[0].column);
                              const size_t n = call[0].is_constant ? 1 : rows;
                              std::vector<uint8_t> out(n);
                              for (size_t row = 0; row < n; ++row) {
                                const std::string_view value = in.at(row);
                                if (regex) {
                                  const re2::StringPiece text(value.data(), value.size());
                                  out[row] = std::any_of(patterns.begin(), patterns.end(), [&](const RegexPtr& pattern) { return re2::RE2::PartialMatch(text, *pattern); });
                                } else {
                                  out[row] = std::any_of(needles.begin(), needles.end(), [&](const std::string& needle) { return value.find(needle) != std::string_view::npos; });
                                }
                              }
                              return Datum{std::make_shared<ColumnVector<uint8_t>>(kUInt8Type, std::move(out)), call[0].is_constant};
                            }};
  };
  return definition;
}

// replaceOne(haystack, needle, replacement): the first occurrence of a plain string.
FunctionDefinition replaceOne() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("replaceOne", args, 3, 3);
    requireStrings("replaceOne", args);
    return ResolvedFunction{kStringType, [](std::span<const Datum> call, size_t rows) {
                              std::string buffer;
                              return stringRows(call, rows, std::make_shared<ColumnString>(kStringType), [&](const auto& values, auto& out) {
                                const size_t found = values[1].empty() ? std::string_view::npos : values[0].find(values[1]);
                                if (found == std::string_view::npos) {
                                  out.push(values[0]);
                                  return;
                                }
                                buffer.assign(values[0].substr(0, found));
                                buffer.append(values[2]);
                                buffer.append(values[0].substr(found + values[1].size()));
                                out.push(buffer);
                              });
                            }};
  };
  return definition;
}

}  // namespace

void registerRegexFunctions(FunctionRegistry& registry) {
  registry.add("match", match());
  registry.add("extract", extract());
  registry.add("extractAll", extractAll());
  registry.add("countMatches", countMatches());
  registry.add("replaceRegexpOne", replaceRegexp("replaceRegexpOne", false));
  registry.add("replaceRegexpAll", replaceRegexp("replaceRegexpAll", true));
  registry.alias("REGEXP_REPLACE", "replaceRegexpAll", true);
  registry.add("replaceOne", replaceOne());
  registry.add("multiSearchAny", multiAny("multiSearchAny", false));
  registry.add("multiMatchAny", multiAny("multiMatchAny", true));
}

}  // namespace perch
