#include "types/decimal.h"

#include <limits>

namespace perch {

DecimalWide decimalPowerOfTen(unsigned power) {
  DecimalWide value = 1;
  for (unsigned i = 0; i < power; ++i) value *= 10;
  return value;
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

DecimalParseError parseDecimal(std::string_view text, unsigned scale, DecimalWide& raw) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  DecimalWide value = 0;
  unsigned digits = 0, fraction_digits = 0;
  bool seen_point = false, seen_digit = false;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return DecimalParseError::kMalformed;
    seen_digit = true;
    if (seen_point && ++fraction_digits > scale) {
      if (c != '0') return DecimalParseError::kTooManyFractionDigits;
      continue;  // trailing zeros past the scale change nothing
    }
    if (value != 0 || c != '0') ++digits;
    if (digits > 38) return DecimalParseError::kTooManyDigits;
    value = value * 10 + (c - '0');
  }
  if (!seen_digit) return DecimalParseError::kMalformed;
  // Checked before scaling: 38 digits fit in 128 bits, 39 may not.
  if (digits + scale - std::min(fraction_digits, scale) > 38) return DecimalParseError::kTooManyDigits;
  value *= decimalPowerOfTen(scale - std::min(fraction_digits, scale));
  raw = negative ? -value : value;
  return DecimalParseError::kNone;
}

std::string_view decimalParseMessage(DecimalParseError error) {
  switch (error) {
    case DecimalParseError::kNone: return "";
    case DecimalParseError::kMalformed: return "Cannot parse Decimal value";
    case DecimalParseError::kTooManyFractionDigits: return "Decimal value is too small";
    case DecimalParseError::kTooManyDigits: return "Too many digits in decimal value";
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
