// PipeRunner: runs a pipe for one request — renders the template nodes it needs (lazily, each at
// most once), lets the engine inline nodes (and other pipes) as subqueries, and optionally runs
// a `q=` query over the published node, which that query calls `_`.
#pragma once

#include <optional>
#include <string>

#include "exec/query.h"
#include "server/workspace.h"
#include "templating/template.h"

namespace perch::server {

/// Catalog of one request: data sources of the workspace, the nodes of the requested pipe (and of
/// pipes it reads), rendered with the request's parameters on first use; `_` is the published node
/// when `underscore_pipe` is set. Not thread-safe: one per request.
class RequestCatalog : public Catalog {
 public:
  RequestCatalog(const Workspace& workspace, const templating::Params& params);

  /// Makes the nodes of `pipe` resolvable (searched in the order pipes were added).
  void addPipe(const project::Pipe& pipe);
  /// Makes `_` resolve to the published node of `pipe`.
  void setUnderscore(const project::Pipe& pipe);

  SnapshotPtr table(std::string_view name) const override;
  std::optional<std::string> view(std::string_view name) const override;

 private:
  std::string render(const project::Pipe& pipe, const project::PipeNode& node) const;

  const Workspace& workspace_;
  const templating::Params& params_;
  mutable std::vector<const project::Pipe*> pipes_;
  const project::Pipe* underscore_ = nullptr;
  mutable std::map<const project::PipeNode*, std::string> rendered_;
};

/// Runs `pipe`'s published node (or `q` over it, as `_`) with `params`.
QueryResult runPipe(const Workspace& workspace, const project::Pipe& pipe, const templating::Params& params,
                    const std::optional<std::string>& q, const QueryOptions& options);

}  // namespace perch::server
