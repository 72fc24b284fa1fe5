// Routes that write or describe data: POST /v0/events, GET /v0/datasources[/<ds>],
// POST /v0/datasources?name=&mode=append|replace&format=csv|ndjson (bulk loads, SPEC §8.2),
// POST /v0/datasources/<ds>/truncate.
#include <ctime>

#include "ingest/csv_reader.h"

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

// The uploaded file of a bulk load: the body itself, or the first part of a multipart/form-data
// body (Tinybird's `curl -F csv=@file.csv`).
std::string_view uploadedData(const HttpRequest& request) {
  const std::string_view content_type = request.header("Content-Type");
  if (content_type.find("multipart/form-data") == std::string_view::npos) return request.body;
  const size_t at = content_type.find("boundary=");
  if (at == std::string_view::npos) throw Error(ErrorCode::kBadRequest, "multipart/form-data body without a boundary");
  std::string_view boundary = content_type.substr(at + 9);
  boundary = boundary.substr(0, boundary.find(';'));
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') boundary = boundary.substr(1, boundary.size() - 2);
  const std::string delimiter = "--" + std::string(boundary);
  const std::string_view body = request.body;
  const size_t part = body.find(delimiter);
  const size_t headers_end = part == std::string_view::npos ? part : body.find("\r\n\r\n", part);
  if (headers_end == std::string_view::npos) throw Error(ErrorCode::kBadRequest, "multipart/form-data body without a file part");
  const size_t data_start = headers_end + 4;
  const size_t data_end = body.find("\r\n" + delimiter, data_start);
  if (data_end == std::string_view::npos) throw Error(ErrorCode::kBadRequest, "multipart/form-data body is truncated");
  return body.substr(data_start, data_end - data_start);
}

}  // namespace

HttpResponse Router::handleBulkLoad(HttpRequest& request, const auth::Principal& principal) {
  const std::string name(request.queryValue("name"));
  if (name.empty()) throw Error(ErrorCode::kBadRequest, "missing the name parameter: POST /v0/datasources?name=<data source>");
  if (request.hasQuery("url")) {
    throw Error(ErrorCode::kBadRequest, "loading from a url is not supported; send the data in the request body");
  }
  const std::string mode = request.hasQuery("mode") ? std::string(request.queryValue("mode")) : "append";
  if (mode != "append" && mode != "replace") {
    throw Error(ErrorCode::kBadRequest, "mode must be append or replace (creating data sources happens in .datasource files)");
  }
  const std::string format = request.hasQuery("format") ? std::string(request.queryValue("format")) : "csv";
  if (format != "csv" && format != "ndjson") throw Error(ErrorCode::kBadRequest, "format must be csv or ndjson");
  const bool privileged =
      principal.hasScope(auth::ScopeType::kAdmin, "") || principal.hasScope(auth::ScopeType::kDatasourcesCreate, "");
  // Replacing destroys every row, so it takes more than an APPEND token.
  if (mode == "replace" && !privileged) requireScope(principal, auth::ScopeType::kDatasourcesCreate, "");
  if (!privileged) requireScope(principal, auth::ScopeType::kDatasourcesAppend, name);
  auto source = workspace_.project().data_sources.find(name);
  if (source == workspace_.project().data_sources.end()) {
    throw Error(ErrorCode::kNotFound, "Data source '" + name.substr(0, 100) + "' does not exist");
  }

  const std::string import_id = newRequestId() + "-" + std::to_string(++import_counter_);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string_view data = uploadedData(request);
  ingest::DecodeResult decoded;
  if (format == "ndjson") {
    decoded = workspace_.decoder(name)->decode(data, now, import_id);
  } else {
    // CSV maps fields to columns by name (header) or position, not by the datafile's jsonpaths.
    std::vector<ingest::IngestColumn> columns = ingestColumns(source->second);
    std::vector<std::string> names;
    for (auto& column : columns) {
      column.json_path = "$." + column.name;
      names.push_back(column.name);
    }
    decoded = ingest::EventDecoder(std::move(columns)).decode(ingest::csvToNdjson(data, names), now, import_id);
  }
  // A bulk load answers when the rows are durable (fsynced), like wait=true on the Events API.
  Table& table = *workspace_.table(name);
  if (mode == "replace") {
    std::vector<Batch> batches;
    batches.push_back(std::move(decoded.rows));
    table.replace(std::move(batches));
  } else {
    table.append(std::move(decoded.rows), Durability::kSynced);
  }
  workspace_.table(name + "_quarantine")->append(std::move(decoded.quarantine), Durability::kSynced);

  HttpResponse response;
  response.body = "{\"successful_rows\":" + std::to_string(decoded.successful_rows) +
                  ",\"quarantined_rows\":" + std::to_string(decoded.quarantined_rows) + ",\"error\":false,\"import_id\":";
  appendJsonString(import_id, response.body);
  response.body.append(",\"datasource\":{\"name\":");
  appendJsonString(name, response.body);
  response.body.append("}}");
  return response;
}

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
    if (request.method == "POST") return handleBulkLoad(request, principal);
    if (request.method != "GET") throw Error(ErrorCode::kMethodNotAllowed, "use GET to list data sources or POST to load data");
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
