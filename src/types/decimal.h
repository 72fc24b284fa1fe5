// Decimal(P, S) values: a signed integer holding value * 10^S (see data_type.h for the storage
// widths). These helpers do the digit work shared by casts, parsing, printing and arithmetic;
// intermediate results are 128-bit so that rescaling and multiplying never overflow silently.
// Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "types/data_type.h"

namespace perch {

using DecimalWide = Int128;
using DecimalWideUnsigned = UInt128;

/// 10^power for power 0..38.
DecimalWide decimalPowerOfTen(unsigned power);

/// The digits ClickHouse lets text put into the storage of `type` (Decimal): 9, 18 or 38.
unsigned decimalStorageDigits(const DataType& type);

/// The largest and smallest raw value the storage of `type` (Decimal) holds.
DecimalWide decimalStorageMax(const DataType& type);
DecimalWide decimalStorageMin(const DataType& type);
inline bool decimalFits(DecimalWide raw, const DataType& type) {
  return raw >= decimalStorageMin(type) && raw <= decimalStorageMax(type);
}

/// Appends raw / 10^scale with exactly `scale` digits after the point (ClickHouse: 1.50, -0.05).
void formatDecimal(DecimalWide raw, unsigned scale, std::string& out);

/// kTooManyDigits: more than 38 digits were written; kTooBig: the value at the scale (after the
/// exponent) needs more than 38 digits.
enum class DecimalParseError { kNone, kMalformed, kTooManyFractionDigits, kTooManyDigits, kTooBig };

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` into raw units of 10^-scale. ClickHouse 18.16
/// rejects more fraction digits than the scale ("Decimal value is too small") rather than
/// rounding, also when they come from a negative exponent (1.25e-1 at scale 2), and more than 38
/// digits in all. Trailing zeros after the point are ignored (1.2500 fits scale 2).
/// `max_digits` is the most digits the target's storage takes (decimalStorageDigits): more written
/// digits are kTooManyDigits, more at the scale kTooBig, as ClickHouse 18.16 reads text.
DecimalParseError parseDecimal(std::string_view text, unsigned scale, DecimalWide& raw, unsigned max_digits = 38);

/// The message ClickHouse gives for each parse error.
std::string_view decimalParseMessage(DecimalParseError error);

/// raw at `from_scale` expressed at `to_scale`; a smaller scale truncates toward zero. Nullopt when
/// the 128-bit intermediate would overflow.
std::optional<DecimalWide> rescaleDecimal(DecimalWide raw, unsigned from_scale, unsigned to_scale);

}  // namespace perch
