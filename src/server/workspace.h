// Workspace: everything one Perch workspace serves — the loaded project, one Table per data
// source (plus `<ds>_quarantine`), the ingestion decoders, static tokens, the admin token, the
// workspace id and the JWT rate limiter.
//
// Built once at start; the project, tables map and decoders are immutable afterwards (tables
// themselves are internally synchronized), so handlers share a Workspace without locks.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "auth/issuer_registry.h"
#include "auth/rate_limiter.h"
#include "auth/token_store.h"
#include "ingest/event_decoder.h"
#include "project/project.h"
#include "server/data_dir_lock.h"
#include "storage/table.h"

namespace perch::server {

struct WorkspaceIdentity {
  std::string admin_token;
  std::string workspace_id;
};

/// Resolves the admin token and workspace id (SPEC §2): environment PERCH_ADMIN_TOKEN or
/// `admin_token_file`, else generated on first start and persisted under `data_dir` (mode 0600);
/// PERCH_WORKSPACE_ID (or `workspace_id` when given), else generated and persisted. With
/// `use_environment` false (several workspaces in one process) the environment is ignored, so no
/// two workspaces can end up sharing a key. Throws std::runtime_error when a configured admin token
/// is shorter than 32 characters. `messages` receives human-readable notes.
WorkspaceIdentity resolveIdentity(const std::filesystem::path& data_dir, const std::filesystem::path& admin_token_file,
                                  std::vector<std::string>& messages, bool use_environment = true,
                                  const std::string& workspace_id = {});

struct WorkspaceOptions {
  std::filesystem::path project_dir;
  std::filesystem::path data_dir;
  WorkspaceIdentity identity;
  int jwt_leeway_seconds = 5;
  /// External JWT issuers (SPEC §6.6), a JSON file of `{"issuers": [...]}` (see src/auth/README.md).
  /// Empty: `<data>/issuers.json` when it exists, else none (only HS256 admin-token JWTs).
  std::filesystem::path issuers_file;
};

class Workspace {
 public:
  /// Loads the project (throws project::ProjectError) and prepares tables, decoders and the
  /// tokens declared by TOKEN lines. Throws perch::Error for invalid DEFAULTs / jsonpaths.
  explicit Workspace(WorkspaceOptions options);

  const project::Project& project() const { return project_; }
  const WorkspaceIdentity& identity() const { return options_.identity; }
  int jwtLeewaySeconds() const { return options_.jwt_leeway_seconds; }

  /// A data source or quarantine table by name, or nullptr.
  Table* table(std::string_view name) const;
  const ingest::EventDecoder* decoder(std::string_view data_source) const;
  const project::Pipe* pipe(std::string_view name) const;

  const std::filesystem::path& dataDir() const { return options_.data_dir; }
  /// Writes `<data>/server.json` ({"url", "pid", "project"}) once the server listens, so `perch sql
  /// --data DIR` finds the server of a data folder on whatever port it runs.
  void recordServerAddress(const std::string& url) const;

  auth::TokenStore& tokens() { return *tokens_; }
  auth::RateLimiter& limiter() { return limiter_; }
  const auth::IssuerRegistry& issuers() const { return issuers_; }

 private:
  WorkspaceOptions options_;
  DataDirLock lock_;  // before the tables: taken first, released after they are closed
  project::Project project_;
  std::map<std::string, std::unique_ptr<Table>, std::less<>> tables_;
  std::map<std::string, std::unique_ptr<ingest::EventDecoder>, std::less<>> decoders_;
  std::unique_ptr<auth::TokenStore> tokens_;
  auth::RateLimiter limiter_;
  auth::IssuerRegistry issuers_;
};

/// What `<data>/server.json` says about the server that last ran on `data_dir` (empty fields when the
/// file is missing or unreadable). Only meaningful while DataDirLock::isHeld(data_dir).
struct ServerRecord {
  std::string url;
  std::string project_dir;
};
ServerRecord readServerRecord(const std::filesystem::path& data_dir);

/// Builds the ingestion columns of a data source (parsing DEFAULTs). Throws perch::Error with a
/// `file:line: message` text on an invalid DEFAULT or jsonpath.
std::vector<ingest::IngestColumn> ingestColumns(const project::DataSource& source);

/// The storage options of a data source with table schema `schema` (directory left empty): sorting
/// key, codecs, ENGINE (ReplacingMergeTree + ENGINE_VER), ENGINE_PARTITION_KEY and ENGINE_TTL
/// compiled into the partition/expiry hooks, ENGINE_SETTINGS index_granularity. Throws perch::Error
/// (kBadRequest) with a `file: message` text on an invalid key, TTL, version column or setting.
TableOptions tableOptions(const project::DataSource& source, const TableSchema& schema);

}  // namespace perch::server
