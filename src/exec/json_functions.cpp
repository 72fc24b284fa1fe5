// JSON functions with ClickHouse's JSONExtract* semantics: JSONHas, JSONLength, JSONExtractString,
// JSONExtractInt/UInt/Float/Bool, JSONExtractRaw, JSONExtractArrayRaw, JSONExtractKeys and the typed
// JSONExtract(json, path..., 'Type') for String, numbers, Bool, Nullable(T) and Array(T).
//
// Every argument after the document is one step of a path: a String selects an object member by
// key, an integer selects the N-th element of an array or member of an object (1-based; negative
// counts from the end; 0 selects nothing). An invalid document, a missing value or a value of the
// wrong kind gives the type's default ('' / 0 / []); numbers written as strings ("42") are parsed,
// floats are truncated towards zero for the integer functions, booleans convert to 0/1.
//
// JSONExtractString (and JSONExtract(..., 'String')) return non-string values as raw JSON, as
// ClickHouse does since 21.11. Raw output is re-serialized like ClickHouse's: no whitespace,
// strings re-escaped, floats in shortest form.
//
// The parser is a small validating recursive-descent scanner over the text: elements are spans
// of the original document, decoded only when a function needs their value.
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/json.h"
#include "common/utf8.h"
#include "exec/cast.h"
#include "exec/function_registry.h"
#include "exec/kernel_loops.h"

namespace perch {

namespace {

constexpr size_t kMaxDepth = 1024;  // as simdjson, which ClickHouse uses

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonElement {
  JsonKind kind = JsonKind::kNull;
  std::string_view text;  // the element as written
};

class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : text_(text) {}

  /// Validates the whole document; returns the root element.
  bool parseDocument(JsonElement& root) {
    pos_ = 0;
    if (!value(root, 0)) return false;
    skipSpace();
    return pos_ == text_.size();
  }

