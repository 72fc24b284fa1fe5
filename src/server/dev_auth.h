// DevAuth: a DEVELOPMENT-ONLY stand-in for Clerk's "tinybird" JWT template (issue 7), enabled only
// by `perch serve --dev-auth DIR`. DIR holds `users.json` (users, organizations, memberships) and
// `jwt-template.json` (the template's claims with Clerk shortcodes). It mints exactly what Clerk
// would: the template with `{{user.id}}`, `{{org.id}}`, `{{org.slug}}`, `{{org.role}}`,
// `{{user.public_metadata.*}}`, `{{env.PERCH_WORKSPACE_ID}}` resolved (a missing value is JSON
// null; a string that is one shortcode keeps the value's JSON type), plus Clerk's own claims
// iss, sub, azp, iat, nbf, exp (60 s) and jti, signed HS256 with the admin token.
//
// Anyone who can reach these routes gets a token for any demo user, so the server refuses to
// enable it on a non-loopback address unless explicitly told so, and says so loudly.
//
// Routes: GET /v0/dev-auth/users, POST /v0/dev-auth/token {"userId", "orgId"}.
// Immutable after construction; thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "common/json.h"
#include "server/http_types.h"
#include "server/workspace.h"

namespace perch::server {

class DevAuth {
 public:
  /// Loads DIR/users.json and DIR/jwt-template.json. Throws std::runtime_error naming the file.
  DevAuth(const std::filesystem::path& directory, const WorkspaceIdentity& identity, int ttl_seconds = 60);

  HttpResponse handle(const HttpRequest& request) const;

  /// The template's claims resolved for a user and (optional) organization; exposed for tests.
  JsonValue resolveClaims(std::string_view user_id, std::string_view org_id, std::string_view origin,
                          int64_t now_seconds) const;

 private:
  JsonValue directory_;
  JsonValue template_;
  WorkspaceIdentity identity_;
  int ttl_seconds_;
};

}  // namespace perch::server
