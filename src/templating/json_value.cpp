#include "templating/json_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "templating/template_error.h"

namespace perch::templating {
namespace {

constexpr int kMaxDepth = 32;

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  Value document() {
    Value value = parseValue(0);
    skipSpace();
    if (pos_ != text_.size()) fail();
    return value;
  }

 private:
  [[noreturn]] void fail() const {
    throw TemplateError("Error validating '" + quoteForMessage(text_) + "' to type JSON");
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value parseValue(int depth) {
    if (depth > kMaxDepth) fail();
    skipSpace();
    if (pos_ >= text_.size()) fail();
    const char c = text_[pos_];
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Value::fromString(parseString());
    if (consume("true")) return Value::fromBool(true);
    if (consume("false")) return Value::fromBool(false);
    if (consume("null")) return Value::none();
    return parseNumber();
  }

  Value parseObject(int depth) {
    ++pos_;
    Dict dict;
    skipSpace();
    if (consume("}")) return Value::fromDict(std::move(dict));
    while (true) {
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail();
      Value key = Value::fromString(parseString());
      skipSpace();
      if (!consume(":")) fail();
      Value value = parseValue(depth + 1);
      bool replaced = false;
      for (auto& entry : dict.entries) {
        if (entry.first.text == key.text) {
          entry.second = value;
          replaced = true;
        }
      }
      if (!replaced) dict.entries.emplace_back(std::move(key), std::move(value));
      skipSpace();
      if (consume("}")) return Value::fromDict(std::move(dict));
      if (!consume(",")) fail();
    }
  }

  Value parseArray(int depth) {
    ++pos_;
    ValueList elements;
    skipSpace();
    if (consume("]")) return Value::list(std::move(elements));
    while (true) {
      elements.push_back(parseValue(depth + 1));
      skipSpace();
      if (consume("]")) return Value::list(std::move(elements));
      if (!consume(",")) fail();
    }
  }

  unsigned readHex4() {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text_.data() + pos_, text_.data() + std::min(text_.size(), pos_ + 4), value, 16);
    if (error != std::errc() || end != text_.data() + pos_ + 4) fail();
    pos_ += 4;
    return value;
  }

  static void appendUtf8(std::string& out, unsigned code_point) {
    if (code_point < 0x80) {
      out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
      out += static_cast<char>(0xC0 | (code_point >> 6));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
      out += static_cast<char>(0xE0 | (code_point >> 12));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code_point >> 18));
      out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
  }

  std::string parseString() {
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail();
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail();
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail();
      const char escaped = text_[pos_++];
      switch (escaped) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code_point = readHex4();
          if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            if (!consume("\\u")) fail();
            const unsigned low = readHex4();
            if (low < 0xDC00 || low > 0xDFFF) fail();
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
            fail();
          }
          appendUtf8(out, code_point);
          break;
        }
        default: fail();
      }
    }
  }

  Value parseNumber() {
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    const size_t integer_digits = digits();
    if (integer_digits == 0 || (integer_digits > 1 && text_[pos_ - integer_digits] == '0')) fail();
    bool is_float = false;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      is_float = true;
      if (digits() == 0) fail();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail();
    }
    const std::string number(text_.substr(start, pos_ - start));
    if (!is_float) {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (error == std::errc() && end == number.data() + number.size()) return Value::fromInt(value);
    }
    return Value::fromFloat(std::strtod(number.c_str(), nullptr));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", static_cast<unsigned char>(c));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

Value parseJson(std::string_view text) { return JsonReader(text).document(); }

void appendJson(std::string& out, const Value& value) {
  switch (value.kind) {
    case ValueKind::kUndefined:
    case ValueKind::kNone: out += "null"; return;
    case ValueKind::kBool: out += value.boolean ? "true" : "false"; return;
    case ValueKind::kInt: out += std::to_string(value.integer); return;
    case ValueKind::kFloat: out += std::isfinite(value.real) ? formatFloat(value.real) : "null"; return;
    case ValueKind::kString: appendJsonString(out, value.text); return;
    case ValueKind::kList:
    case ValueKind::kTuple: {
      out += '[';
      bool first = true;
      for (const Value& element : value.elements()) {
        if (!first) out += ',';
        first = false;
        appendJson(out, element);
      }
      out += ']';
      return;
    }
    case ValueKind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, entry] : value.dict->entries) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, pythonStr(key));
        out += ':';
        appendJson(out, entry);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace perch::templating
