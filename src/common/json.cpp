#include "common/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "common/error.h"
#include "common/utf8.h"

namespace perch {
namespace {

[[noreturn]] void throwKind(const char* wanted) {
  throw Error(ErrorCode::kBadRequest, std::string("JSON value is not ") + wanted);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Length of the JSON number at the start of `text` (grammar of RFC 8259 §6), or 0 if there is none.
size_t scanNumber(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i >= n || !isDigit(text[i])) return 0;
  if (text[i] == '0') {
    ++i;
  } else {
    while (i < n && isDigit(text[i])) ++i;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (i >= n || !isDigit(text[i])) return 0;
    while (i < n && isDigit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= n || !isDigit(text[i])) return 0;
    while (i < n && isDigit(text[i])) ++i;
  }
  return i;
}

/// Python's dict semantics for a repeated key: one member per key, at the position of the key's first
/// occurrence, holding the value of its last. Sorting member indexes keeps hostile input O(n log n).
void keepLastValueOfEachKey(JsonValue::Object& members) {
  std::vector<size_t> order(members.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return members[a].first < members[b].first; });
  std::vector<bool> dropped(members.size(), false);
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && members[order[end]].first == members[order[start]].first) ++end;
    if (end - start > 1) {
      members[order[start]].second = std::move(members[order[end - 1]].second);
      for (size_t i = start + 1; i < end; ++i) dropped[order[i]] = true;
    }
    start = end;
  }
  size_t kept = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if (dropped[i]) continue;
    if (kept != i) members[kept] = std::move(members[i]);
    ++kept;
  }
  members.resize(kept);
}

/// Recursive-descent parser over one document. Depth is bounded by JsonLimits, so recursion is too.
class Parser {
 public:
  Parser(std::string_view text, const JsonLimits& limits)
      : text_(text),
        max_depth_(std::min(limits.max_depth, JsonLimits::kMaxSupportedDepth)),
        max_elements_(limits.max_elements),
        last_duplicate_key_wins_(limits.last_duplicate_key_wins) {}

  JsonValue parseDocument() {
    skipWhitespace();
    JsonValue value = parseValue(0);
    skipWhitespace();
    if (position_ != text_.size()) fail("unexpected data after the value");
    return value;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw Error(ErrorCode::kBadRequest, "invalid JSON: " + std::string(what) + " at offset " + std::to_string(position_));
  }

