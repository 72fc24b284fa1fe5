// Several workspaces in one Perch process (`perch serve --workspaces FILE`): the configuration
// file, and the dispatcher that hands each request to the one workspace its token belongs to.
//
// Each workspace is a complete, separate Workspace (own project, data directory, tables, admin
// token, workspace id, static tokens, issuers, rate limiter) with its own Router; nothing is
// shared between them. The dispatcher only *chooses* a workspace — it never authenticates:
//   - a JWT goes to the workspace named by its (unverified) `workspace_id` claim, else to the
//     workspace that configures its `iss` as an external issuer; that workspace's Router then
//     verifies it with that workspace's keys only, so a token signed for workspace A and claiming
//     workspace B is checked with B's key and fails;
//   - any other token goes to the workspace whose admin token or static token it is (compared in
//     constant time);
//   - a request without a token, or with a token no workspace knows, goes to the first workspace,
//     whose Router answers it (health, CORS preflight, dev-auth) or rejects it (403) as usual.
// Startup refuses configurations where two workspaces share a name, a data directory, a workspace
// id or an admin token — any of those would blur the boundary.
//
// Thread safety: after construction the dispatcher is read-only; handle() runs on many io threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/http_types.h"
#include "server/router.h"
#include "server/workspace.h"

namespace perch::server {

/// One entry of a workspaces file. Relative paths are relative to the file's directory.
struct WorkspaceConfig {
  std::string name;
  std::filesystem::path project_dir;
  std::filesystem::path data_dir;
  std::filesystem::path admin_token_file;  // optional: else generated under data_dir
  std::filesystem::path issuers_file;      // optional: else <data_dir>/issuers.json if present
  std::string workspace_id;                // optional: else generated under data_dir
};

/// Parses `{"workspaces": [{"name", "project", "data", "admin_token_file"?, "issuers"?,
/// "workspace_id"?}, ...]}`. Throws std::runtime_error naming the file and the problem (unknown key,
/// missing field, duplicate name or data directory, no workspaces).
std::vector<WorkspaceConfig> parseWorkspacesFile(const std::filesystem::path& file);

class WorkspaceDispatcher {
 public:
  /// `workspaces` and `routers` are parallel and non-empty; the first workspace is the default.
  /// Throws std::runtime_error when two workspaces share a workspace id or an admin token.
  WorkspaceDispatcher(std::vector<Workspace*> workspaces, std::vector<Router*> routers);

  HttpResponse handle(HttpRequest& request) const;
  /// Index of the workspace `request` belongs to (see the header comment).
  size_t route(const HttpRequest& request) const;

 private:
  std::vector<Workspace*> workspaces_;
  std::vector<Router*> routers_;
};

}  // namespace perch::server
