#include "server/pipe_runner.h"

#include <algorithm>

#include "common/error.h"

namespace perch::server {

RequestCatalog::RequestCatalog(const Workspace& workspace, const templating::Params& params)
    : workspace_(workspace), params_(params) {}

void RequestCatalog::addPipe(const project::Pipe& pipe) {
  if (std::find(pipes_.begin(), pipes_.end(), &pipe) == pipes_.end()) pipes_.push_back(&pipe);
}

void RequestCatalog::setUnderscore(const project::Pipe& pipe) {
  underscore_ = &pipe;
  addPipe(pipe);
}

SnapshotPtr RequestCatalog::table(std::string_view name) const {
  const Table* table = workspace_.table(name);
  return table ? table->snapshot() : nullptr;
}

std::string RequestCatalog::render(const project::Pipe& pipe, const project::PipeNode& node) const {
  auto it = rendered_.find(&node);
  if (it != rendered_.end()) return it->second;
  std::string sql = node.tmpl ? node.tmpl->render(params_) : node.sql;
  rendered_.emplace(&node, sql);
  (void)pipe;
  return sql;
}

std::optional<std::string> RequestCatalog::view(std::string_view name) const {
  if (name == "_" && underscore_) return render(*underscore_, underscore_->nodes[underscore_->endpoint_node]);
  // Nodes of the pipes in scope, in the order the pipes were added (the requested pipe first).
  for (size_t i = 0; i < pipes_.size(); ++i) {
    const project::Pipe& pipe = *pipes_[i];
    for (const auto& node : pipe.nodes) {
      if (node.name == name) return render(pipe, node);
    }
  }
  // Another pipe by name means its published node; its own nodes come into scope.
  if (const project::Pipe* other = workspace_.pipe(name); other && other->runnable) {
    pipes_.push_back(other);
    return render(*other, other->nodes[other->endpoint_node]);
  }
  return std::nullopt;
}

QueryResult runPipe(const Workspace& workspace, const project::Pipe& pipe, const templating::Params& params,
                    const std::optional<std::string>& q, const QueryOptions& options) {
  RequestCatalog catalog(workspace, params);
  catalog.addPipe(pipe);
  if (q) {
    catalog.setUnderscore(pipe);
    return executeQuery(*q, catalog, options);
  }
  const std::string sql = *catalog.view(pipe.nodes[pipe.endpoint_node].name);
  return executeQuery(sql, catalog, options);
}

}  // namespace perch::server
