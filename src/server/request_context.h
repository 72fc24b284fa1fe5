// Pieces shared by the route handlers: authentication of a request, JSON error responses and
// the parameter merge that enforces fixed_params (the tenant boundary).
#pragma once

#include <string>
#include <string_view>

#include "auth/principal.h"
#include "server/http_types.h"
#include "server/workspace.h"
#include "templating/template.h"

namespace perch::server {

/// The token of a request: `Authorization: Bearer <t>` or `?token=<t>`; empty when absent.
std::string_view requestToken(const HttpRequest& request);

/// Authenticates the request's token as the admin token, a static token or a JWT.
/// Throws perch::Error(kAuthentication, "invalid authentication token...") — never echoing the token.
auth::Principal authenticate(const HttpRequest& request, Workspace& workspace);

/// Throws perch::Error(kForbidden, "token needs scope <scope>") unless `principal` has it.
void requireScope(const auth::Principal& principal, auth::ScopeType type, std::string_view resource);

/// `{"error": message}` with `status`.
HttpResponse errorResponse(int status, std::string_view message);

/// Request parameters for a pipe: query string (minus `token` and `q`), then a form or JSON POST
/// body. This is the only way parameters reach a template, and the place where the matching
/// scope's fixed_params replace whatever the caller sent (SPEC §6.4); a null fixed param denies.
templating::Params pipeParams(const HttpRequest& request, const auth::Principal& principal, std::string_view pipe);

/// Parameters for `/v0/sql`: the query string minus `q`, `token` and `pipeline`, with the
/// fixed_params of every PIPES:READ scope applied (any pipe the query reaches renders with them).
/// Two scopes fixing one name to different values, or a null one, deny the request.
templating::Params sqlParams(const HttpRequest& request, const auth::Principal& principal);

}  // namespace perch::server
