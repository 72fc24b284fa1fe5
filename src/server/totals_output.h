// The totals row of a `GROUP BY ... WITH TOTALS` query in the endpoint formats, as ClickHouse
// writes it: in JSON a `"totals"` object (the row as an object, like a row of "data") placed right
// after "data"; in TSV/CSV (with or without names) an empty line after the data rows, then the
// totals row written like a data row. NDJSON (JSONEachRow) has no totals, as in ClickHouse.
// QueryResult::totals carries the row; output_format calls these when it is not empty.
#pragma once

#include <functional>
#include <string>

#include "server/output_format.h"

namespace perch::server {

/// Appends `,"totals":{...}` for JSON (call after the closing `]` of "data").
void appendJsonTotals(const ResultView& totals, const FormatOptions& options, std::string& out);

/// Appends the TSV/CSV totals block: an empty line, then row 0 of `totals` written by
/// `write_row` (the format's own data-row writer, so escaping and NULLs match the data rows).
void appendTextTotals(const ResultView& totals, const std::function<void(const ResultView&, size_t, std::string&)>& write_row,
                      std::string& out);

}  // namespace perch::server
