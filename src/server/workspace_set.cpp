#include "server/workspace_set.h"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "auth/hmac_sha256.h"
#include "auth/jwt.h"
#include "common/json.h"
#include "server/request_context.h"

namespace perch::server {

namespace {

std::filesystem::path resolvePath(const std::filesystem::path& base, const std::string& text) {
  const std::filesystem::path path(text);
  return path.is_absolute() ? path : base / path;
}

std::string normalized(const std::filesystem::path& path) {
  return std::filesystem::weakly_canonical(std::filesystem::absolute(path)).string();
}

}  // namespace

std::vector<WorkspaceConfig> parseWorkspacesFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read workspaces file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  const auto fail = [&file](const std::string& message) -> std::runtime_error {
    return std::runtime_error(file.string() + ": " + message);
  };
  JsonValue root;
  try {
    root = parseJson(text.str());
  } catch (const Error& error) {
    throw fail(std::string("not valid JSON: ") + error.what());
  }
  const JsonValue* list = root.isObject() ? root.find("workspaces") : nullptr;
  if (list == nullptr || !list->isArray() || list->asArray().empty()) {
    throw fail("expected {\"workspaces\": [{\"name\": ..., \"project\": ..., \"data\": ...}, ...]}");
  }
  const std::filesystem::path base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::vector<WorkspaceConfig> configs;
  std::set<std::string> names;
  std::set<std::string> data_dirs;
  for (const JsonValue& entry : list->asArray()) {
    const std::string where = "workspace #" + std::to_string(configs.size() + 1);
    if (!entry.isObject()) throw fail(where + " is not an object");
    WorkspaceConfig config;
    for (const auto& [key, value] : entry.asObject()) {
      if (!value.isString() || value.asString().empty()) throw fail(where + ": \"" + key + "\" must be a non-empty string");
      const std::string& text = value.asString();
      if (key == "name") {
        config.name = text;
      } else if (key == "project") {
        config.project_dir = resolvePath(base, text);
      } else if (key == "data") {
        config.data_dir = resolvePath(base, text);
      } else if (key == "admin_token_file") {
        config.admin_token_file = resolvePath(base, text);
      } else if (key == "issuers") {
        config.issuers_file = resolvePath(base, text);
      } else if (key == "workspace_id") {
        config.workspace_id = text;
      } else {
        throw fail(where + ": unknown key \"" + key +
                   "\" (known: name, project, data, admin_token_file, issuers, workspace_id)");
      }
    }
    if (config.name.empty() || config.project_dir.empty() || config.data_dir.empty()) {
      throw fail(where + " needs \"name\", \"project\" and \"data\"");
    }
    if (!names.insert(config.name).second) throw fail("two workspaces are named \"" + config.name + "\"");
    if (!data_dirs.insert(normalized(config.data_dir)).second) {
      throw fail("workspaces must not share a data directory (" + config.data_dir.string() + ")");
    }
    configs.push_back(std::move(config));
  }
  return configs;
}

WorkspaceDispatcher::WorkspaceDispatcher(std::vector<Workspace*> workspaces, std::vector<Router*> routers)
    : workspaces_(std::move(workspaces)), routers_(std::move(routers)) {
  if (workspaces_.empty() || workspaces_.size() != routers_.size()) {
    throw std::logic_error("WorkspaceDispatcher needs one router per workspace");
  }
  for (size_t i = 0; i < workspaces_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (workspaces_[i]->identity().workspace_id == workspaces_[j]->identity().workspace_id) {
        throw std::runtime_error("two workspaces have the same workspace id " + workspaces_[i]->identity().workspace_id);
      }
      if (auth::constantTimeEquals(workspaces_[i]->identity().admin_token, workspaces_[j]->identity().admin_token)) {
        throw std::runtime_error("two workspaces have the same admin token; each needs its own");
      }
    }
  }
}

size_t WorkspaceDispatcher::route(const HttpRequest& request) const {
  const std::string_view token = requestToken(request);
  if (token.empty() || workspaces_.size() == 1) return 0;
  if (auth::looksLikeJwt(token)) {
    const auto routing = auth::peekJwtRouting(token);
    if (!routing) return 0;
    if (!routing->workspace_id.empty()) {
      for (size_t i = 0; i < workspaces_.size(); ++i) {
        if (workspaces_[i]->identity().workspace_id == routing->workspace_id) return i;
      }
    }
    if (!routing->issuer.empty()) {
      for (size_t i = 0; i < workspaces_.size(); ++i) {
        if (workspaces_[i]->issuers().find(routing->issuer) != nullptr) return i;
      }
    }
    return 0;
  }
  for (size_t i = 0; i < workspaces_.size(); ++i) {
    if (auth::constantTimeEquals(token, workspaces_[i]->identity().admin_token)) return i;
    if (workspaces_[i]->tokens().findBySecret(token)) return i;
  }
  return 0;
}

HttpResponse WorkspaceDispatcher::handle(HttpRequest& request) const { return routers_[route(request)]->handle(request); }

}  // namespace perch::server
