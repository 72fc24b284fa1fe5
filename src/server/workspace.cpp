#include "server/workspace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "auth/random_secret.h"
#include "auth/scope.h"
#include "common/error.h"
#include "common/json.h"
#include "exec/row_expression.h"
#include "server/jwks_fetcher.h"
#include "storage/compression.h"

namespace perch::server {

namespace {

constexpr size_t kMinAdminTokenLength = 32;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(text.begin());
  return text;
}

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream content;
  content << in.rdbuf();
  return trimmed(content.str());
}

// Writes `content` to `path` durably with mode 0600: temp file, fsync, rename, fsync directory.
void writeSecretFile(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + temp.string());
  const std::string data = content + "\n";
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path.string());
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string newUuid() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) throw std::runtime_error("no random bytes available");
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid.push_back('-');
    uuid.push_back(kHex[bytes[i] >> 4]);
    uuid.push_back(kHex[bytes[i] & 15]);
  }
  return uuid;
}

}  // namespace

WorkspaceIdentity resolveIdentity(const std::filesystem::path& data_dir, const std::filesystem::path& admin_token_file,
                                  std::vector<std::string>& messages, bool use_environment,
                                  const std::string& workspace_id) {
  std::filesystem::create_directories(data_dir);
  WorkspaceIdentity identity;
  const char* env_admin_token = use_environment ? std::getenv("PERCH_ADMIN_TOKEN") : nullptr;
  const char* env_workspace_id = use_environment ? std::getenv("PERCH_WORKSPACE_ID") : nullptr;
  if (const char* env = env_admin_token; env && *env) {
    identity.admin_token = trimmed(env);
  } else if (!admin_token_file.empty()) {
    if (!std::filesystem::exists(admin_token_file)) {
      throw std::runtime_error("admin token file " + admin_token_file.string() + " does not exist");
    }
    identity.admin_token = readText(admin_token_file);
  } else {
    const auto stored = data_dir / "admin_token";
    if (std::filesystem::exists(stored)) {
      identity.admin_token = readText(stored);
    } else {
      identity.admin_token = "p.admin." + auth::randomSecret(32);
      writeSecretFile(stored, identity.admin_token);
      messages.push_back("generated an admin token and stored it in " + stored.string() + " (mode 0600)");
    }
  }
  if (identity.admin_token.size() < kMinAdminTokenLength) {
    throw std::runtime_error("the admin token is shorter than 32 characters; it signs JWTs (HMAC key), so a short "
                             "one can be brute-forced. Use a longer PERCH_ADMIN_TOKEN.");
  }

  if (!workspace_id.empty()) {
    identity.workspace_id = workspace_id;
  } else if (const char* env = env_workspace_id; env && *env) {
    identity.workspace_id = trimmed(env);
  } else {
    const auto stored = data_dir / "workspace_id";
    if (std::filesystem::exists(stored)) {
      identity.workspace_id = readText(stored);
    } else {
      identity.workspace_id = newUuid();
      writeSecretFile(stored, identity.workspace_id);
      messages.push_back("generated workspace id " + identity.workspace_id);
    }
  }
  return identity;
}

void Workspace::recordServerAddress(const std::string& url) const {
  JsonValue::Object record;
  record.emplace_back("url", JsonValue::fromString(url));
  record.emplace_back("pid", JsonValue::fromInt64(::getpid()));
  record.emplace_back("project", JsonValue::fromString(std::filesystem::absolute(options_.project_dir).lexically_normal().string()));
  writeSecretFile(options_.data_dir / "server.json", toJson(JsonValue::fromObject(std::move(record))));
}

ServerRecord readServerRecord(const std::filesystem::path& data_dir) {
  ServerRecord record;
  try {
    const JsonValue json = parseJson(readText(data_dir / "server.json"));
    if (const JsonValue* url = json.find("url"); url && url->isString()) record.url = url->asString();
    if (const JsonValue* project = json.find("project"); project && project->isString()) record.project_dir = project->asString();
  } catch (const Error&) {
    // missing or damaged: the caller asks for --url / --project instead
  }
  return record;
}

