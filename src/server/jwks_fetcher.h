// JwksFetcher for external JWT issuers (SPEC §6.6): a blocking HTTP(S) GET with a short timeout,
// a body cap, certificate verification for https, and no redirects. Returns nullopt on anything
// but a 200 within the limits.
#pragma once

#include <chrono>

#include "auth/issuer_registry.h"

namespace perch::server {

auth::JwksFetcher makeJwksFetcher(std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace perch::server
