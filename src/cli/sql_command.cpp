// `perch sql`: runs a query with the admin token and prints a table (or JSON/CSV/TSV). With --url, or
// with --data DIR while a server holds DIR, it asks that server over HTTP (the server records its
// address in DIR/server.json); with --data DIR and no server, it opens DIR itself (with the project
// from --project or the one the last server recorded) and runs the query in this process.
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/args.h"
#include "common/error.h"
#include "common/json.h"
#include "server/data_dir_lock.h"
#include "server/http_client.h"
#include "server/router.h"
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

struct SqlResponse {
  int status = 0;
  std::string body;
};

// Through the HTTP API of a running server.
std::optional<SqlResponse> queryServer(const std::string& base_url, const std::string& token, const std::string& query) {
  std::string error;
  auto response = server::httpRequest("GET", base_url + "/v0/sql?q=" + server::urlEncode(query),
                                      {{"Authorization", "Bearer " + token}}, "", std::chrono::seconds(60), 1ull << 30, &error);
  if (!response) {
    std::cerr << "perch sql: cannot reach the server at " << base_url << ": " << error << "\n";
    return std::nullopt;
  }
  return SqlResponse{response->status, response->body};
}

// In this process, on a data folder no server holds: the same Workspace and Router a server would
// build (the log is replayed, so rows acknowledged before a crash are visible), and the request goes
// through the same /v0/sql handler with the admin token.
SqlResponse queryEmbedded(const std::filesystem::path& project_dir, const std::filesystem::path& data_dir,
                          const server::WorkspaceIdentity& identity, const std::string& query) {
  server::WorkspaceOptions options;
  options.project_dir = project_dir;
  options.data_dir = data_dir;
  options.identity = identity;
  server::Workspace workspace(options);
  server::RouterOptions router_options;
  router_options.access_log = false;
  server::Router router(workspace, router_options);
  server::HttpRequest request;
  request.method = "GET";
  request.path = "/v0/sql";
  request.query.emplace_back("q", query);
  request.headers.emplace_back("Authorization", "Bearer " + identity.admin_token);
  server::HttpResponse response = router.handle(request);
  return SqlResponse{response.status, std::move(response.body)};
}

}  // namespace

int runSql(const Args& args) {
  if (args.positional().size() != 1) {
    std::cerr << "usage: perch sql [--url URL | --data DIR [--project DIR]] [--format table|json|csv|tsv] \"SELECT ...\"\n";
    return 2;
  }
  const auto data = args.get("data");
  std::string token;
  std::vector<std::string> messages;
  server::WorkspaceIdentity identity;
  if (data) identity = server::resolveIdentity(*data, args.getOr("admin-token-file", ""), messages);
  if (const char* env = std::getenv("PERCH_ADMIN_TOKEN"); env && *env) {
    token = env;
  } else if (data) {
    token = identity.admin_token;
  } else {
    std::cerr << "perch sql: set PERCH_ADMIN_TOKEN or pass --data DIR\n";
    return 2;
  }
  const std::string format = args.getOr("format", "table");
  std::string query = args.positional()[0];
  if (format != "table") query += " FORMAT " + std::string(format == "json" ? "JSON" : format == "csv" ? "CSVWithNames" : "TSVWithNames");

  std::optional<SqlResponse> response;
  try {
    if (auto url = args.get("url")) {
      response = queryServer(*url, token, query);
    } else if (data && server::DataDirLock::isHeld(*data)) {
      const server::ServerRecord record = server::readServerRecord(*data);
      if (record.url.empty()) {
        std::cerr << "perch sql: a Perch process holds " << *data << " but left no address; pass --url\n";
        return 1;
      }
      response = queryServer(record.url, token, query);
    } else if (data) {
      std::string project_dir = args.getOr("project", server::readServerRecord(*data).project_dir);
      if (project_dir.empty()) {
        std::cerr << "perch sql: no server runs on " << *data << "; pass --project DIR to query it directly\n";
        return 2;
      }
      response = queryEmbedded(project_dir, *data, identity, query);
    } else {
      response = queryServer("http://127.0.0.1:7181", token, query);
    }
  } catch (const std::exception& error) {
    std::cerr << "perch sql: " << error.what() << "\n";
    return 1;
  }
  if (!response) return 1;
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
