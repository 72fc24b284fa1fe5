// Routes that run SQL: GET/POST /v0/pipes/<pipe>.<format>, GET /v0/pipes, GET/POST /v0/sql.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "common/error.h"
#include "server/output_format.h"
#include "server/pipe_runner.h"
#include "server/request_context.h"
#include "server/router.h"

namespace perch::server {

namespace {

FormatOptions formatOptionsFor(const HttpRequest& request) {
  FormatOptions options;
  options.quote_64bit_integers = request.queryValue("output_format_json_quote_64bit_integers") == "1";
  return options;
}

HttpResponse resultResponse(const QueryResult& result, OutputFormat format, const FormatOptions& format_options,
                            std::chrono::steady_clock::time_point start) {
  ResultStatistics statistics;
  statistics.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  statistics.rows_read = result.rows_read;
  statistics.bytes_read = result.bytes_read;
  statistics.rows_before_limit = result.rows_before_limit;
  HttpResponse response;
  response.content_type = contentType(format);
  response.body = formatResult(format, ResultView{result.names, result.types, result.columns, result.rows}, statistics,
                               format_options, result.totals);
  return response;
}

QueryOptions queryOptionsNow() {
  QueryOptions options;
  options.now_seconds = static_cast<int64_t>(std::time(nullptr));
  return options;
}

OutputFormat requireFormat(std::string_view name) {
  if (name.empty()) return OutputFormat::kJson;
  if (auto format = parseOutputFormat(name)) return *format;
  throw Error(ErrorCode::kBadRequest, "unknown format '" + std::string(name.substr(0, 40)) +
                                          "'; use json, csv, csvwithnames, ndjson, tsv or tsvwithnames");
}

// Splits a trailing `FORMAT <name>` off a /v0/sql query.
std::string_view takeFormatClause(std::string_view& sql) {
  std::string_view text = sql;
  while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ';')) text.remove_suffix(1);
  size_t end = text.size();
  size_t start = end;
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(text[start - 1])) || text[start - 1] == '_')) --start;
  const std::string_view name = text.substr(start, end - start);
  size_t keyword_end = start;
  while (keyword_end > 0 && std::isspace(static_cast<unsigned char>(text[keyword_end - 1]))) --keyword_end;
  if (name.empty() || keyword_end == start || keyword_end < 6) return {};
  std::string keyword(text.substr(keyword_end - 6, 6));
  for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (keyword != "FORMAT") return {};
  if (keyword_end > 6 && !std::isspace(static_cast<unsigned char>(text[keyword_end - 7]))) return {};
  sql = text.substr(0, keyword_end - 6);
  return name;
}

}  // namespace

HttpResponse Router::handlePipe(HttpRequest& request, std::string_view pipe_name, std::string_view format_name) {
  const auto start = std::chrono::steady_clock::now();
  const auth::Principal principal = authenticate(request, workspace_);
  const project::Pipe* pipe = workspace_.pipe(pipe_name);
  if (!pipe) throw Error(ErrorCode::kNotFound, "The pipe '" + std::string(pipe_name.substr(0, 100)) + "' does not exist");
  requireScope(principal, auth::ScopeType::kPipesRead, pipe->name);
  const OutputFormat format = requireFormat(format_name);
  if (!pipe->runnable) throw Error(ErrorCode::kBadRequest, "The pipe '" + pipe->name + "' is not published as an endpoint");

  KeyValues rate_headers;
  if (principal.rps) {
    const std::string key = workspace_.identity().workspace_id + "/" + pipe->name + "/" + principal.name;
    const auto decision = workspace_.limiter().check(key, *principal.rps, std::chrono::steady_clock::now());
    rate_headers.emplace_back("X-RateLimit-Limit", std::to_string(decision.limit));
    rate_headers.emplace_back("X-RateLimit-Remaining", std::to_string(decision.remaining));
    rate_headers.emplace_back("X-RateLimit-Reset", std::to_string(decision.reset_seconds));
    if (!decision.allowed) {
      HttpResponse response = errorResponse(429, "rate limit exceeded");
      response.headers = std::move(rate_headers);
      response.headers.emplace_back("Retry-After", std::to_string(std::max(1, decision.retry_after_seconds)));
      return response;
    }
  }

  const templating::Params params = pipeParams(request, principal, pipe->name);
  std::optional<std::string> q;
  if (request.hasQuery("q")) q = std::string(request.queryValue("q"));
  const QueryResult result = runPipe(workspace_, *pipe, params, principal, q, queryOptionsNow());
  HttpResponse response = resultResponse(result, format, formatOptionsFor(request), start);
  response.headers = std::move(rate_headers);
  if (!pipe->query_option_warning.empty()) response.headers.emplace_back("X-Perch-Warning", pipe->query_option_warning);
  return response;
}

