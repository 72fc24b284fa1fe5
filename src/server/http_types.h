// Plain request/response values passed between the HTTP transport (HttpServer) and the Router.
// They carry no Beast types, so handlers and their tests need no networking.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace perch::server {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string path;     // URL-decoded path without the query string
  KeyValues query;      // URL-decoded query parameters in order (repeated keys kept)
  KeyValues headers;    // header names as received
  std::string body;     // already decompressed when Content-Encoding was gzip

  /// Value of header `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  /// First value of query parameter `name`, or empty.
  std::string_view queryValue(std::string_view name) const;
  bool hasQuery(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  KeyValues headers;  // extra headers (rate limits, warnings, ...)
};

/// Decodes %XX escapes (and '+' as space when `plus_is_space`). Invalid escapes are kept literally.
std::string urlDecode(std::string_view text, bool plus_is_space);
/// Splits `a=1&b=2` into decoded pairs.
KeyValues parseQueryString(std::string_view text);

}  // namespace perch::server
