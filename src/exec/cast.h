// Conversions between column types with ClickHouse's CAST semantics: numbers by truncation and
// wrap-around, strings parsed strictly (`toInt32('5')`, `toDateTime('2024-01-01 00:00:00')`),
// anything printed to String in its text form, Date <-> DateTime through midnight, Nullable
// wrapped and unwrapped (NULL into a non-Nullable type is an error). Stateless, thread-safe.
#pragma once

#include "exec/datum.h"

namespace perch {

/// What a string that does not parse becomes: an error (CAST, toInt32), 0 (`*OrZero`), NULL (`*OrNull`).
enum class ParseFailure { kThrow, kZero, kNull };

/// `from` converted to `to`; returns `from` itself when the types are equal. With kNull the result
/// type is Nullable(to).
ColumnPtr castColumn(const ColumnPtr& from, const DataType& to, ParseFailure on_failure = ParseFailure::kThrow);
Datum castDatum(const Datum& from, const DataType& to, ParseFailure on_failure = ParseFailure::kThrow);

}  // namespace perch
