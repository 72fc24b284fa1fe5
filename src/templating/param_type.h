// ParamType: the types a typed parameter function (`Int32(x)`, `Date(x)`, `Array(x, 'UUID')`)
// validates a request value against, and how a validated value is written into SQL (SPEC §4.2).
// validateParam is the gate every typed value passes: it either returns a Value whose `sql` is
// safe to paste into the statement (a validated number, or an escaped literal) or throws
// `Error validating '<value>' to type <T>`. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "templating/value.h"

namespace perch::templating {

enum class ParamType : uint8_t {
  kString,
  kBoolean,
  kInt,  // Int()/Integer(): a bare Int32
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kInt128,
  kInt256,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kUInt128,
  kUInt256,
  kFloat32,
  kFloat64,
  kDate,
  kDateTime,
  kDateTime64,
  kUUID,
};

/// Where the validated value is printed: `{{ Int32(x) }}` -> `toInt32('5')`, but inside
/// `Array(x, 'Int32')` -> `5`.
enum class ParamForm : uint8_t { kScalar, kArrayElement };

/// The type named by an element type string of `Array(x, 'Int32')` (ClickHouse spelling; also
/// `Int`, `Integer` and `Boolean`/`Bool`).
std::optional<ParamType> paramTypeFromName(std::string_view name);
/// The ClickHouse-style name used in messages and docs ("Int32" for Int()/Integer()).
std::string_view paramTypeName(ParamType type);

/// Validates `raw` (the request text) as `type`. The result's plain value is the parsed value
/// (int, float, bool or str) and its `sql` is the text to print in `form`.
Value validateParam(ParamType type, std::string_view raw, ParamForm form);

}  // namespace perch::templating
