#include "ingest/csv_reader.h"

#include <set>

#include "types/column.h"

namespace perch::ingest {

std::vector<CsvRecord> readCsv(std::string_view text) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    CsvRecord record;
    bool end_of_record = false;
    while (!end_of_record) {
      std::string field;
      bool quoted = false;
      if (i < n && text[i] == '"') {
        quoted = true;
        ++i;
        bool closed = false;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          field.push_back(text[i++]);
        }
        if (!closed) record.ok = false;
        // Anything between the closing quote and the separator is kept, as ClickHouse does not
        // accept it either: mark the record broken.
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          record.ok = false;
          field.push_back(text[i++]);
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field.push_back(text[i++]);
      }
      record.fields.push_back(std::move(field));
      record.quoted.push_back(quoted);
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // \n, \r or \r\n
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        end_of_record = true;
      }
    }
    // Blank lines carry no record.
    if (record.fields.size() == 1 && record.fields[0].empty() && !record.quoted[0]) continue;
    records.push_back(std::move(record));
  }
  return records;
}

std::string csvToNdjson(std::string_view text, const std::vector<std::string>& column_names) {
  std::vector<CsvRecord> records = readCsv(text);
  std::vector<std::string> mapping = column_names;  // field position → column name
  size_t first = 0;
  if (!records.empty() && records[0].ok) {
    const std::set<std::string> names(column_names.begin(), column_names.end());
    std::set<std::string> seen;
    bool header = !records[0].fields.empty();
    for (const auto& field : records[0].fields) header = header && names.count(field) && seen.insert(field).second;
    if (header) {
      mapping = records[0].fields;
      first = 1;
    }
  }
  std::string out;
  for (size_t r = first; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (!record.ok || record.fields.size() > mapping.size()) {
      // A JSON string, not an object: the decoder quarantines the row with this text as its error.
      std::string raw;
      for (size_t f = 0; f < record.fields.size(); ++f) raw.append(f ? "," : "").append(record.fields[f]);
      const std::string problem = !record.ok ? "invalid CSV record (unterminated or misplaced quote): "
                                             : "invalid CSV record (" + std::to_string(record.fields.size()) +
                                                   " fields, the data source has " + std::to_string(mapping.size()) +
                                                   " columns): ";
      appendJsonString(problem + raw.substr(0, 200), out);
      out.push_back('\n');
      continue;
    }
    out.push_back('{');
    bool any = false;
    for (size_t f = 0; f < record.fields.size(); ++f) {
      const std::string& value = record.fields[f];
      if (value.empty() && !record.quoted[f]) continue;  // missing → DEFAULT
      if (any) out.push_back(',');
      any = true;
      appendJsonString(mapping[f], out);
      out.push_back(':');
      if (value == "\\N" && !record.quoted[f]) {
        out.append("null");
      } else {
        appendJsonString(value, out);
      }
    }
    out.append("}\n");
  }
  return out;
}

}  // namespace perch::ingest
