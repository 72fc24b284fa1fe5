#include "server/router.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "common/error.h"
#include "server/dev_auth.h"
#include "server/request_context.h"
#include "storage/file_io.h"
#include "storage/table.h"
#include "templating/template.h"

namespace perch::server {

namespace {

constexpr std::string_view kExposedHeaders =
    "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Perch-Warning";

bool validRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string newRequestId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : bytes) {
    id.push_back(kHex[byte >> 4]);
    id.push_back(kHex[byte & 15]);
  }
  return id;
}

Router::Router(Workspace& workspace, RouterOptions options) : workspace_(workspace), options_(std::move(options)) {}

void Router::decorate(HttpResponse& response, std::string_view request_id) const {
  response.headers.emplace_back("X-Request-ID", std::string(request_id));
  response.headers.emplace_back("Access-Control-Allow-Origin", options_.cors_allow_origin);
  response.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
}

HttpResponse Router::handle(HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string_view incoming = request.header("X-Request-ID");
  const std::string request_id = validRequestId(incoming) ? std::string(incoming) : newRequestId();
  HttpResponse response;
  try {
    response = dispatch(request);
  } catch (const templating::CustomError& error) {
    response.status = error.httpStatus();
    response.body = error.jsonBody();
  } catch (const storage::DiskFullError& error) {
    response = errorResponse(507, error.what());
  } catch (const BackpressureError& error) {
    response = errorResponse(503, error.what());
    response.headers.emplace_back("Retry-After", "1");
  } catch (const Error& error) {
    response = errorResponse(httpStatus(error.code()), error.what());
  } catch (const std::exception& error) {
    std::cerr << "perch: request " << request_id << " failed: " << error.what() << "\n";
    response = errorResponse(500, "internal error (request id " + request_id + ")");
  }
  decorate(response, request_id);
  if (options_.access_log) {
    const double elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char line[512];
    std::snprintf(line, sizeof(line), "{\"request_id\":\"%s\",\"method\":\"%.16s\",\"path\":\"%.200s\",\"status\":%d,\"ms\":%.3f}\n",
                  request_id.c_str(), request.method.c_str(), request.path.c_str(), response.status, elapsed_ms);
    std::string escaped;
    for (const char* p = line; *p; ++p) escaped.push_back(static_cast<unsigned char>(*p) < 0x20 && *p != '\n' ? '?' : *p);
    std::cerr << escaped;
  }
  return response;
}

HttpResponse Router::dispatch(HttpRequest& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (method == "OPTIONS") {
    HttpResponse response;
    response.status = 204;
    response.content_type.clear();
    response.headers.emplace_back("Access-Control-Max-Age", "86400");
    return response;
  }
  if (path == "/v0/health" || path == "/v0/ready") {
    HttpResponse response;
    response.body = "{\"status\":\"ok\"}";
    return response;
  }
  if (startsWith(path, "/v0/pipes")) {
    if (method != "GET" && method != "POST") throw Error(ErrorCode::kMethodNotAllowed, "method not allowed");
    if (path == "/v0/pipes" || path == "/v0/pipes/") return handlePipeList(request);
    if (startsWith(path, "/v0/pipes/")) {
      std::string_view rest = std::string_view(path).substr(10);
      const size_t dot = rest.rfind('.');
      if (dot == std::string_view::npos) return handlePipeInfo(request, rest);
      return handlePipe(request, rest.substr(0, dot), rest.substr(dot + 1));
    }
  }
  if (path == "/v0/sql") {
    if (method != "GET" && method != "POST") throw Error(ErrorCode::kMethodNotAllowed, "method not allowed");
    return handleSql(request);
  }
  if (path == "/v0/events") {
    if (method != "POST") throw Error(ErrorCode::kMethodNotAllowed, "use POST to send events");
    return handleEvents(request);
  }
  if (path == "/v0/tokens" || startsWith(path, "/v0/tokens/")) {
    return handleTokens(request, path.size() > 11 ? std::string_view(path).substr(11) : std::string_view());
  }
  if (startsWith(path, "/v0/dev-auth/") && options_.dev_auth) return options_.dev_auth->handle(request);
  if (path == "/v0/datasources" || startsWith(path, "/v0/datasources/")) {
    return handleDataSources(request, path.size() > 16 ? std::string_view(path).substr(16) : std::string_view());
  }
  throw Error(ErrorCode::kNotFound, "not found: no route for " + method + " " + std::string(path.substr(0, 100)));
}

}  // namespace perch::server
