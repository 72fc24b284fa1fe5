// `perch sql`: runs a query against a running Perch with the admin token and prints a table.
#include <filesystem>
#include <iostream>

#include "cli/args.h"
#include "common/error.h"
#include "common/json.h"
#include "server/http_client.h"
#include "server/workspace.h"

namespace perch::cli {

namespace {

std::string cellText(const JsonValue& value) {
  if (value.isString()) return value.asString();
  if (value.isNull()) return "NULL";
  return toJson(value);
}

size_t displayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;  // count UTF-8 code points
  return width;
}

void printTable(const JsonValue& result) {
  std::vector<std::string> names;
  for (const auto& column : result.find("meta")->asArray()) names.push_back(column.find("name")->asString());
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : result.find("data")->asArray()) {
    std::vector<std::string> cells;
    for (const auto& name : names) {
      const JsonValue* value = row.find(name);
      cells.push_back(value ? cellText(*value) : "");
    }
    rows.push_back(std::move(cells));
  }
  std::vector<size_t> widths;
  for (const auto& name : names) widths.push_back(displayWidth(name));
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], displayWidth(row[i]));
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      std::cout << (i ? " │ " : "") << cells[i] << std::string(widths[i] - displayWidth(cells[i]), ' ');
    }
    std::cout << "\n";
  };
  print_row(names);
  for (size_t i = 0; i < names.size(); ++i) {
    std::cout << (i ? "─┼─" : "");
    for (size_t k = 0; k < widths[i]; ++k) std::cout << "─";
  }
  std::cout << "\n";
  for (const auto& row : rows) print_row(row);
  std::cout << rows.size() << (rows.size() == 1 ? " row" : " rows") << "\n";
}

}  // namespace

int runSql(const Args& args) {
  if (args.positional().size() != 1) {
    std::cerr << "usage: perch sql [--url http://127.0.0.1:7181] [--data DIR] [--format table|json|csv|tsv] \"SELECT ...\"\n";
    return 2;
  }
  std::string token;
  if (const char* env = std::getenv("PERCH_ADMIN_TOKEN"); env && *env) {
    token = env;
  } else if (auto data = args.get("data")) {
    std::vector<std::string> messages;
    token = server::resolveIdentity(*data, "", messages).admin_token;
  } else {
    std::cerr << "perch sql: set PERCH_ADMIN_TOKEN or pass --data DIR of the running server\n";
    return 2;
  }
  const std::string format = args.getOr("format", "table");
  std::string query = args.positional()[0];
  if (format != "table") query += " FORMAT " + std::string(format == "json" ? "JSON" : format == "csv" ? "CSVWithNames" : "TSVWithNames");
  const std::string url = args.getOr("url", "http://127.0.0.1:7181") + "/v0/sql?q=" + server::urlEncode(query);
  std::string error;
  auto response = server::httpRequest("GET", url, {{"Authorization", "Bearer " + token}}, "",
                                      std::chrono::seconds(60), 1ull << 30, &error);
  if (!response) {
    std::cerr << "perch sql: cannot reach the server: " << error << "\n";
    return 1;
  }
  if (response->status != 200) {
    std::cerr << "perch sql: " << response->status << " " << response->body << "\n";
    return 1;
  }
  if (format != "table") {
    std::cout << response->body;
    if (!response->body.empty() && response->body.back() != '\n') std::cout << "\n";
    return 0;
  }
  printTable(parseJson(response->body));
  return 0;
}

}  // namespace perch::cli
