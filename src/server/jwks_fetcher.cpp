#include "server/jwks_fetcher.h"

#include <iostream>

#include "auth/key_set.h"
#include "server/http_client.h"

namespace perch::server {

auth::JwksFetcher makeJwksFetcher(std::chrono::milliseconds timeout) {
  return [timeout](const std::string& url) -> std::optional<std::string> {
    std::string error;
    auto response = httpRequest("GET", url, {{"Accept", "application/json"}}, "", timeout, auth::kMaxJwksBytes, &error);
    if (!response) {
      std::cerr << "perch: fetching a JWKS failed: " << error << "\n";
      return std::nullopt;
    }
    if (response->status != 200) return std::nullopt;  // redirects are not followed
    return std::move(response->body);
  };
}

}  // namespace perch::server
