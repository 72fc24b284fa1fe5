// ValueConverter: appends one JSON value (or one text value) to a typed column, converting it the
// way ClickHouse's JSONEachRow input does. On failure nothing is appended and `error` says why.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "types/column.h"

namespace perch::ingest {

/// Appends `value`, parsed from text, to `column` (of type `type`). Used for string JSON values
/// and for DEFAULT constants.
bool appendText(Column& column, const DataType& type, std::string_view value, std::string& error);

/// Appends a JSON element to `column`. `null` is accepted only by Nullable columns.
bool appendJson(Column& column, const DataType& type, simdjson::dom::element value, std::string& error);

}  // namespace perch::ingest
