// Routes that write or describe data: POST /v0/events, GET /v0/datasources[/<ds>],
// POST /v0/datasources/<ds>/truncate.
#include <ctime>

#include "common/error.h"
#include "server/request_context.h"
#include "server/router.h"

namespace perch::server {

namespace {

void appendDataSourceJson(const project::DataSource& source, const Table& table, std::string& body) {
  const SnapshotPtr snapshot = table.snapshot();
  body.append("{\"name\":");
  appendJsonString(source.name, body);
  body.append(",\"description\":");
  appendJsonString(source.description, body);
  body.append(",\"columns\":[");
  for (size_t i = 0; i < source.columns.size(); ++i) {
    const auto& column = source.columns[i];
    if (i) body.push_back(',');
    body.append("{\"name\":");
    appendJsonString(column.name, body);
    body.append(",\"type\":");
    appendJsonString(column.type.name(), body);
    body.append(",\"jsonpath\":");
    appendJsonString(column.json_path, body);
    body.append(",\"default_value\":");
    if (column.default_expr) appendJsonString(*column.default_expr, body);
    else body.append("null");
    body.push_back('}');
  }
  body.append("],\"engine\":{\"engine\":");
  appendJsonString(source.engine, body);
  body.append(",\"sorting_key\":");
  appendJsonString(source.sorting_key, body);
  body.append(",\"partition_key\":");
  appendJsonString(source.partition_key, body);
  body.append(",\"ttl\":");
  appendJsonString(source.ttl, body);
  body.append("},\"statistics\":{\"row_count\":").append(std::to_string(snapshot->rows()));
  body.append(",\"bytes\":").append(std::to_string(snapshot->bytes())).append("}}");
}

}  // namespace

HttpResponse Router::handleEvents(HttpRequest& request) {
  const auth::Principal principal = authenticate(request, workspace_);
  const std::string name(request.queryValue("name"));
  if (name.empty()) throw Error(ErrorCode::kBadRequest, "missing the name parameter: POST /v0/events?name=<data source>");
  const ingest::EventDecoder* decoder = workspace_.decoder(name);
  if (!principal.hasScope(auth::ScopeType::kAdmin, "") && !principal.hasScope(auth::ScopeType::kDatasourcesCreate, "")) {
    requireScope(principal, auth::ScopeType::kDatasourcesAppend, name);
  }
  if (!decoder) throw Error(ErrorCode::kNotFound, "Data source '" + name.substr(0, 100) + "' does not exist");

  const std::string import_id = newRequestId() + "-" + std::to_string(++import_counter_);
  ingest::DecodeResult decoded = decoder->decode(request.body, static_cast<int64_t>(std::time(nullptr)), import_id);
  // 202: the rows are in the write-ahead log (they survive a crash of the process);
  // 200 with wait=true: the log was fsynced (they survive a crash of the machine).
  const bool wait = request.queryValue("wait") == "true";
  const Durability durability = wait ? Durability::kSynced : Durability::kWritten;
  workspace_.table(name)->append(std::move(decoded.rows), durability);
  workspace_.table(name + "_quarantine")->append(std::move(decoded.quarantine), durability);

  HttpResponse response;
  response.status = wait ? 200 : 202;
  response.body = "{\"successful_rows\":" + std::to_string(decoded.successful_rows) +
                  ",\"quarantined_rows\":" + std::to_string(decoded.quarantined_rows) + "}";
  return response;
}

HttpResponse Router::handleDataSources(HttpRequest& request, std::string_view name) {
  const auth::Principal principal = authenticate(request, workspace_);
  const auto& sources = workspace_.project().data_sources;
  if (name.empty()) {
    if (request.method != "GET") throw Error(ErrorCode::kMethodNotAllowed, "bulk loads through /v0/datasources are not supported yet; use /v0/events");
    std::string body = "{\"datasources\":[";
    bool first = true;
    for (const auto& [source_name, source] : sources) {
      if (!principal.hasScope(auth::ScopeType::kDatasourcesRead, source_name) &&
          !principal.hasScope(auth::ScopeType::kDatasourcesAppend, source_name)) {
        continue;
      }
      if (!first) body.push_back(',');
      first = false;
      appendDataSourceJson(source, *workspace_.table(source_name), body);
    }
    body.append("]}");
    HttpResponse response;
    response.body = std::move(body);
    return response;
  }

  std::string_view source_name = name;
  bool truncate = false;
  if (const size_t slash = name.find('/'); slash != std::string_view::npos) {
    if (name.substr(slash) != "/truncate") throw Error(ErrorCode::kNotFound, "not found");
    source_name = name.substr(0, slash);
    truncate = true;
  }
  auto it = sources.find(source_name);
  if (it == sources.end()) throw Error(ErrorCode::kNotFound, "Data source '" + std::string(source_name.substr(0, 100)) + "' does not exist");
  if (truncate) {
    if (request.method != "POST") throw Error(ErrorCode::kMethodNotAllowed, "use POST to truncate");
    requireScope(principal, auth::ScopeType::kAdmin, "");
    workspace_.table(it->first)->truncate();
    workspace_.table(it->first + "_quarantine")->truncate();
    HttpResponse response;
    response.body = "{}";
    return response;
  }
  if (!principal.hasScope(auth::ScopeType::kDatasourcesAppend, it->first)) {
    requireScope(principal, auth::ScopeType::kDatasourcesRead, it->first);
  }
  HttpResponse response;
  appendDataSourceJson(it->second, *workspace_.table(it->first), response.body);
  return response;
}

}  // namespace perch::server
