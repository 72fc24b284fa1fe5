// Router: maps HTTP requests to Perch's API (SPEC §5) and applies what every response needs:
// CORS headers, `X-Request-ID`, JSON errors with the status of the error's code, and one access-log
// line (method, path, status, duration — never the query string, which may carry a token).
//
// Thread safety: handle() is called concurrently from the io threads; the Router itself holds no
// mutable state besides the Workspace, whose shared parts are internally synchronized.
#pragma once

#include <atomic>
#include <string>

#include "auth/principal.h"
#include "server/http_types.h"
#include "server/workspace.h"

namespace perch::server {

class DevAuth;

struct RouterOptions {
  std::string cors_allow_origin = "*";
  bool access_log = true;
  const DevAuth* dev_auth = nullptr;  // development issuer routes, only when enabled
};

class Router {
 public:
  Router(Workspace& workspace, RouterOptions options);

  HttpResponse handle(HttpRequest& request);
  /// Adds CORS and X-Request-ID headers; used for responses produced outside handle() too.
  void decorate(HttpResponse& response, std::string_view request_id) const;

 private:
  HttpResponse dispatch(HttpRequest& request);
  HttpResponse handlePipe(HttpRequest& request, std::string_view pipe_name, std::string_view format_name);
  HttpResponse handlePipeList(HttpRequest& request);
  HttpResponse handlePipeInfo(HttpRequest& request, std::string_view pipe_name);
  HttpResponse handleSql(HttpRequest& request);
  HttpResponse handleEvents(HttpRequest& request);
  HttpResponse handleTokens(HttpRequest& request, std::string_view name);
  HttpResponse handleDataSources(HttpRequest& request, std::string_view name);
  HttpResponse handleBulkLoad(HttpRequest& request, const auth::Principal& principal);

  Workspace& workspace_;
  RouterOptions options_;
  std::atomic<uint64_t> import_counter_{0};
};

/// A fresh random request id (16 hex characters).
std::string newRequestId();

}  // namespace perch::server
