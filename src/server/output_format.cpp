#include "server/output_format.h"

#include <cstdio>
#include <cstring>
#include <strings.h>

#include "types/escaping.h"

namespace perch::server {

namespace {

void appendCsvField(std::string_view value, bool quote, std::string& out) {
  if (!quote) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

bool quotedInCsv(const DataType& type) {
  const DataType& base = type.isNullable() ? type.nested() : type;
  return base.isStringLike() || base.id() == TypeId::kDate || base.id() == TypeId::kDateTime ||
         base.id() == TypeId::kDateTime64 || base.isArray();
}

bool isNested(const DataType& type) {
  const DataType& base = type.isNullable() ? type.nested() : type;
  return base.isArray() || base.isTuple();
}

// One value as CSV: NULL as a bare \N (as ClickHouse writes it in CSV and TSV), and a tuple as its
// elements in consecutive fields, as ClickHouse's CSV serialization of Tuple does.
void appendCsvValue(const Column& column, size_t row, std::string& out) {
  if (column.isNullAt(row)) {
    out.append("\\N");
    return;
  }
  if (column.type().isTuple()) {
    const auto& tuple = static_cast<const ColumnTuple&>(column);
    for (size_t i = 0; i < tuple.elementCount(); ++i) {
      if (i) out.push_back(',');
      appendCsvValue(tuple.element(i), row, out);
    }
    return;
  }
  std::string value;
  column.formatText(row, value);
  appendCsvField(value, quotedInCsv(column.type()), out);
}

void appendJsonRow(const ResultView& result, size_t row, const FormatOptions& options, std::string& out) {
  out.push_back('{');
  for (size_t i = 0; i < result.columns.size(); ++i) {
    if (i) out.push_back(',');
    appendJsonString(result.names[i], out);
    out.push_back(':');
    result.columns[i]->formatJson(row, out, options);
  }
  out.push_back('}');
}

void appendCsvRow(const ResultView& result, size_t row, std::string& out) {
  for (size_t i = 0; i < result.columns.size(); ++i) {
    if (i) out.push_back(',');
    appendCsvValue(*result.columns[i], row, out);
  }
  out.push_back('\n');
}

void appendTsvRow(const ResultView& result, size_t row, std::string& out) {
  std::string value;
  for (size_t i = 0; i < result.columns.size(); ++i) {
    if (i) out.push_back('\t');
    if (result.columns[i]->isNullAt(row)) {
      out.append("\\N");
      continue;
    }
    value.clear();
    result.columns[i]->formatText(row, value);
    if (isNested(result.types[i])) out.append(value);  // escaped already, as ClickHouse writes them
    else appendEscaped(value, out);
  }
  out.push_back('\n');
}

void writeJson(const ResultView& result, const ResultView* totals, const ResultStatistics& statistics,
               const FormatOptions& options, std::string& out) {
  out.append("{\"meta\":[");
  for (size_t i = 0; i < result.names.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"name\":");
    appendJsonString(result.names[i], out);
    out.append(",\"type\":");
    appendJsonString(result.types[i].name(), out);
    out.push_back('}');
  }
  out.append("],\"data\":[");
  for (size_t row = 0; row < result.rows; ++row) {
    if (row) out.push_back(',');
    appendJsonRow(result, row, options, out);
  }
  out.push_back(']');
  if (totals) {  // after "data", as ClickHouse's JSON format places it
    out.append(",\"totals\":");
    appendJsonRow(*totals, 0, options, out);
  }
  out.append(",\"rows\":").append(std::to_string(result.rows));
  if (statistics.rows_before_limit) {
    out.append(",\"rows_before_limit_at_least\":").append(std::to_string(*statistics.rows_before_limit));
  }
  char elapsed[32];
  std::snprintf(elapsed, sizeof(elapsed), "%.6f", statistics.elapsed_seconds);
  out.append(",\"statistics\":{\"elapsed\":").append(elapsed);
  out.append(",\"rows_read\":").append(std::to_string(statistics.rows_read));
  out.append(",\"bytes_read\":").append(std::to_string(statistics.bytes_read)).append("}}");
}

}  // namespace

std::optional<OutputFormat> parseOutputFormat(std::string_view name) {
  struct Named {
    const char* name;
    OutputFormat format;
  };
  static constexpr Named kFormats[] = {
      {"json", OutputFormat::kJson},   {"csv", OutputFormat::kCsv},   {"csvwithnames", OutputFormat::kCsvWithNames},
      {"ndjson", OutputFormat::kNdjson}, {"tsv", OutputFormat::kTsv}, {"tsvwithnames", OutputFormat::kTsvWithNames},
      {"jsoneachrow", OutputFormat::kNdjson}, {"tabseparated", OutputFormat::kTsv},
  };
  for (const auto& named : kFormats) {
    if (name.size() == std::strlen(named.name) && strncasecmp(name.data(), named.name, name.size()) == 0) {
      return named.format;
    }
  }
  return std::nullopt;
}

std::string contentType(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson: return "application/json";
    case OutputFormat::kCsv: case OutputFormat::kCsvWithNames: return "text/csv; charset=utf-8";
    case OutputFormat::kNdjson: return "application/x-ndjson";
    case OutputFormat::kTsv: case OutputFormat::kTsvWithNames: return "text/tab-separated-values; charset=utf-8";
  }
  return "application/octet-stream";
}

std::string formatResult(OutputFormat format, const ResultView& result, const ResultStatistics& statistics,
                         const FormatOptions& options, const std::vector<ColumnPtr>& totals) {
  const ResultView totals_view{result.names, result.types, totals, totals.empty() ? 0u : 1u};
  const ResultView* totals_row = totals.empty() ? nullptr : &totals_view;
  std::string out;
  switch (format) {
    case OutputFormat::kJson:
      writeJson(result, totals_row, statistics, options, out);
      break;
    case OutputFormat::kNdjson:  // no totals in JSONEachRow, as in ClickHouse
      for (size_t row = 0; row < result.rows; ++row) {
        appendJsonRow(result, row, options, out);
        out.push_back('\n');
      }
      break;
    case OutputFormat::kCsv:
    case OutputFormat::kCsvWithNames:
      for (size_t i = 0; i < result.names.size(); ++i) {
        if (i) out.push_back(',');
        appendCsvField(result.names[i], true, out);
      }
      out.push_back('\n');
      for (size_t row = 0; row < result.rows; ++row) appendCsvRow(result, row, out);
      if (totals_row) {  // an empty line, then the totals row, as ClickHouse writes them
        out.push_back('\n');
        appendCsvRow(*totals_row, 0, out);
      }
      break;
    case OutputFormat::kTsv:
    case OutputFormat::kTsvWithNames:
      if (format == OutputFormat::kTsvWithNames) {
        for (size_t i = 0; i < result.names.size(); ++i) {
          if (i) out.push_back('\t');
          appendEscaped(result.names[i], out);
        }
        out.push_back('\n');
      }
      for (size_t row = 0; row < result.rows; ++row) appendTsvRow(result, row, out);
      if (totals_row) {
        out.push_back('\n');
        appendTsvRow(*totals_row, 0, out);
      }
      break;
  }
  return out;
}

}  // namespace perch::server
