#include "templating/sql_escaping.h"

#include <cstdint>

namespace perch::templating {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

void appendHexEscape(std::string& out, unsigned char byte) {
  out += "\\x";
  out += kHexDigits[byte >> 4];
  out += kHexDigits[byte & 0x0F];
}

/// Length of the valid UTF-8 sequence starting at text[pos] (2..4), or 0 when it is not one.
/// Rejects overlong forms, surrogates and code points above U+10FFFF (RFC 3629).
size_t validUtf8SequenceLength(std::string_view text, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(pos + 1) < min_second || byte(pos + 1) > max_second) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

/// Appends `text` escaped for a literal delimited by `quote`.
void appendEscaped(std::string& out, std::string_view text, char quote) {
  for (size_t pos = 0; pos < text.size();) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c >= 0x80) {
      const size_t length = validUtf8SequenceLength(text, pos);
      if (length == 0) {
        appendHexEscape(out, c);
        ++pos;
      } else {
        out.append(text.substr(pos, length));
        pos += length;
      }
      continue;
    }
    ++pos;
    switch (c) {
      case '\\': out += "\\\\"; continue;
      case '\'':
      case '"':
      case '`':
        if (c == static_cast<unsigned char>(quote) || (quote == '\'' && c == '"')) out += '\\';
        out += static_cast<char>(c);
        continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      case '\0': out += "\\0"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      appendHexEscape(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

void appendStringLiteral(std::string& out, std::string_view value) {
  out.reserve(out.size() + value.size() + 2);
  out += '\'';
  appendEscaped(out, value, '\'');
  out += '\'';
}

std::string stringLiteral(std::string_view value) {
  std::string out;
  appendStringLiteral(out, value);
  return out;
}

void appendIdentifier(std::string& out, std::string_view name) {
  out += '`';
  appendEscaped(out, name, '`');
  out += '`';
}

void appendQualifiedIdentifier(std::string& out, std::string_view dotted_name) {
  size_t start = 0;
  while (true) {
    const size_t dot = dotted_name.find('.', start);
    appendIdentifier(out, dotted_name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
}

}  // namespace perch::templating