namespace {

void appendPipeJson(const project::Pipe& pipe, std::string& body) {
  body.append("{\"name\":");
  appendJsonString(pipe.name, body);
  body.append(",\"description\":");
  appendJsonString(pipe.description, body);
  body.append(",\"type\":");
  appendJsonString(pipe.type, body);
  body.append(",\"endpoint\":");
  appendJsonString(pipe.nodes.empty() ? "" : pipe.nodes[pipe.endpoint_node].name, body);
  body.append(",\"nodes\":[");
  for (size_t i = 0; i < pipe.nodes.size(); ++i) {
    if (i) body.push_back(',');
    body.append("{\"name\":");
    appendJsonString(pipe.nodes[i].name, body);
    body.append(",\"description\":");
    appendJsonString(pipe.nodes[i].description, body);
    body.append("}");
  }
  body.append("],\"parameters\":[");
  const auto parameters = pipe.parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const auto& param = parameters[i];
    if (i) body.push_back(',');
    body.append("{\"name\":");
    appendJsonString(param.name, body);
    body.append(",\"type\":");
    appendJsonString(param.type, body);
    body.append(",\"required\":").append(param.required ? "true" : "false");
    body.append(",\"default\":");
    if (param.default_value) appendJsonString(*param.default_value, body);
    else body.append("null");
    body.append(",\"description\":");
    appendJsonString(param.description, body);
    body.append(",\"enum\":[");
    for (size_t k = 0; k < param.enum_values.size(); ++k) {
      if (k) body.push_back(',');
      appendJsonString(param.enum_values[k], body);
    }
    body.append("]}");
  }
  body.append("]}");
}

}  // namespace

HttpResponse Router::handlePipeList(HttpRequest& request) {
  const auth::Principal principal = authenticate(request, workspace_);
  HttpResponse response;
  response.body = "{\"pipes\":[";
  bool first = true;
  for (const auto& [name, pipe] : workspace_.project().pipes) {
    if (!principal.hasScope(auth::ScopeType::kPipesRead, name)) continue;
    if (!first) response.body.push_back(',');
    first = false;
    appendPipeJson(pipe, response.body);
  }
  response.body.append("]}");
  return response;
}

HttpResponse Router::handlePipeInfo(HttpRequest& request, std::string_view pipe_name) {
  const auth::Principal principal = authenticate(request, workspace_);
  const project::Pipe* pipe = workspace_.pipe(pipe_name);
  if (!pipe) throw Error(ErrorCode::kNotFound, "The pipe '" + std::string(pipe_name.substr(0, 100)) + "' does not exist");
  requireScope(principal, auth::ScopeType::kPipesRead, pipe->name);
  HttpResponse response;
  appendPipeJson(*pipe, response.body);
  return response;
}

HttpResponse Router::handleSql(HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const auth::Principal principal = authenticate(request, workspace_);
  std::string query(request.queryValue("q"));
  if (query.empty() && request.method == "POST") {
    if (request.header("Content-Type").find("application/x-www-form-urlencoded") != std::string_view::npos) {
      for (const auto& [key, value] : parseQueryString(request.body)) {
        if (key == "q") query = value;
      }
    } else {
      query = request.body;
    }
  }
  if (query.empty()) throw Error(ErrorCode::kBadRequest, "missing query: pass the SQL in the q parameter");
  const templating::Params params = sqlParams(request, principal);
  // A query starting with `%` is a template (as in a pipe node), rendered with the request's
  // parameters — after fixed_params were applied, and before any access check, which the rendered
  // SQL still goes through like any other query.
  if (const size_t first = query.find_first_not_of(" \t\r\n"); first != std::string::npos && query[first] == '%') {
    const templating::Template tmpl = templating::Template::parse("%\n" + query.substr(first + 1), "q", "/v0/sql");
    query = tmpl.render(params);
  }
  std::string_view sql = query;
  const std::string_view format_name = takeFormatClause(sql);
  const OutputFormat format = requireFormat(format_name.empty() ? "json" : format_name);

  RequestCatalog catalog(workspace_, params, principal);
  if (request.hasQuery("pipeline")) {
    const project::Pipe* pipe = workspace_.pipe(request.queryValue("pipeline"));
    if (!pipe) throw Error(ErrorCode::kNotFound, "The pipe '" + std::string(request.queryValue("pipeline").substr(0, 100)) + "' does not exist");
    requireScope(principal, auth::ScopeType::kPipesRead, pipe->name);
    catalog.setUnderscore(*pipe);
  }
  const QueryResult result = executeQuery(sql, catalog, queryOptionsNow());
  return resultResponse(result, format, formatOptionsFor(request), start);
}

}  // namespace perch::server
