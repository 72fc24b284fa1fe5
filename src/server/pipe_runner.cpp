#include "server/pipe_runner.h"

#include <algorithm>

#include "common/error.h"

namespace perch::server {

namespace {

std::string quoteIdentifier(std::string_view name) {
  std::string quoted = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "`";
}

}  // namespace

RequestCatalog::RequestCatalog(const Workspace& workspace, const templating::Params& params,
                               const auth::Principal& principal)
    : workspace_(workspace), params_(params), principal_(principal) {}

void RequestCatalog::addPipe(const project::Pipe& pipe) {
  if (std::find(pipes_.begin(), pipes_.end(), &pipe) == pipes_.end()) pipes_.push_back(&pipe);
}

void RequestCatalog::setUnderscore(const project::Pipe& pipe) {
  underscore_ = &pipe;
  addPipe(pipe);
}

std::string RequestCatalog::render(const project::PipeNode& node) const {
  auto it = rendered_.find(&node);
  if (it != rendered_.end()) return it->second;
  std::string sql = node.tmpl ? node.tmpl->render(params_) : node.sql;
  rendered_.emplace(&node, sql);
  return sql;
}

bool RequestCatalog::insidePipe(const std::vector<std::string>& expanding) const {
  if (trust_top_level_) return true;
  return std::any_of(expanding.begin(), expanding.end(),
                     [&](const std::string& name) { return pipe_views_.count(name) > 0; });
}

bool RequestCatalog::mayReadDataSource(std::string_view name, const std::vector<std::string>& expanding) const {
  return principal_.hasScope(auth::ScopeType::kDatasourcesRead, name) || insidePipe(expanding);
}

SnapshotPtr RequestCatalog::tableIn(std::string_view name, const std::vector<std::string>& expanding) const {
  const Table* table = workspace_.table(name);
  if (!table) return nullptr;
  // Every data source reference passed through viewIn first; this is the last line of defence.
  if (!mayReadDataSource(name, expanding)) {
    throw Error(ErrorCode::kForbidden, "token needs scope DATASOURCES:READ:" + std::string(name));
  }
  return table->snapshot();
}

std::optional<std::string> RequestCatalog::viewIn(std::string_view name, const std::vector<std::string>& expanding) const {
  if (name == "_" && underscore_) {
    pipe_views_.insert("_");
    return render(underscore_->nodes[underscore_->endpoint_node]);
  }
  // Nodes of the pipes in scope, in the order the pipes were added (the requested pipe first).
  for (const project::Pipe* pipe : pipes_) {
    for (const auto& node : pipe->nodes) {
      if (node.name == name) {
        pipe_views_.insert(node.name);
        return render(node);
      }
    }
  }
  if (workspace_.table(name)) {
    if (!mayReadDataSource(name, expanding)) {
      throw Error(ErrorCode::kForbidden, "token needs scope DATASOURCES:READ:" + std::string(name));
    }
    const auth::Scope* scope = principal_.scopeFor(auth::ScopeType::kDatasourcesRead, name);
    if (scope && !scope->filter.empty()) {
      // Inside this view, `name` means the table itself (the planner's rule for a view's own name).
      return "SELECT * FROM " + quoteIdentifier(name) + " WHERE (" + scope->filter + ")";
    }
    return std::nullopt;
  }
  // Another pipe by name means its published node; its own nodes come into scope.
  if (const project::Pipe* other = workspace_.pipe(name); other && other->runnable) {
    if (!principal_.hasScope(auth::ScopeType::kPipesRead, other->name) && !insidePipe(expanding)) {
      throw Error(ErrorCode::kForbidden, "token needs scope PIPES:READ:" + other->name);
    }
    if (std::find(pipes_.begin(), pipes_.end(), other) == pipes_.end()) pipes_.push_back(other);
    pipe_views_.insert(other->name);
    return render(other->nodes[other->endpoint_node]);
  }
  return std::nullopt;
}

QueryResult runPipe(const Workspace& workspace, const project::Pipe& pipe, const templating::Params& params,
                    const auth::Principal& principal, const std::optional<std::string>& q, const QueryOptions& options) {
  RequestCatalog catalog(workspace, params, principal);
  catalog.addPipe(pipe);
  if (q) {
    catalog.setUnderscore(pipe);
    return executeQuery(*q, catalog, options);
  }
  catalog.trustTopLevel();
  const std::string sql = *catalog.view(pipe.nodes[pipe.endpoint_node].name);
  return executeQuery(sql, catalog, options);
}

}  // namespace perch::server
