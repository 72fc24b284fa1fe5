// CSV for `POST /v0/datasources?format=csv` (SPEC §8.2): RFC 4180 records (fields separated by
// commas, optionally double-quoted, `""` inside quotes for a quote, CRLF or LF line ends, newlines
// inside quoted fields), turned into the NDJSON the EventDecoder already understands, so CSV rows get
// exactly the same type conversion, DEFAULTs and quarantine as events.
//
// Columns: when the first record consists only of the data source's column names it is a header and
// maps fields by name (columns it does not name get their DEFAULT); otherwise fields follow the
// schema's column order. A field maps to the column *name* (`$.<name>` in the produced JSON, so the
// caller decodes with a decoder built on names, not the datafile's jsonpaths). Like ClickHouse's
// defaults: an empty unquoted field is missing (the column's DEFAULT, NULL for Nullable), `\N` is NULL,
// a quoted empty field is the empty string. A record with more fields than columns, or an unterminated
// quote, becomes a line of invalid JSON, so the decoder quarantines that row and keeps the rest.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace perch::ingest {

/// Splits `text` into records of fields. `ok` is false for a record with an unterminated quote (it
/// then runs to the end of the input).
struct CsvRecord {
  std::vector<std::string> fields;
  std::vector<bool> quoted;  // per field: was it written in double quotes
  bool ok = true;
};
std::vector<CsvRecord> readCsv(std::string_view text);

/// The NDJSON equivalent of `text` for a data source with `column_names` (see the header comment).
std::string csvToNdjson(std::string_view text, const std::vector<std::string>& column_names);

}  // namespace perch::ingest
