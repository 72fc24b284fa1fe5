// JsonValue, parseJson and toJson: a small, strict JSON (RFC 8259) reader and writer for untrusted
// input such as JWT headers and payloads, request bodies and the token file.
//
// Strict means: exactly one value with optional surrounding whitespace (space, tab, CR, LF); no
// comments, trailing commas, single quotes, NaN/Infinity, leading zeros or '+' signs; strings must be
// valid UTF-8 (no overlong forms, no encoded surrogates, nothing above U+10FFFF), control characters
// must be escaped, and a \uD800-\uDFFF escape must be half of a proper surrogate pair. A key repeated
// in one object is an error (RFC 8259 leaves it open; JWT validators that pick "the last one" are a
// classic bypass). Nesting depth and the total number of values are capped by JsonLimits, so hostile
// input costs bounded time, stack and memory. Every failure throws perch::Error(kBadRequest).
//
// Numbers keep their exact source text, so callers can tell 1 from 1.0 or 1e0 and never lose
// precision; isInteger/asInt64/asDouble interpret it on demand. Objects keep members in source order.
//
// Thread-safety: JsonValue is a plain value type with no internal synchronization (share it read-only
// or not at all). parseJson and toJson are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace perch {

struct JsonLimits {
  /// Deepest nesting of arrays/objects accepted; a top-level object or array is depth 1, a scalar
  /// depth 0. Values above kMaxSupportedDepth are treated as kMaxSupportedDepth (the parser recurses).
  size_t max_depth = 64;
  /// Most values (scalars, arrays and objects; keys not counted) in one document.
  size_t max_elements = 1'000'000;
  /// A key repeated in one object is an error by default (see above). Readers that must behave like
  /// Python's json.loads (template parameters) set this: the last value wins, at the first key's place.
  bool last_duplicate_key_wins = false;

  static constexpr size_t kMaxSupportedDepth = 512;
};

class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  /// Null.
  JsonValue() = default;

  static JsonValue fromBool(bool value);
  static JsonValue fromString(std::string value);
  static JsonValue fromInt64(int64_t value);
  /// Shortest text that reads back as the same double; throws Error(kBadRequest) on NaN or infinity.
  static JsonValue fromDouble(double value);
  /// Throws Error(kBadRequest) unless `text` is exactly one JSON number.
  static JsonValue fromNumberText(std::string_view text);
  static JsonValue fromArray(Array items);
  /// Throws Error(kBadRequest) if two members share a key.
  static JsonValue fromObject(Object members);

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  bool isNull() const { return kind() == Kind::kNull; }
  bool isBool() const { return kind() == Kind::kBool; }
  bool isNumber() const { return kind() == Kind::kNumber; }
  bool isString() const { return kind() == Kind::kString; }
  bool isArray() const { return kind() == Kind::kArray; }
  bool isObject() const { return kind() == Kind::kObject; }

  // The accessors below throw Error(kBadRequest) when the value is of another kind.
  bool asBool() const;
  /// The number exactly as written in the source (or as produced by fromInt64/fromDouble).
  const std::string& numberText() const;
  /// A number written without fraction or exponent ("1", "-0"; not "1.0" or "1e3").
  bool isInteger() const;
  /// Throws Error(kBadRequest) unless isInteger() and the value fits in int64_t.
  int64_t asInt64() const;
  /// Throws Error(kBadRequest) when the magnitude overflows or underflows a double.
  double asDouble() const;
  const std::string& asString() const;
  const Array& asArray() const;
  const Object& asObject() const;

  /// The member called `key` of an object, or nullptr (also for non-objects).
  const JsonValue* find(std::string_view key) const;

  friend bool operator==(const JsonValue&, const JsonValue&) = default;

 private:
  struct Number {
    std::string text;
    friend bool operator==(const Number&, const Number&) = default;
  };
  // Alternative order must match Kind.
  std::variant<std::monostate, bool, Number, std::string, Array, Object> value_;
};

/// Parses exactly one JSON document. Throws Error(kBadRequest, "invalid JSON: ...") on any syntax
/// error, invalid UTF-8 or escape, duplicate key, trailing garbage, or when a limit is exceeded.
/// Error messages carry an offset but never echo the input.
JsonValue parseJson(std::string_view text, const JsonLimits& limits = {});

/// Length of the JSON number (RFC 8259 §6 grammar) at the start of `text`, or 0 if there is none.
size_t jsonNumberLength(std::string_view text);

/// Compact serialization (no whitespace). Non-ASCII UTF-8 is written as is; control characters, '"'
/// and '\\' are escaped. Throws Error(kBadRequest) if a string or key is not valid UTF-8.
std::string toJson(const JsonValue& value);

}  // namespace perch
