#include "server/totals_output.h"

namespace perch::server {

void appendJsonTotals(const ResultView& totals, const FormatOptions& options, std::string& out) {
  if (totals.rows == 0) return;
  out.append(",\"totals\":{");
  for (size_t i = 0; i < totals.columns.size(); ++i) {
    if (i) out.push_back(',');
    appendJsonString(totals.names[i], out);
    out.push_back(':');
    totals.columns[i]->formatJson(0, out, options);
  }
  out.push_back('}');
}

void appendTextTotals(const ResultView& totals, const std::function<void(const ResultView&, size_t, std::string&)>& write_row,
                      std::string& out) {
  if (totals.rows == 0) return;
  out.push_back('\n');
  write_row(totals, 0, out);
}

}  // namespace perch::server
