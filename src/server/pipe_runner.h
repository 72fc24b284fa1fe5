// RequestCatalog and runPipe: how one request's SQL sees the workspace.
//
// The catalog resolves names for the engine: template nodes of the pipes in scope (rendered with
// the request's parameters on first use), other pipes by name (their published node), `_` (the
// published node of the requested pipe, for `q=` and `/v0/sql?pipeline=`), and data sources.
//
// It is also where read access is enforced, because every table reference the planner meets —
// in subqueries, joins, unions, IN (...), CTEs, pipe nodes — is resolved through it:
//   * SQL written by the caller (`q=`, `/v0/sql`) may name a data source only with a
//     DATASOURCES:READ scope for it, and a pipe only with PIPES:READ for it;
//   * SQL inside a pipe the caller may read (its nodes, `_`) may read any data source;
//   * a DATASOURCES:READ scope's `filter` wraps the data source in a filtering view wherever it is
//     referenced, inside pipes too, so the predicate is ANDed into every read.
// Not thread-safe: one catalog per request.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "auth/principal.h"
#include "exec/query.h"
#include "server/workspace.h"
#include "templating/template.h"

namespace perch::server {

class RequestCatalog : public Catalog {
 public:
  RequestCatalog(const Workspace& workspace, const templating::Params& params, const auth::Principal& principal);

  /// Makes the nodes of `pipe` resolvable. The caller has checked PIPES:READ for it.
  void addPipe(const project::Pipe& pipe);
  /// Makes `_` resolve to the published node of `pipe`. The caller has checked PIPES:READ for it.
  void setUnderscore(const project::Pipe& pipe);
  /// The top-level query is a pipe's own node (an endpoint call without `q=`): trusted like a node.
  void trustTopLevel() { trust_top_level_ = true; }

  SnapshotPtr table(std::string_view name) const override { return tableIn(name, {}); }
  std::optional<std::string> view(std::string_view name) const override { return viewIn(name, {}); }
  SnapshotPtr tableIn(std::string_view name, const std::vector<std::string>& expanding) const override;
  std::optional<std::string> viewIn(std::string_view name, const std::vector<std::string>& expanding) const override;

 private:
  std::string render(const project::PipeNode& node) const;
  /// True when the reference sits inside SQL that belongs to a pipe the caller may read.
  bool insidePipe(const std::vector<std::string>& expanding) const;
  bool mayReadDataSource(std::string_view name, const std::vector<std::string>& expanding) const;

  const Workspace& workspace_;
  const templating::Params& params_;
  const auth::Principal& principal_;
  bool trust_top_level_ = false;
  mutable std::vector<const project::Pipe*> pipes_;
  const project::Pipe* underscore_ = nullptr;
  mutable std::map<const project::PipeNode*, std::string> rendered_;
  mutable std::set<std::string, std::less<>> pipe_views_;  // names resolved to pipe SQL
};

/// Runs `pipe`'s published node (or `q` over it, as `_`) with `params` for `principal`, who has
/// PIPES:READ for the pipe.
QueryResult runPipe(const Workspace& workspace, const project::Pipe& pipe, const templating::Params& params,
                    const auth::Principal& principal, const std::optional<std::string>& q, const QueryOptions& options);

}  // namespace perch::server
