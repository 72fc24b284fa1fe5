// EventDecoder: NDJSON bodies (the Events API, SPEC §8.1) → typed column batches.
//
// Each line is parsed with simdjson; each column's value is found through its jsonpath, converted
// the way ClickHouse would convert it (numbers from strings and back, common date formats), and
// appended to the column. A line that is not JSON, or a value that does not fit its column, is not
// appended: the row goes to the quarantine batch (SPEC §8.1) with every column's raw text and the
// reasons, and the rest of the body is still ingested.
//
// Speed (the Events API's hot path): lines are parsed with a per-thread reused simdjson parser; the
// fields of a row's top-level object are walked once and matched to the `$.key` columns (a field's
// column from the previous row is tried first, as events usually repeat their key order); deeper
// paths are followed per column; values go through ColumnWriter's fast paths; columns are reserved
// for the body's line count. A row that fails anything is handled exactly as by the generic path.
//
// A decoder is immutable after construction and may be shared; decode() is thread-safe (each
// thread uses its own parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/column_writer.h"
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
  /// The columns read from `key` of the top-level object ($.key paths): a sorted index, and for
  /// each such column the next column reading the same key (npos ends the chain).
  struct KeyEntry {
    std::string key;
    size_t column;
  };
  static constexpr size_t kNoColumn = static_cast<size_t>(-1);
  /// The first column whose path is `$.<key>`, or kNoColumn.
  size_t columnForKey(std::string_view key) const;

  std::vector<IngestColumn> columns_;
  std::vector<std::vector<PathStep>> paths_;
  std::vector<ColumnWriter> writers_;
  std::vector<bool> top_level_;          // path is exactly `$.key`
  std::vector<KeyEntry> key_index_;      // top-level columns' keys, sorted, one entry per key
  std::vector<size_t> next_same_key_;
  TableSchema schema_;
  TableSchema quarantine_schema_;
};

}  // namespace perch::ingest
