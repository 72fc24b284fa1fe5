// EventDecoder: NDJSON bodies (the Events API, SPEC §8.1) → typed column batches.
//
// Each line is parsed with simdjson; each column's value is found through its jsonpath, converted
// the way ClickHouse would convert it (numbers from strings and back, common date formats), and
// appended to the column. A line that is not JSON, or a value that does not fit its column, is not
// appended: the row goes to the quarantine batch (SPEC §8.1) with every column's raw text and the
// reasons, and the rest of the body is still ingested.
//
// A decoder is immutable after construction and may be shared; decode() is thread-safe (each call
// uses its own parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/table.h"

namespace perch::ingest {

/// One step of a jsonpath: an object key, an array index, or `[:]` (the whole array).
struct PathStep {
  enum class Kind { kKey, kIndex, kAll } kind;
  std::string key;
  size_t index = 0;
};

/// Parses `$`, `$.a.b`, `$.a[0].b`, `$.list[:]`. Throws perch::Error(kBadRequest) when malformed.
std::vector<PathStep> parseJsonPath(std::string_view path);

/// How a missing value is filled: the type's zero, a constant, or the time of ingestion.
struct ColumnDefault {
  enum class Kind { kZero, kConstant, kNow, kToday } kind = Kind::kZero;
  std::string constant;  // the literal's text value (already unquoted)
};

/// Parses a DEFAULT expression: a string or number literal, `now()`, `now64(...)`, `today()`,
/// `toDateTime(<literal>)`, `toDate(<literal>)`, `toDateTime64(<literal>, n)`. Throws perch::Error
/// naming the expression when unsupported or when the literal does not fit `type`.
ColumnDefault parseDefault(std::string_view expression, const DataType& type);

struct IngestColumn {
  std::string name;
  DataType type;
  std::string json_path;
  ColumnDefault default_value;
  bool has_default = false;  // a DEFAULT was declared (null then means "use it")
};

struct DecodeResult {
  Batch rows;        // one column per schema column
  Batch quarantine;  // quarantineSchema() columns
  size_t successful_rows = 0;
  size_t quarantined_rows = 0;
};

/// The schema of `<ds>_quarantine`: every column as Nullable(String), then c__error_column,
/// c__error, c__import_id and insertion_date.
TableSchema quarantineSchema(const TableSchema& schema);

class EventDecoder {
 public:
  /// Throws perch::Error(kBadRequest) when a jsonpath is malformed.
  explicit EventDecoder(std::vector<IngestColumn> columns);

  const TableSchema& schema() const { return schema_; }
  const TableSchema& quarantine() const { return quarantine_schema_; }

  /// Decodes an NDJSON body. `now_seconds` fills now()/today() defaults and insertion_date;
  /// `import_id` is recorded with quarantined rows.
  DecodeResult decode(std::string_view body, int64_t now_seconds, std::string_view import_id) const;

 private:
  std::vector<IngestColumn> columns_;
  std::vector<std::vector<PathStep>> paths_;
  TableSchema schema_;
  TableSchema quarantine_schema_;
};

}  // namespace perch::ingest