  void skipWhitespace() {
    while (position_ < text_.size()) {
      const char c = text_[position_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++position_;
    }
  }

  bool consume(char c) {
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }

  void expectLiteral(std::string_view literal) {
    if (text_.substr(position_, literal.size()) != literal) fail("invalid literal");
    position_ += literal.size();
  }

  JsonValue parseValue(size_t depth) {
    if (++elements_ > max_elements_) fail("too many values");
    if (position_ >= text_.size()) fail("unexpected end of input");
    switch (text_[position_]) {
      case '{': return parseObject(depth + 1);
      case '[': return parseArray(depth + 1);
      case '"': return JsonValue::fromString(parseString());
      case 't': expectLiteral("true"); return JsonValue::fromBool(true);
      case 'f': expectLiteral("false"); return JsonValue::fromBool(false);
      case 'n': expectLiteral("null"); return JsonValue();
      default: break;
    }
    const size_t length = scanNumber(text_.substr(position_));
    if (length == 0) fail("unexpected character");
    JsonValue number = JsonValue::fromNumberText(text_.substr(position_, length));
    position_ += length;
    return number;
  }

  JsonValue parseArray(size_t depth) {
    if (depth > max_depth_) fail("nesting too deep");
    ++position_;  // '['
    JsonValue::Array items;
    skipWhitespace();
    if (consume(']')) return JsonValue::fromArray(std::move(items));
    while (true) {
      skipWhitespace();
      items.push_back(parseValue(depth));
      skipWhitespace();
      if (consume(']')) break;
      if (!consume(',')) fail("expected ',' or ']'");
    }
    return JsonValue::fromArray(std::move(items));
  }

  JsonValue parseObject(size_t depth) {
    if (depth > max_depth_) fail("nesting too deep");
    ++position_;  // '{'
    JsonValue::Object members;
    skipWhitespace();
    if (consume('}')) return JsonValue::fromObject(std::move(members));
    while (true) {
      skipWhitespace();
      if (position_ >= text_.size() || text_[position_] != '"') fail("expected a string key");
      std::string key = parseString();
      skipWhitespace();
      if (!consume(':')) fail("expected ':'");
      skipWhitespace();
      members.emplace_back(std::move(key), parseValue(depth));
      skipWhitespace();
      if (consume('}')) break;
      if (!consume(',')) fail("expected ',' or '}'");
    }
    if (last_duplicate_key_wins_) keepLastValueOfEachKey(members);
    return JsonValue::fromObject(std::move(members));  // rejects duplicate keys
  }

  uint32_t parseHex4() {
    if (text_.size() - position_ < 4) fail("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[position_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<uint32_t>(c - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return value;
  }

  void parseEscape(std::string& out) {
    if (position_ >= text_.size()) fail("unterminated string");
    const char c = text_[position_++];
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail("invalid escape");
    }
    uint32_t code_point = parseHex4();
    if (code_point >= 0xDC00 && code_point <= 0xDFFF) fail("lone low surrogate");
    if (code_point >= 0xD800 && code_point <= 0xDBFF) {
      if (text_.substr(position_, 2) != "\\u") fail("lone high surrogate");
      position_ += 2;
      const uint32_t low = parseHex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("lone high surrogate");
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, code_point);
  }

  std::string parseString() {
    ++position_;  // opening quote
    std::string out;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text_.data());
    while (true) {
      // Copy the run of plain ASCII in one go; stop at a quote, backslash, control or non-ASCII byte.
      const size_t run_start = position_;
      while (position_ < text_.size()) {
        const unsigned char b = bytes[position_];
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
        ++position_;
      }
      out.append(text_.data() + run_start, position_ - run_start);
      if (position_ >= text_.size()) fail("unterminated string");
      const unsigned char b = bytes[position_];
      if (b == '"') {
        ++position_;
        return out;
      }
      if (b == '\\') {
        ++position_;
        parseEscape(out);
      } else if (b < 0x20) {
        fail("unescaped control character in string");
      } else {
        const size_t length = utf8SequenceLength(bytes + position_, bytes + text_.size());
        if (length == 0) fail("invalid UTF-8");
        out.append(text_.data() + position_, length);
        position_ += length;
      }
    }
  }

  std::string_view text_;
  size_t position_ = 0;
  size_t max_depth_;
  size_t max_elements_;
  bool last_duplicate_key_wins_;
  size_t elements_ = 0;
};

