// A small blocking HTTP(S) client for the few places Perch is the client: fetching JWKS and the
// `perch sql` command talking to a running server. One request per connection, a timeout, a body
// cap, certificate and host-name verification for https, no redirects.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "server/http_types.h"

namespace perch::server {

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

/// Sends one request. Returns nullopt (and writes the reason to `error` when given) when the URL
/// is not http(s), the connection fails, the timeout passes or the body exceeds `max_body_bytes`.
std::optional<HttpClientResponse> httpRequest(const std::string& method, const std::string& url,
                                              const KeyValues& headers, const std::string& body,
                                              std::chrono::milliseconds timeout, size_t max_body_bytes,
                                              std::string* error = nullptr);

/// Percent-encodes `text` for a query string value.
std::string urlEncode(std::string_view text);

}  // namespace perch::server
