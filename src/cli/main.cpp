// perch: the server, the checker and the token tool in one binary (SPEC §2).
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "auth/jwt.h"
#include "auth/scope.h"
#include "auth/token_store.h"
#include "cli/args.h"
#include "common/error.h"
#include "exec/query.h"
#include "project/project.h"
#include "server/dev_auth.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/workspace.h"
#include "server/workspace_set.h"

namespace perch::cli {

namespace {

constexpr const char* kUsage = R"(usage:
  perch serve --project DIR --data DIR [--host 127.0.0.1] [--port 7181] [--admin-token-file F]
  perch serve --workspaces FILE [...]   (several workspaces, each with its own project, data, tokens;
              FILE = {"workspaces": [{"name", "project", "data", "admin_token_file"?, "issuers"?,
              "workspace_id"?}]}, paths relative to FILE; requests go to the workspace of their token)
              [--threads N] [--max-body-bytes N] [--jwt-leeway-seconds S] [--cors-origin O] [--quiet]
              [--max-query-memory BYTES]   (per query, e.g. 2G; default half the RAM, at most 4 GiB;
                                  0 = no limit; a query past it fails with 400 "Memory limit
                                  (for query) exceeded")
              [--issuers FILE]   (external RS256/ES256 JWT issuers; default <data>/issuers.json)
              [--dev-auth DIR]   (DEVELOPMENT ONLY: Clerk-like sign-in from DIR/users.json and
                                  DIR/jwt-template.json at POST /v0/dev-auth/token)
  perch check --project DIR
  perch token jwt --name N --ttl 1h --scope PIPES:READ --resource PIPE [--fixed-params k=v[,k2=v2]]
                  [--rps R] [--data DIR | --admin-token-file F] [--workspace-id ID]
                  [--filter "SQL condition"]   (after a DATASOURCES:READ pair: ANDed into every read)
                  (several --scope/--resource pairs may be given; --fixed-params/--filter apply to the last)
  perch token ls --data DIR
  perch sql [--url URL | --data DIR [--project DIR]] [--format table|json|csv|tsv]
            [--max-query-memory BYTES] "SELECT ..."   (the limit applies when DIR is opened in-process)
              (--data DIR: the server running on DIR, on whatever port; with no server running, DIR
              is opened by this process with --project or the project its last server recorded;
              admin token from PERCH_ADMIN_TOKEN or DIR; no --url/--data: http://127.0.0.1:7181)
environment: PERCH_ADMIN_TOKEN, PERCH_WORKSPACE_ID, PERCH_MAX_QUERY_MEMORY (bytes; --max-query-memory wins)
)";

}  // namespace

int runSql(const Args& args);

namespace {

/// --max-query-memory BYTES → every query's default memory limit (QueryOptions::max_memory_bytes).
void applyMaxQueryMemory(const Args& args) {
  if (auto value = args.get("max-query-memory")) setDefaultMaxQueryMemory(parseByteSize(*value, "max-query-memory"));
}

int usageError(const std::string& message) {
  std::cerr << "perch: " << message << "\n" << kUsage;
  return 2;
}

int64_t parseDuration(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty duration");
  size_t used = 0;
  const int64_t number = std::stoll(text, &used);
  const std::string unit = text.substr(used);
  if (unit.empty() || unit == "s") return number;
  if (unit == "m") return number * 60;
  if (unit == "h") return number * 3600;
  if (unit == "d") return number * 86400;
  throw std::invalid_argument("unknown duration unit in '" + text + "' (use s, m, h or d)");
}

int runCheck(const Args& args) {
  const auto project_dir = args.get("project");
  if (!project_dir) return usageError("check needs --project DIR");
  try {
    project::Project project = project::loadProject(*project_dir);
    for (const auto& [name, source] : project.data_sources) {
      // Also compiles the partition key and TTL, so a bad expression fails the check naming the file.
      server::tableOptions(source, ingest::EventDecoder(server::ingestColumns(source)).schema());
    }
    for (const auto& warning : project.warnings) std::cerr << warning.toString() << "\n";
    for (const auto& problem : project.check_errors) std::cerr << problem.toString() << "\n";
    if (!project.check_errors.empty()) return 1;
    std::cout << "ok: " << project.data_sources.size() << " data sources, " << project.pipes.size() << " pipes\n";
    return 0;
  } catch (const project::ProjectError& error) {
    std::cerr << error.what() << "\n";
  } catch (const Error& error) {
    std::cerr << error.what() << "\n";
  }
  return 1;
}

// The workspaces to serve: one from --project/--data (and the environment), or every entry of a
// --workspaces file (environment ignored, so workspaces never share a key).
std::vector<std::pair<std::string, server::WorkspaceOptions>> workspaceOptions(const Args& args,
                                                                                std::vector<std::string>& messages) {
  std::vector<std::pair<std::string, server::WorkspaceOptions>> result;
  const int leeway = std::clamp(std::stoi(args.getOr("jwt-leeway-seconds", "5")), 0, 60);
  if (auto file = args.get("workspaces")) {
    if (args.has("project") || args.has("data") || args.has("admin-token-file") || args.has("issuers")) {
      throw std::runtime_error("--workspaces replaces --project/--data/--admin-token-file/--issuers; set them per workspace in the file");
    }
    for (const auto& config : server::parseWorkspacesFile(*file)) {
      server::WorkspaceOptions options;
      options.project_dir = config.project_dir;
      options.data_dir = config.data_dir;
      options.issuers_file = config.issuers_file;
      options.jwt_leeway_seconds = leeway;
      std::vector<std::string> notes;
      options.identity = server::resolveIdentity(config.data_dir, config.admin_token_file, notes,
                                                 /*use_environment=*/false, config.workspace_id);
      for (auto& note : notes) messages.push_back("workspace " + config.name + ": " + note);
      result.emplace_back(config.name, std::move(options));
    }
    return result;
  }
  server::WorkspaceOptions options;
  options.project_dir = args.getOr("project", "");
  options.data_dir = args.getOr("data", "");
  options.issuers_file = args.getOr("issuers", "");
  options.jwt_leeway_seconds = leeway;
  options.identity = server::resolveIdentity(options.data_dir, args.getOr("admin-token-file", ""), messages);
  result.emplace_back("default", std::move(options));
  return result;
}

int runServe(const Args& args) {
  if (!args.has("workspaces") && (!args.get("project") || !args.get("data"))) {
    return usageError("serve needs --project DIR and --data DIR (or --workspaces FILE)");
  }
  applyMaxQueryMemory(args);

  std::vector<std::string> messages;
  std::vector<std::string> names;
  std::vector<std::unique_ptr<server::Workspace>> workspaces;
  try {
    for (auto& [name, options] : workspaceOptions(args, messages)) {
      try {
        workspaces.push_back(std::make_unique<server::Workspace>(options));
        names.push_back(name);
      } catch (const project::ProjectError& error) {
        std::cerr << error.what() << "\nperch: the project of workspace " << name << " has errors; not starting\n";
        return 1;
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "perch: " << error.what() << "\n";
    return 1;
  }
  for (const auto& message : messages) std::cerr << "perch: " << message << "\n";
  for (const auto& workspace : workspaces) {
    for (const auto& warning : workspace->project().warnings) std::cerr << warning.toString() << "\n";
    for (const auto& problem : workspace->project().check_errors) {
      std::cerr << problem.toString() << " (warning: `perch check` fails on this)\n";
    }
  }
  server::Workspace* workspace = workspaces.front().get();

  const std::string host = args.getOr("host", "127.0.0.1");
  std::unique_ptr<server::DevAuth> dev_auth;
  if (auto dev_auth_dir = args.get("dev-auth")) {
    const bool loopback = host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
    if (!loopback && !args.has("i-know-this-is-for-development")) {
      std::cerr << "perch: refusing --dev-auth on " << host << ": it hands out tokens signed with the admin token to "
                << "anyone who can reach it. Use a loopback --host, or add --i-know-this-is-for-development.\n";
      return 1;
    }
    try {
      dev_auth = std::make_unique<server::DevAuth>(*dev_auth_dir, workspace->identity(),
                                                   std::stoi(args.getOr("dev-auth-ttl-seconds", "60")));
    } catch (const std::exception& error) {
      std::cerr << "perch: " << error.what() << "\n";
      return 1;
    }
    std::cerr << "perch: *** DEVELOPMENT SIGN-IN ENABLED (--dev-auth): /v0/dev-auth/token mints JWTs for any demo user "
                 "with the admin token. Never enable this in production. ***\n";
  }

  server::RouterOptions router_options;
  router_options.dev_auth = dev_auth.get();
  router_options.cors_allow_origin = args.getOr("cors-origin", "*");
  router_options.access_log = !args.has("quiet");
  std::vector<std::unique_ptr<server::Router>> routers;
  std::vector<server::Router*> router_pointers;
  std::vector<server::Workspace*> workspace_pointers;
  for (size_t i = 0; i < workspaces.size(); ++i) {
    server::RouterOptions options = router_options;
    if (i > 0) options.dev_auth = nullptr;  // development sign-in belongs to the first workspace only
    routers.push_back(std::make_unique<server::Router>(*workspaces[i], options));
    router_pointers.push_back(routers.back().get());
    workspace_pointers.push_back(workspaces[i].get());
  }
  std::unique_ptr<server::WorkspaceDispatcher> dispatcher;
  try {
    dispatcher = std::make_unique<server::WorkspaceDispatcher>(workspace_pointers, router_pointers);
  } catch (const std::exception& error) {
    std::cerr << "perch: " << error.what() << "\n";
    return 1;
  }

  server::HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = static_cast<uint16_t>(std::stoi(args.getOr("port", "7181")));
  http_options.io_threads = std::stoi(args.getOr("threads", std::to_string(std::max(4u, std::thread::hardware_concurrency()))));
  http_options.max_body_bytes = std::stoull(args.getOr("max-body-bytes", std::to_string(10 * 1024 * 1024)));

  // Signals are taken synchronously by this thread; the io threads inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::HttpServer http(http_options,
                          [&dispatcher](server::HttpRequest& request) { return dispatcher->handle(request); });
  try {
    http.start();
  } catch (const std::exception& error) {
    std::cerr << "perch: cannot listen on " << http_options.host << ":" << http_options.port << ": " << error.what() << "\n";
    return 1;
  }
  const std::string url_host = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "[::1]" : host.find(':') != std::string::npos ? "[" + host + "]" : host;
  for (const auto& served : workspaces) {
    try {
      served->recordServerAddress("http://" + url_host + ":" + std::to_string(http.port()));
    } catch (const std::exception& error) {
      std::cerr << "perch: warning: " << error.what() << " (perch sql --data will need --url)\n";
    }
  }
  for (size_t i = 0; i < workspaces.size(); ++i) {
    std::cerr << "perch: serving " << workspaces[i]->project().pipes.size() << " pipes and "
              << workspaces[i]->project().data_sources.size() << " data sources on http://" << http_options.host << ":"
              << http.port() << " (workspace " << (workspaces.size() > 1 ? names[i] + " " : "")
              << workspaces[i]->identity().workspace_id << ")\n";
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cerr << "perch: received " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down\n";
  http.stop();
  http.wait();
  std::cerr << "perch: stopped\n";
  return 0;
}

int runTokenJwt(const Args& args) {
  std::vector<std::string> messages;
  const std::string data_dir = args.getOr("data", "");
  std::string admin_token;
  std::string workspace_id = args.getOr("workspace-id", "");
  try {
    if (!data_dir.empty()) {
      server::WorkspaceIdentity identity = server::resolveIdentity(data_dir, args.getOr("admin-token-file", ""), messages);
      admin_token = identity.admin_token;
      if (workspace_id.empty()) workspace_id = identity.workspace_id;
    } else {
      const char* env_token = std::getenv("PERCH_ADMIN_TOKEN");
      const char* env_workspace = std::getenv("PERCH_WORKSPACE_ID");
      if (!env_token || !*env_token) return usageError("token jwt needs --data DIR or PERCH_ADMIN_TOKEN");
      admin_token = env_token;
      if (workspace_id.empty() && env_workspace) workspace_id = env_workspace;
    }
  } catch (const std::exception& error) {
    std::cerr << "perch: " << error.what() << "\n";
    return 1;
  }
  if (workspace_id.empty()) return usageError("token jwt needs the workspace id (--data DIR, --workspace-id or PERCH_WORKSPACE_ID)");
  if (admin_token.size() < 32) return usageError("the admin token is shorter than 32 characters");

  auth::JwtClaims claims;
  claims.workspace_id = workspace_id;
  claims.name = args.getOr("name", "");
  if (claims.name.empty()) return usageError("token jwt needs --name");
  claims.iat = static_cast<int64_t>(std::time(nullptr));
  claims.exp = *claims.iat + parseDuration(args.getOr("ttl", "1h"));
  if (auto rps = args.get("rps")) claims.rps = std::stod(*rps);

  std::optional<std::string> pending_type;
  for (const auto& [key, value] : args.ordered()) {
    if (key == "scope") {
      pending_type = value == "PIPE:READ" ? "PIPES:READ" : value;
    } else if (key == "resource") {
      if (!pending_type) return usageError("--resource must follow --scope");
      claims.scopes.push_back(auth::parseScope(*pending_type + ":" + value));
      pending_type.reset();
    } else if (key == "filter") {
      if (claims.scopes.empty() || claims.scopes.back().type != auth::ScopeType::kDatasourcesRead) {
        return usageError("--filter must follow a --scope DATASOURCES:READ --resource DS pair");
      }
      if (value.empty()) return usageError("--filter needs a SQL condition, e.g. \"org_id = 'acme'\"");
      claims.scopes.back().filter = value;
    } else if (key == "fixed-params") {
      if (claims.scopes.empty()) return usageError("--fixed-params must follow a --scope/--resource pair");
      size_t start = 0;
      while (start < value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        const std::string pair = value.substr(start, end - start);
        const size_t equals = pair.find('=');
        if (equals == std::string::npos) return usageError("--fixed-params expects k=v[,k2=v2]");
        auth::FixedParam param;
        param.values.push_back(pair.substr(equals + 1));
        claims.scopes.back().fixed_params[pair.substr(0, equals)] = param;
        start = end + 1;
      }
    }
  }
  if (pending_type) return usageError("--scope " + *pending_type + " needs a --resource");
  if (claims.scopes.empty()) return usageError("token jwt needs at least one --scope/--resource pair");
  std::cout << auth::mintJwt(claims, admin_token) << "\n";
  return 0;
}

int runTokenList(const Args& args) {
  const auto data_dir = args.get("data");
  if (!data_dir) return usageError("token ls needs --data DIR");
  auth::TokenStore store(std::filesystem::path(*data_dir) / "tokens.json");
  for (const auto& token : store.list()) {
    std::cout << token.name << "\t" << token.secret << "\t";
    for (size_t i = 0; i < token.scopes.size(); ++i) std::cout << (i ? "," : "") << auth::formatScope(token.scopes[i]);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // One malloc arena per core instead of glibc's eight: memory a query frees stays in the arena of
  // the thread that freed it, so with many arenas the server's RSS grows towards the sum of what
  // its threads once held (bench/query_bench.py at 100M rows: 1.53-1.58 GiB peak -> 1.04-1.11 GiB,
  // CPU time unchanged). MALLOC_ARENA_MAX in the environment still wins.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
#endif
  if (argc < 2) return usageError("missing command");
  const std::string command = argv[1];
  try {
    if (command == "serve") return runServe(Args(argc, argv, 2, {"quiet", "i-know-this-is-for-development"}));
    if (command == "check") return runCheck(Args(argc, argv, 2));
    if (command == "token" && argc >= 3 && std::string(argv[2]) == "jwt") return runTokenJwt(Args(argc, argv, 3));
    if (command == "token" && argc >= 3 && std::string(argv[2]) == "ls") return runTokenList(Args(argc, argv, 3));
    if (command == "sql") {
      const Args args(argc, argv, 2);
      applyMaxQueryMemory(args);  // for a data folder opened in this process
      return runSql(args);
    }
    if (command == "--help" || command == "help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const Error& error) {
    std::cerr << "perch: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    return usageError(error.what());
  }
  return usageError("unknown command '" + command + "'");
}

}  // namespace perch::cli

int main(int argc, char** argv) { return perch::cli::main(argc, argv); }