  /// Elements of a validated array or object value (for objects, keys as raw quoted strings).
  template <typename Fn>
  static void forEachChild(const JsonElement& parent, Fn&& fn) {
    JsonScanner scanner(parent.text);
    scanner.pos_ = 1;
    scanner.skipSpace();
    if (scanner.peek() == ']' || scanner.peek() == '}') return;
    while (true) {
      JsonElement key, child;
      if (parent.kind == JsonKind::kObject) {
        scanner.value(key, 0);
        scanner.skipSpace();
        ++scanner.pos_;  // ':'
      }
      scanner.value(child, 0);
      if (!fn(key.text, child)) return;
      scanner.skipSpace();
      if (scanner.peek() != ',') return;
      ++scanner.pos_;
    }
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool string() {
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        const char escaped = text_[pos_++];
        if (escaped == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (pos_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[pos_++]))) return false;
          }
        } else if (!std::strchr("\"\\/bfnrt", escaped)) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const size_t length = jsonNumberLength(text_.substr(pos_));
    pos_ += length;
    return length > 0;
  }
  // The members of an object (keyed) or the elements of an array, from the opening bracket at pos_
  // through `close`.
  bool sequence(char close, bool keyed, size_t depth) {
    ++pos_;
    skipSpace();
    if (peek() == close) {
      ++pos_;
      return true;
    }
    while (true) {
      if (keyed) {
        skipSpace();
        if (peek() != '"' || !string()) return false;
        skipSpace();
        if (peek() != ':') return false;
        ++pos_;
      }
      JsonElement child;
      if (!value(child, depth + 1)) return false;
      skipSpace();
      if (peek() == close) {
        ++pos_;
        return true;
      }
      if (peek() != ',') return false;
      ++pos_;
    }
  }
  bool value(JsonElement& out, size_t depth) {
    if (depth > kMaxDepth) return false;
    skipSpace();
    const size_t start = pos_;
    bool ok = false;
    switch (peek()) {
      case '{': out.kind = JsonKind::kObject; ok = sequence('}', /*keyed=*/true, depth); break;
      case '[': out.kind = JsonKind::kArray; ok = sequence(']', /*keyed=*/false, depth); break;
      case '"': out.kind = JsonKind::kString; ok = string(); break;
      case 't': out.kind = JsonKind::kBool; ok = literal("true"); break;
      case 'f': out.kind = JsonKind::kBool; ok = literal("false"); break;
      case 'n': out.kind = JsonKind::kNull; ok = literal("null"); break;
      default: out.kind = JsonKind::kNumber; ok = number(); break;
    }
    if (!ok) return false;
    out.text = text_.substr(start, pos_ - start);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The value of a validated JSON string token (quotes included in `token`).
void unescape(std::string_view token, std::string& out) {
  for (size_t i = 1; i + 1 < token.size(); ++i) {
    const char c = token[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    const char escaped = token[++i];
    switch (escaped) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t code = 0;
        std::from_chars(token.data() + i + 1, token.data() + i + 5, code, 16);
        i += 4;
        if (code >= 0xD800 && code < 0xDC00 && i + 6 < token.size() && token[i + 1] == '\\' && token[i + 2] == 'u') {
          uint32_t low = 0;
          std::from_chars(token.data() + i + 3, token.data() + i + 7, low, 16);
          if (low >= 0xDC00 && low < 0xE000) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        appendUtf8(out, code);
        break;
      }
      default: out.push_back(escaped); break;
    }
  }
}

void appendEscaped(std::string_view value, std::string& out) {
  out.push_back('"');
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '/': out += "\\/"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else if (c == 0xE2 && i + 2 < value.size() && static_cast<unsigned char>(value[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(value[i + 2]) == 0xA8 || static_cast<unsigned char>(value[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// The element re-serialized as ClickHouse's JSONExtractRaw does: no whitespace, strings
// re-escaped ('/' as "\/"), integers as written, other numbers in shortest Float64 form (200.0 -> 200).
void serialize(const JsonElement& element, std::string& out) {
  switch (element.kind) {
    case JsonKind::kNull:
    case JsonKind::kBool: out.append(element.text); return;
    case JsonKind::kNumber: {
      int64_t signed_value = 0;
      uint64_t unsigned_value = 0;
      const char* begin = element.text.data();
      const char* end = begin + element.text.size();
      if (auto [p, e] = std::from_chars(begin, end, signed_value); e == std::errc() && p == end) {
        out += std::to_string(signed_value);
      } else if (auto [q, f] = std::from_chars(begin, end, unsigned_value); f == std::errc() && q == end) {
        out += std::to_string(unsigned_value);
      } else {
        double value = 0;
        std::from_chars(begin, end, value);
        ColumnVector<double>(DataType(TypeId::kFloat64), std::vector<double>{value}).formatText(0, out);
      }
      return;
    }
    case JsonKind::kString: {
      std::string value;
      unescape(element.text, value);
      appendEscaped(value, out);
      return;
    }
    case JsonKind::kArray:
    case JsonKind::kObject: {
      const bool object = element.kind == JsonKind::kObject;
      out.push_back(object ? '{' : '[');
      bool first = true;
      std::string key;
      JsonScanner::forEachChild(element, [&](std::string_view raw_key, const JsonElement& child) {
        if (!first) out.push_back(',');
        first = false;
        if (object) {
          key.clear();
          unescape(raw_key, key);
          appendEscaped(key, out);
          out.push_back(':');
        }
        serialize(child, out);
        return true;
      });
      out.push_back(object ? '}' : ']');
      return;
    }
  }
}

// JSONExtractString: a string's value; any other value but null as its raw JSON (ClickHouse 21.11+).
bool extractString(const JsonElement& element, std::string& out) {
  if (element.kind == JsonKind::kNull) return false;
  if (element.kind == JsonKind::kString) unescape(element.text, out);
  else serialize(element, out);
  return true;
}

// One path step for one row.
struct PathStep {
  bool is_key = false;
  std::string_view key;
  int64_t index = 0;
};

bool step(const JsonElement& parent, const PathStep& path, JsonElement& out) {
  if (parent.kind != JsonKind::kObject && parent.kind != JsonKind::kArray) return false;
  if (path.is_key) {
    if (parent.kind != JsonKind::kObject) return false;
    bool found = false;
    std::string key;
    JsonScanner::forEachChild(parent, [&](std::string_view raw_key, const JsonElement& child) {
      key.clear();
      unescape(raw_key, key);
      if (key != path.key) return true;
      out = child;
      found = true;
      return false;
    });
    return found;
  }
  if (path.index == 0) return false;
  int64_t count = 0;
  if (path.index < 0) JsonScanner::forEachChild(parent, [&](std::string_view, const JsonElement&) { return ++count, true; });
  const int64_t wanted = path.index > 0 ? path.index : count + path.index + 1;
  if (wanted < 1) return false;
  int64_t position = 0;
  bool found = false;
  JsonScanner::forEachChild(parent, [&](std::string_view, const JsonElement& child) {
    if (++position != wanted) return true;
    out = child;
    found = true;
    return false;
  });
  return found;
}

// Parses the number in `text` (a JSON number or the content of a JSON string) as T; false when
// it is not entirely a number or does not fit.
template <typename T>
bool parseJsonNumber(std::string_view text, T& out) {
  if (text.empty()) return false;
  if constexpr (std::is_integral_v<T>) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (error == std::errc() && end == text.data() + text.size()) return true;
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return false;
  if constexpr (std::is_integral_v<T>) {
    const double truncated = std::trunc(value);
    if (!(truncated >= static_cast<double>(std::numeric_limits<T>::min()) && truncated < static_cast<double>(std::numeric_limits<T>::max()))) return false;
    out = static_cast<T>(truncated);
  } else {
    out = static_cast<T>(value);
  }
  return true;
}

template <typename T>
T numberOf(const JsonElement& element) {
  T value{};
  switch (element.kind) {
    case JsonKind::kNumber:
      if (!parseJsonNumber(element.text, value)) value = T{};
      break;
    case JsonKind::kBool:
      if constexpr (std::is_integral_v<T>) value = static_cast<T>(element.text == "true");
      break;
    case JsonKind::kString: {
      std::string content;
      unescape(element.text, content);
      if (!parseJsonNumber(std::string_view(content), value)) value = T{};
      break;
    }
    default: break;
  }
  return value;
}

// What one function does with the element its path selects (`found` false: no such element).
enum class Extract { kHas, kLength, kString, kInt, kUInt, kFloat, kBool, kRaw, kArrayRaw, kKeys };

DataType resultTypeOf(Extract extract) {
  switch (extract) {
    case Extract::kHas: case Extract::kBool: return DataType(TypeId::kUInt8);
    case Extract::kLength: case Extract::kUInt: return DataType(TypeId::kUInt64);
    case Extract::kInt: return DataType(TypeId::kInt64);
    case Extract::kFloat: return DataType(TypeId::kFloat64);
    case Extract::kString: case Extract::kRaw: return DataType(TypeId::kString);
    case Extract::kArrayRaw: case Extract::kKeys: return DataType::array(DataType(TypeId::kString));
  }
  return DataType(TypeId::kString);
}

FunctionDefinition jsonFunction(const char* name, Extract extract) {
  FunctionDefinition definition;
  definition.resolve = [name, extract](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 64);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    for (size_t i = 1; i < args.size(); ++i) {
      if (!args[i].type.isStringLike() && !args[i].type.isInteger()) throwIllegalArgument(name, i, args[i].type);
    }
    const DataType result = resultTypeOf(extract);
    return ResolvedFunction{result, [extract, result](std::span<const Datum> call, size_t rows) -> Datum {
                              bool constant = true;
                              std::vector<Datum> path;
                              for (size_t i = 0; i < call.size(); ++i) {
                                constant &= call[i].is_constant;
                                if (i == 0) continue;
                                path.push_back(call[i].type().isStringLike() ? call[i] : castDatum(call[i], DataType(TypeId::kInt64)));
                              }
                              const size_t n = constant ? 1 : rows;
                              const auto& documents = asString(*call[0].column);
                              auto out = makeEmptyColumn(result);
                              out->reserve(n);
                              std::vector<PathStep> steps(path.size());
                              std::string buffer;
                              for (size_t row = 0; row < n; ++row) {
                                for (size_t i = 0; i < path.size(); ++i) {
                                  const size_t at = path[i].is_constant ? 0 : row;
                                  steps[i].is_key = path[i].type().isStringLike();
                                  if (steps[i].is_key) steps[i].key = asString(*path[i].column).at(at);
                                  else steps[i].index = valuesOf<int64_t>(path[i])[at];
                                }
                                JsonElement element;
                                JsonScanner scanner(documents.at(call[0].is_constant ? 0 : row));
                                bool found = scanner.parseDocument(element);
                                for (size_t i = 0; found && i < steps.size(); ++i) found = step(element, steps[i], element);
                                buffer.clear();
                                switch (extract) {
                                  case Extract::kHas: static_cast<ColumnVector<uint8_t>&>(*out).data().push_back(found); break;
                                  case Extract::kBool:
                                    static_cast<ColumnVector<uint8_t>&>(*out).data().push_back(
                                        found && (element.kind == JsonKind::kBool ? element.text == "true" : element.kind == JsonKind::kNumber && numberOf<double>(element) != 0));
                                    break;
                                  case Extract::kInt: static_cast<ColumnVector<int64_t>&>(*out).data().push_back(found ? numberOf<int64_t>(element) : 0); break;
                                  case Extract::kUInt: static_cast<ColumnVector<uint64_t>&>(*out).data().push_back(found ? numberOf<uint64_t>(element) : 0); break;
                                  case Extract::kFloat: static_cast<ColumnVector<double>&>(*out).data().push_back(found ? numberOf<double>(element) : 0); break;
                                  case Extract::kLength: {
                                    uint64_t count = 0;
                                    if (found && (element.kind == JsonKind::kArray || element.kind == JsonKind::kObject)) {
                                      JsonScanner::forEachChild(element, [&](std::string_view, const JsonElement&) { return ++count, true; });
                                    }
                                    static_cast<ColumnVector<uint64_t>&>(*out).data().push_back(count);
                                    break;
                                  }
                                  case Extract::kString:
                                    if (found) extractString(element, buffer);
                                    static_cast<ColumnString&>(*out).push(buffer);
                                    break;
                                  case Extract::kRaw:
                                    if (found) serialize(element, buffer);
                                    static_cast<ColumnString&>(*out).push(buffer);
                                    break;
                                  case Extract::kArrayRaw:
                                  case Extract::kKeys: {
                                    auto& array = static_cast<ColumnArray&>(*out);
                                    auto& elements = static_cast<ColumnString&>(array.elements());
                                    const JsonKind wanted = extract == Extract::kKeys ? JsonKind::kObject : JsonKind::kArray;
                                    if (found && element.kind == wanted) {
                                      JsonScanner::forEachChild(element, [&](std::string_view key, const JsonElement& child) {
                                        buffer.clear();
                                        if (extract == Extract::kKeys) unescape(key, buffer);
                                        else serialize(child, buffer);
                                        elements.push(buffer);
                                        return true;
                                      });
                                    }
                                    array.finishRow();
                                    break;
                                  }
                                }
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

// JSONExtract(json, path..., 'Type'): the value converted to Type; a missing value or one of the
// wrong kind gives the type's default, or NULL for Nullable types (also for JSON null).
bool supportedTarget(const DataType& type) {
  if (type.isNullable() || type.isArray()) return supportedTarget(type.nested());
  return type.isStringLike() || type.isNumber() || type.id() == TypeId::kBool;
}

// Appends exactly one row to `out`; returns whether it holds a value taken from `element`.
bool appendJsonValue(const JsonElement* element, const DataType& type, Column& out) {
  if (type.isNullable()) {
    auto& nullable = static_cast<ColumnNullable&>(out);
    if (!element || element->kind == JsonKind::kNull) {
      nullable.appendNull();
      return false;
    }
    const bool ok = appendJsonValue(element, type.nested(), nullable.nested());
    nullable.nullMap().push_back(!ok);
    return ok;
  }
  if (type.isArray()) {
    auto& array = static_cast<ColumnArray&>(out);
    const bool ok = element && element->kind == JsonKind::kArray;
    if (ok) {
      JsonScanner::forEachChild(*element, [&](std::string_view, const JsonElement& child) {
        appendJsonValue(&child, type.nested(), array.elements());
        return true;
      });
    }
    array.finishRow();
    return ok;
  }
  if (type.isStringLike()) {
    std::string value;
    const bool ok = element && extractString(*element, value);
    static_cast<ColumnString&>(out).push(value);
    return ok;
  }
  if (type.id() == TypeId::kBool) {
    const bool ok = element && (element->kind == JsonKind::kBool || element->kind == JsonKind::kNumber);
    const bool value = ok && (element->kind == JsonKind::kBool ? element->text == "true" : numberOf<double>(*element) != 0);
    static_cast<ColumnVector<uint8_t>&>(out).data().push_back(value);
    return ok;
  }
  return dispatchFixed(type, [&](auto tag) {
    using T = decltype(tag);
    T value{};
    bool ok = false;
    if (element && element->kind == JsonKind::kNumber) {
      ok = parseJsonNumber(element->text, value);
    } else if (element && element->kind == JsonKind::kString) {
      std::string content;
      unescape(element->text, content);
      ok = parseJsonNumber(std::string_view(content), value);
    } else if (element && element->kind == JsonKind::kBool && std::is_integral_v<T>) {
      value = static_cast<T>(element->text == "true");
      ok = true;
    }
    static_cast<ColumnVector<T>&>(out).data().push_back(ok ? value : T{});
    return ok;
  });
}

FunctionDefinition jsonExtract() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("JSONExtract", args, 2, 64);
    if (!args[0].type.isStringLike()) throwIllegalArgument("JSONExtract", 0, args[0].type);
    const ArgumentInfo& last = args.back();
    if (!last.type.isStringLike() || !last.constant) throwBadRequest("The last argument of function JSONExtract must be a constant type name");
    const DataType target = DataType::parse(asString(*last.constant).at(0));
    if (!supportedTarget(target)) throwBadRequest("Function JSONExtract does not support type " + target.name() + " yet");
    for (size_t i = 1; i + 1 < args.size(); ++i) {
      if (!args[i].type.isStringLike() && !args[i].type.isInteger()) throwIllegalArgument("JSONExtract", i, args[i].type);
    }
    return ResolvedFunction{target, [target](std::span<const Datum> call, size_t rows) -> Datum {
                              bool constant = true;
                              std::vector<Datum> path;
                              for (size_t i = 0; i + 1 < call.size(); ++i) {
                                constant &= call[i].is_constant;
                                if (i == 0) continue;
                                path.push_back(call[i].type().isStringLike() ? call[i] : castDatum(call[i], DataType(TypeId::kInt64)));
                              }
                              const size_t n = constant ? 1 : rows;
                              const auto& documents = asString(*call[0].column);
                              auto out = makeEmptyColumn(target);
                              std::vector<PathStep> steps(path.size());
                              for (size_t row = 0; row < n; ++row) {
                                for (size_t i = 0; i < path.size(); ++i) {
                                  const size_t at = path[i].is_constant ? 0 : row;
                                  steps[i].is_key = path[i].type().isStringLike();
                                  if (steps[i].is_key) steps[i].key = asString(*path[i].column).at(at);
                                  else steps[i].index = valuesOf<int64_t>(path[i])[at];
                                }
                                JsonElement element;
                                JsonScanner scanner(documents.at(call[0].is_constant ? 0 : row));
                                bool found = scanner.parseDocument(element);
                                for (size_t i = 0; found && i < steps.size(); ++i) found = step(element, steps[i], element);
                                appendJsonValue(found ? &element : nullptr, target, *out);
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

}  // namespace

void registerJsonFunctions(FunctionRegistry& registry) {
  registry.add("JSONHas", jsonFunction("JSONHas", Extract::kHas));
  registry.add("JSONLength", jsonFunction("JSONLength", Extract::kLength));
  registry.add("JSONExtractString", jsonFunction("JSONExtractString", Extract::kString));
  registry.add("JSONExtractInt", jsonFunction("JSONExtractInt", Extract::kInt));
  registry.add("JSONExtractUInt", jsonFunction("JSONExtractUInt", Extract::kUInt));
  registry.add("JSONExtractFloat", jsonFunction("JSONExtractFloat", Extract::kFloat));
  registry.add("JSONExtractBool", jsonFunction("JSONExtractBool", Extract::kBool));
  registry.add("JSONExtractRaw", jsonFunction("JSONExtractRaw", Extract::kRaw));
  registry.add("JSONExtractArrayRaw", jsonFunction("JSONExtractArrayRaw", Extract::kArrayRaw));
  registry.add("JSONExtractKeys", jsonFunction("JSONExtractKeys", Extract::kKeys));
  registry.add("JSONExtract", jsonExtract());
}

}  // namespace perch
