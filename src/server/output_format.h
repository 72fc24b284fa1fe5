// OutputFormat: writes a query result in one of the endpoint formats of SPEC §5.1
// (json, csv, csvwithnames, ndjson, tsv).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/column.h"

namespace perch::server {

enum class OutputFormat { kJson, kCsv, kCsvWithNames, kNdjson, kTsv, kTsvWithNames };

/// Maps a format name (case-insensitive) to a format; nullopt for unknown names.
std::optional<OutputFormat> parseOutputFormat(std::string_view name);
std::string contentType(OutputFormat format);

/// What a result looks like to the formatter: named, typed, equally long columns.
struct ResultView {
  const std::vector<std::string>& names;
  const std::vector<DataType>& types;
  const std::vector<ColumnPtr>& columns;
  size_t rows;
};

struct ResultStatistics {
  double elapsed_seconds = 0;
  uint64_t rows_read = 0;
  uint64_t bytes_read = 0;
  std::optional<uint64_t> rows_before_limit;
};

/// `totals`: the row of GROUP BY ... WITH TOTALS (one 1-row column per result column), or empty. JSON
/// shows it as a "totals" object after "data"; CSV/TSV as an empty line and then the row; NDJSON
/// leaves it out — all as ClickHouse.
std::string formatResult(OutputFormat format, const ResultView& result, const ResultStatistics& statistics,
                         const FormatOptions& options, const std::vector<ColumnPtr>& totals = {});

}  // namespace perch::server