void writeString(std::string& out, std::string_view text) {
  if (!isValidUtf8(text)) throw Error(ErrorCode::kBadRequest, "cannot write invalid UTF-8 as JSON");
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void writeValue(std::string& out, const JsonValue& value) {
  switch (value.kind()) {
    case JsonValue::Kind::kNull: out += "null"; return;
    case JsonValue::Kind::kBool: out += value.asBool() ? "true" : "false"; return;
    case JsonValue::Kind::kNumber: out += value.numberText(); return;
    case JsonValue::Kind::kString: writeString(out, value.asString()); return;
    case JsonValue::Kind::kArray: {
      out += '[';
      bool first = true;
      for (const JsonValue& item : value.asArray()) {
        if (!first) out += ',';
        first = false;
        writeValue(out, item);
      }
      out += ']';
      return;
    }
    case JsonValue::Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.asObject()) {
        if (!first) out += ',';
        first = false;
        writeString(out, key);
        out += ':';
        writeValue(out, member);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

JsonValue JsonValue::fromBool(bool value) {
  JsonValue result;
  result.value_ = value;
  return result;
}

JsonValue JsonValue::fromString(std::string value) {
  JsonValue result;
  result.value_ = std::move(value);
  return result;
}

JsonValue JsonValue::fromInt64(int64_t value) {
  JsonValue result;
  result.value_ = Number{std::to_string(value)};
  return result;
}

JsonValue JsonValue::fromDouble(double value) {
  if (!std::isfinite(value)) throw Error(ErrorCode::kBadRequest, "JSON numbers must be finite");
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) throw Error(ErrorCode::kInternal, "cannot format a double");
  // to_chars may write "1e+30"; JSON allows the '+', and the shortest form reads back exactly.
  return fromNumberText(std::string_view(buffer, static_cast<size_t>(end - buffer)));
}

JsonValue JsonValue::fromNumberText(std::string_view text) {
  if (text.empty() || scanNumber(text) != text.size()) throw Error(ErrorCode::kBadRequest, "invalid JSON number");
  JsonValue result;
  result.value_ = Number{std::string(text)};
  return result;
}

JsonValue JsonValue::fromArray(Array items) {
  JsonValue result;
  result.value_ = std::move(items);
  return result;
}

JsonValue JsonValue::fromObject(Object members) {
  // Small objects: pairwise check. Large ones: sort views of the keys, so a hostile object with many
  // members costs O(n log n), not O(n^2).
  constexpr size_t kLinearLimit = 16;
  bool duplicate = false;
  if (members.size() <= kLinearLimit) {
    for (size_t i = 0; i < members.size() && !duplicate; ++i) {
      for (size_t j = i + 1; j < members.size(); ++j) {
        if (members[i].first == members[j].first) {
          duplicate = true;
          break;
        }
      }
    }
  } else {
    std::vector<std::string_view> keys;
    keys.reserve(members.size());
    for (const auto& member : members) keys.push_back(member.first);
    std::sort(keys.begin(), keys.end());
    duplicate = std::adjacent_find(keys.begin(), keys.end()) != keys.end();
  }
  if (duplicate) throw Error(ErrorCode::kBadRequest, "invalid JSON: duplicate object key");
  JsonValue result;
  result.value_ = std::move(members);
  return result;
}

bool JsonValue::asBool() const {
  if (!isBool()) throwKind("a boolean");
  return std::get<bool>(value_);
}

const std::string& JsonValue::numberText() const {
  if (!isNumber()) throwKind("a number");
  return std::get<Number>(value_).text;
}

bool JsonValue::isInteger() const {
  if (!isNumber()) return false;
  return std::get<Number>(value_).text.find_first_of(".eE") == std::string::npos;
}

int64_t JsonValue::asInt64() const {
  if (!isInteger()) throwKind("an integer");
  const std::string& text = std::get<Number>(value_).text;
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorCode::kBadRequest, "JSON integer out of the Int64 range");
  }
  return result;
}

double JsonValue::asDouble() const {
  const std::string& text = numberText();
  double result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorCode::kBadRequest, "JSON number out of the Float64 range");
  }
  return result;
}

const std::string& JsonValue::asString() const {
  if (!isString()) throwKind("a string");
  return std::get<std::string>(value_);
}

const JsonValue::Array& JsonValue::asArray() const {
  if (!isArray()) throwKind("an array");
  return std::get<Array>(value_);
}

const JsonValue::Object& JsonValue::asObject() const {
  if (!isObject()) throwKind("an object");
  return std::get<Object>(value_);
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (!isObject()) return nullptr;
  for (const auto& [name, value] : std::get<Object>(value_)) {
    if (name == key) return &value;
  }
  return nullptr;
}

size_t jsonNumberLength(std::string_view text) { return scanNumber(text); }

JsonValue parseJson(std::string_view text, const JsonLimits& limits) {
  return Parser(text, limits).parseDocument();
}

std::string toJson(const JsonValue& value) {
  std::string out;
  writeValue(out, value);
  return out;
}

}  // namespace perch