std::vector<ingest::IngestColumn> ingestColumns(const project::DataSource& source) {
  std::vector<ingest::IngestColumn> columns;
  for (const auto& column : source.columns) {
    ingest::IngestColumn ingest_column;
    ingest_column.name = column.name;
    ingest_column.type = column.type;
    ingest_column.json_path = column.json_path;
    try {
      ingest::parseJsonPath(column.json_path);
      if (column.default_expr) {
        ingest_column.default_value = ingest::parseDefault(*column.default_expr, column.type);
        ingest_column.has_default = true;
      }
    } catch (const Error& error) {
      throw Error(ErrorCode::kBadRequest, source.file.string() + ":" + std::to_string(column.line) + ": " + error.what());
    }
    columns.push_back(std::move(ingest_column));
  }
  return columns;
}

namespace {

// The number of top-level elements of a sorting key such as "a, b", "(a, toDate(b))" or "tuple()".
size_t sortingKeyElementCount(std::string_view key) {
  auto trim = [](std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
  };
  key = trim(key);
  if (key.empty() || key == "tuple()") return 0;
  if (key.front() == '(' && key.back() == ')') key = trim(key.substr(1, key.size() - 2));
  size_t elements = 1;
  int depth = 0;
  for (char c : key) {
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (c == ',' && depth == 0) ++elements;
  }
  return elements;
}

// "DELETE" at the end of a TTL clause is the default action; other actions are not supported.
std::string ttlExpression(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() >= 6) {
    std::string tail = text.substr(text.size() - 6);
    for (char& c : tail) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (tail == "DELETE" && (text.size() == 6 || std::isspace(static_cast<unsigned char>(text[text.size() - 7])))) {
      text.resize(text.size() - 6);
    }
  }
  return text;
}

}  // namespace

TableOptions tableOptions(const project::DataSource& source, const TableSchema& schema) {
  const std::string where = source.file.string() + ": ";
  TableOptions options;
  options.sorting_key = sortingKeyColumns(source.sorting_key, schema);
  for (const auto& column : source.columns) {
    if (auto codec = storage::parseCodec(column.codec)) options.column_codecs[column.name] = *codec;
  }
  if (source.engine == "ReplacingMergeTree") {
    // Deduplication compares the full sorting key; with an expression in the key, storage only
    // knows its leading columns and would collapse rows that merely share them. Such tables keep
    // every row (as before) rather than lose some.
    if (options.sorting_key.size() == sortingKeyElementCount(source.sorting_key)) {
      options.engine = TableEngine::kReplacingMergeTree;
    } else {
      std::cerr << "perch: " << where << "ReplacingMergeTree with an expression in ENGINE_SORTING_KEY '" << source.sorting_key
                << "' runs as plain MergeTree for now (no deduplication)\n";
    }
  }
  if (!source.version_column.empty()) {
    if (source.engine != "ReplacingMergeTree") {
      throw Error(ErrorCode::kBadRequest, where + "ENGINE_VER is only valid with ENGINE \"ReplacingMergeTree\"");
    }
    const auto index = schema.indexOf(source.version_column);
    const DataType* type = index ? &schema.columns[*index].type : nullptr;
    if (!type || !(type->isInteger() || type->id() == TypeId::kDate || type->id() == TypeId::kDateTime)) {
      throw Error(ErrorCode::kBadRequest, where + "ENGINE_VER '" + source.version_column +
                                              "' must name a column of an integer, Date or DateTime type");
    }
    options.version_column = source.version_column;
  }
  std::string partition_key = source.partition_key;
  if (partition_key == "tuple()") partition_key.clear();
  if (!partition_key.empty()) {
    try {
      auto expression = std::make_shared<const RowExpression>(RowExpression::compile(partition_key, schema));
      options.partition_of = [expression](const Batch& batch) { return expression->evaluateText(batch); };
    } catch (const Error& error) {
      throw Error(ErrorCode::kBadRequest, where + "invalid ENGINE_PARTITION_KEY '" + partition_key + "': " + error.what());
    }
  }
  if (!source.ttl.empty()) {
    std::shared_ptr<const RowExpression> expression;
    try {
      expression = std::make_shared<const RowExpression>(RowExpression::compile(ttlExpression(source.ttl), schema));
    } catch (const Error& error) {
      throw Error(ErrorCode::kBadRequest, where + "invalid ENGINE_TTL '" + source.ttl + "': " + error.what());
    }
    if (!expression->isTimePoint()) {
      throw Error(ErrorCode::kBadRequest, where + "ENGINE_TTL '" + source.ttl + "' must be a Date or DateTime, got " +
                                              expression->type().name());
    }
    options.expires_at = [expression](const Batch& batch) { return expression->evaluateEpochSeconds(batch); };
  }
  // ENGINE_SETTINGS "index_granularity = 256, ...": index_granularity sets the granule size; other
  // settings are accepted and ignored.
  std::string_view settings = source.engine_settings;
  while (!settings.empty()) {
    const size_t comma = settings.find(',');
    std::string_view setting = settings.substr(0, comma);
    settings = comma == std::string_view::npos ? std::string_view() : settings.substr(comma + 1);
    const size_t equals = setting.find('=');
    std::string key(setting.substr(0, equals));
    std::erase_if(key, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    if (key != "index_granularity") continue;
    std::string value(equals == std::string_view::npos ? std::string_view() : setting.substr(equals + 1));
    std::erase_if(value, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    size_t rows = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), rows);
    if (error != std::errc() || end != value.data() + value.size() || rows == 0 || rows > 1'000'000) {
      throw Error(ErrorCode::kBadRequest, where + "ENGINE_SETTINGS index_granularity must be a number of rows from 1 to 1000000, got '" +
                                              value + "'");
    }
    options.granule_rows = rows;
  }
  return options;
}

