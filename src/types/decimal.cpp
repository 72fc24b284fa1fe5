#include "types/decimal.h"

#include <algorithm>
#include <limits>

namespace perch {

DecimalWide decimalPowerOfTen(unsigned power) {
  DecimalWide value = 1;
  for (unsigned i = 0; i < power; ++i) value *= 10;
  return value;
}

unsigned decimalStorageDigits(const DataType& type) {
  switch (type.fixedWidth()) {
    case 4: return 9;
    case 8: return 18;
    default: return 38;
  }
}

DecimalWide decimalStorageMax(const DataType& type) {
  switch (type.fixedWidth()) {
    case 4: return std::numeric_limits<int32_t>::max();
    case 8: return std::numeric_limits<int64_t>::max();
    default: return std::numeric_limits<Int128>::max();
  }
}

DecimalWide decimalStorageMin(const DataType& type) {
  switch (type.fixedWidth()) {
    case 4: return std::numeric_limits<int32_t>::min();
    case 8: return std::numeric_limits<int64_t>::min();
    default: return std::numeric_limits<Int128>::min();
  }
}

void formatDecimal(DecimalWide raw, unsigned scale, std::string& out) {
  // Digits of |raw| from the right; the magnitude of the smallest Int128 still fits unsigned.
  using Magnitude = DecimalWideUnsigned;
  const bool negative = raw < 0;
  Magnitude magnitude = negative ? Magnitude(0) - static_cast<Magnitude>(raw) : static_cast<Magnitude>(raw);
  char digits[48];
  size_t count = 0;
  while (magnitude != 0 || count <= scale) {
    digits[count++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  }
  if (negative) out.push_back('-');
  for (size_t i = count; i-- > 0;) {
    out.push_back(digits[i]);
    if (i == scale && scale != 0) out.push_back('.');
  }
}

namespace {

/// Reads the `[+-]digits` after an 'e' into `exponent`; false when malformed. Magnitudes past 10^6
/// are clamped: any of them is already far beyond 38 digits either way.
bool parseExponent(std::string_view text, int& exponent) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  int magnitude = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    magnitude = std::min(magnitude * 10 + (c - '0'), 1000000);
  }
  exponent = negative ? -magnitude : magnitude;
  return true;
}

}  // namespace

DecimalParseError parseDecimal(std::string_view text, unsigned scale, DecimalWide& raw, unsigned max_digits) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // The number is value * 10^exponent. As in ClickHouse 18.16, zeros after the point count only
  // once a nonzero digit follows them (1.2500 is 125 * 10^-2), so trailing ones never make a value
  // "too small", even when an exponent follows (1.0e0 fits scale 0; 100e-2 does not).
  DecimalWide value = 0;
  unsigned digits = 0, pending_zeros = 0;
  int exponent = 0;
  bool seen_point = false, seen_digit = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return DecimalParseError::kMalformed;
    seen_digit = true;
    if (seen_point && c == '0') {
      ++pending_zeros;
      continue;
    }
    const unsigned places = pending_zeros + 1;
    pending_zeros = 0;
    if (seen_point) exponent -= static_cast<int>(places);
    if (value == 0 && c == '0') continue;  // a leading zero of the integer part
    if (value != 0) digits += places - 1;  // the zeros between significant digits
    if (++digits > max_digits) return DecimalParseError::kTooManyDigits;
    value = value == 0 ? (c - '0') : value * decimalPowerOfTen(places) + (c - '0');
  }
  if (!seen_digit) return DecimalParseError::kMalformed;
  if (i < text.size()) {  // 1e2, 1.5E-1, 2e+3: 18.16 reads an exponent after the digits
    int written_exponent = 0;
    if (!parseExponent(text.substr(i + 1), written_exponent)) return DecimalParseError::kMalformed;
    exponent += written_exponent;
  }
  // 18.16 checks the scale before the value: -0e-5 at scale 2 is "too small" as well.
  if (static_cast<int>(scale) + exponent < 0) return DecimalParseError::kTooManyFractionDigits;
  const unsigned shift = static_cast<unsigned>(static_cast<int>(scale) + exponent);
  // Checked before scaling: 38 digits fit in 128 bits, 39 may not.
  if (value != 0 && digits + shift > max_digits) return DecimalParseError::kTooBig;
  if (value != 0) value *= decimalPowerOfTen(shift);
  raw = negative ? -value : value;
  return DecimalParseError::kNone;
}

std::string_view decimalParseMessage(DecimalParseError error) {
  switch (error) {
    case DecimalParseError::kNone: return "";
    case DecimalParseError::kMalformed: return "Cannot parse Decimal value";
    case DecimalParseError::kTooManyFractionDigits: return "Decimal value is too small";
    case DecimalParseError::kTooManyDigits: return "Too many digits in decimal value";
    case DecimalParseError::kTooBig: return "Decimal value is too big";
  }
  return "";
}

std::optional<DecimalWide> rescaleDecimal(DecimalWide raw, unsigned from_scale, unsigned to_scale) {
  if (to_scale <= from_scale) return raw / decimalPowerOfTen(from_scale - to_scale);
  const DecimalWide factor = decimalPowerOfTen(to_scale - from_scale);
  constexpr DecimalWide kLimit = (DecimalWide(1) << 126);
  if (raw > kLimit / factor || raw < -kLimit / factor) return std::nullopt;
  return raw * factor;
}

}  // namespace perch