Workspace::Workspace(WorkspaceOptions options)
    : options_(std::move(options)), lock_(options_.data_dir), project_(project::loadProject(options_.project_dir)) {
  for (const auto& [name, source] : project_.data_sources) {
    auto decoder = std::make_unique<ingest::EventDecoder>(ingestColumns(source));
    TableOptions table_options = tableOptions(source, decoder->schema());
    table_options.directory = options_.data_dir / "tables" / name;
    TableOptions quarantine_options;
    quarantine_options.directory = options_.data_dir / "tables" / (name + "_quarantine");
    tables_.emplace(name, std::make_unique<Table>(name, decoder->schema(), std::move(table_options)));
    tables_.emplace(name + "_quarantine",
                    std::make_unique<Table>(name + "_quarantine", decoder->quarantine(), std::move(quarantine_options)));
    decoders_.emplace(name, std::move(decoder));
  }

  std::filesystem::path issuers_file = options_.issuers_file;
  if (issuers_file.empty() && std::filesystem::exists(options_.data_dir / "issuers.json")) {
    issuers_file = options_.data_dir / "issuers.json";
  }
  if (!issuers_file.empty()) {
    try {
      issuers_ = auth::IssuerRegistry(auth::parseIssuerConfigs(readText(issuers_file), issuers_file.parent_path()),
                                      makeJwksFetcher());
    } catch (const Error& error) {
      throw std::runtime_error(issuers_file.string() + ": " + error.what());
    }
  }

  tokens_ = std::make_unique<auth::TokenStore>(options_.data_dir / "tokens.json");
  for (const auto& [name, source] : project_.data_sources) {
    for (const auto& token : source.tokens) {
      auth::Scope scope;
      scope.type = token.permission == "APPEND" ? auth::ScopeType::kDatasourcesAppend : auth::ScopeType::kDatasourcesRead;
      scope.resource = name;
      tokens_->upsert(token.name, {scope});
    }
  }
  for (const auto& [name, pipe] : project_.pipes) {
    for (const auto& token : pipe.tokens) {
      auth::Scope scope;
      scope.type = auth::ScopeType::kPipesRead;
      scope.resource = name;
      tokens_->upsert(token.name, {scope});
    }
  }
}

Table* Workspace::table(std::string_view name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

const ingest::EventDecoder* Workspace::decoder(std::string_view data_source) const {
  auto it = decoders_.find(data_source);
  return it == decoders_.end() ? nullptr : it->second.get();
}

const project::Pipe* Workspace::pipe(std::string_view name) const {
  auto it = project_.pipes.find(name);
  return it == project_.pipes.end() ? nullptr : &it->second;
}

}  // namespace perch::server
