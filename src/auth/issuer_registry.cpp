// IssuerRegistry and the issuers config file (see issuer_registry.h).
#include "auth/issuer_registry.h"

#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "common/error.h"
#include "common/json.h"

namespace perch::auth {
namespace {

[[noreturn]] void configError(const std::string& message) {
  throw Error(ErrorCode::kBadRequest, "issuers config: " + message);
}

/// The file's bytes, or nullopt when it cannot be read or exceeds `max_bytes`.
std::optional<std::string> readSmallFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) return std::nullopt;
  }
  if (in.bad()) return std::nullopt;
  return text;
}

/// https://host/..., or http:// to a loopback host. No userinfo (http://127.0.0.1@evil.example/).
bool isAllowedJwksUrl(std::string_view url) {
  bool secure = false;
  if (url.starts_with("https://")) {
    secure = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return false;
  }
  const std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  if (authority.find_first_of(" \t\r\n\\") != std::string_view::npos) return false;
  if (secure) return true;
  std::string_view host = authority;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  const std::string_view rest = authority.substr(host.size());
  if (!rest.empty() && !rest.starts_with(":")) return false;
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

void checkConfig(const IssuerConfig& config, const JwksFetcher& fetcher) {
  if (config.issuer.empty()) configError("an issuer needs a non-empty \"issuer\"");
  const int sources = !config.jwks_file.empty() + !config.jwks_url.empty() + !config.pem_file.empty();
  if (sources != 1) configError("issuer '" + config.issuer + "' needs exactly one of jwks_file, jwks_url, pem_file");
  if (!config.pem_kid.empty() && config.pem_file.empty()) configError("pem_kid is only valid with pem_file");
  if (!config.jwks_url.empty()) {
    if (!isAllowedJwksUrl(config.jwks_url)) {
      configError("jwks_url of '" + config.issuer + "' must be https:// (or http:// to a loopback host)");
    }
    if (!fetcher) configError("jwks_url of '" + config.issuer + "' needs an HTTP fetcher");
  }
  for (const auto* list : {&config.audiences, &config.authorized_parties}) {
    for (const std::string& value : *list) {
      if (value.empty()) configError("empty audience or authorized party for '" + config.issuer + "'");
    }
  }
}

std::vector<std::string> stringList(const JsonValue& value, const std::string& what) {
  if (!value.isArray()) configError(what + " must be an array of strings");
  std::vector<std::string> result;
  for (const JsonValue& item : value.asArray()) {
    if (!item.isString() || item.asString().empty()) configError(what + " must be an array of non-empty strings");
    result.push_back(item.asString());
  }
  return result;
}

std::string resolvePath(const std::string& path, const std::filesystem::path& base_dir) {
  const std::filesystem::path value(path);
  return value.is_absolute() || base_dir.empty() ? path : (base_dir / value).string();
}

}  // namespace

std::vector<IssuerConfig> parseIssuerConfigs(std::string_view json, const std::filesystem::path& base_dir) {
  JsonValue document;
  try {
    document = parseJson(json, JsonLimits{.max_depth = 8, .max_elements = 100'000});
  } catch (const Error& error) {
    configError(error.what());
  }
  if (!document.isObject()) configError("the file must hold a JSON object");
  for (const auto& [key, value] : document.asObject()) {
    if (key != "issuers") configError("unknown key '" + key + "'");
  }
  const JsonValue* issuers = document.find("issuers");
  if (issuers == nullptr || !issuers->isArray()) configError("\"issuers\" must be an array");
  std::vector<IssuerConfig> configs;
  for (const JsonValue& entry : issuers->asArray()) {
    if (!entry.isObject()) configError("each issuer must be an object");
    IssuerConfig config;
    for (const auto& [key, value] : entry.asObject()) {
      if (key == "audiences") {
        config.audiences = stringList(value, "audiences");
        continue;
      }
      if (key == "authorized_parties") {
        config.authorized_parties = stringList(value, "authorized_parties");
        continue;
      }
      if (key == "jwks_min_refetch_seconds") {
        if (!value.isNumber() || !value.isInteger() || value.asInt64() < 1 || value.asInt64() > 86400) {
          configError("'jwks_min_refetch_seconds' must be a whole number of seconds from 1 to 86400");
        }
        config.jwks_min_refetch_seconds = value.asInt64();
        continue;
      }
      std::string* field = key == "issuer"      ? &config.issuer
                           : key == "jwks_file" ? &config.jwks_file
                           : key == "jwks_url"  ? &config.jwks_url
                           : key == "pem_file"  ? &config.pem_file
                           : key == "pem_kid"   ? &config.pem_kid
                                                : nullptr;
      if (field == nullptr) configError("unknown issuer key '" + key + "'");
      if (!value.isString()) configError("'" + key + "' must be a string");
      *field = value.asString();
    }
    if (!config.jwks_file.empty()) config.jwks_file = resolvePath(config.jwks_file, base_dir);
    if (!config.pem_file.empty()) config.pem_file = resolvePath(config.pem_file, base_dir);
    configs.push_back(std::move(config));
  }
  return configs;
}

std::shared_ptr<const PublicKey> IssuerRegistry::Issuer::find(std::string_view kid) const {
  if (static_keys_) return static_keys_->find(kid);
  return cache_ ? cache_->find(kid) : nullptr;
}

IssuerRegistry::IssuerRegistry(std::vector<IssuerConfig> configs, JwksFetcher fetcher, JwksCachePolicy policy) {
  for (IssuerConfig& config : configs) {
    checkConfig(config, fetcher);
    if (issuers_.contains(config.issuer)) configError("issuer '" + config.issuer + "' is configured twice");
    auto issuer = std::make_unique<Issuer>();
    JwksCachePolicy issuer_policy = policy;
    if (config.jwks_min_refetch_seconds > 0) issuer_policy.min_refetch_interval_seconds = config.jwks_min_refetch_seconds;
    if (!config.pem_file.empty()) {
      const std::optional<std::string> pem = readSmallFile(config.pem_file, 64 * 1024);
      if (!pem) configError("cannot read pem_file of '" + config.issuer + "'");
      try {
        issuer->static_keys_ = KeySet::fromPem(*pem, config.pem_kid);
      } catch (const Error& error) {
        configError("pem_file of '" + config.issuer + "': " + error.what());
      }
    } else if (!config.jwks_file.empty()) {
      const std::string path = config.jwks_file;
      issuer->cache_ = std::make_unique<JwksCache>([path] { return readSmallFile(path, kMaxJwksBytes); }, issuer_policy);
      // Read once now so a broken file stops startup instead of failing every request.
      const std::optional<std::string> document = readSmallFile(path, kMaxJwksBytes);
      if (!document) configError("cannot read jwks_file of '" + config.issuer + "'");
      try {
        KeySet::fromJwks(*document);
      } catch (const Error& error) {
        configError("jwks_file of '" + config.issuer + "': " + error.what());
      }
      issuer->cache_->refresh();
    } else {
      const std::string url = config.jwks_url;
      issuer->cache_ = std::make_unique<JwksCache>([fetcher, url] { return fetcher(url); }, issuer_policy);
    }
    const std::string key = config.issuer;
    issuer->config_ = std::move(config);
    issuers_.emplace(key, std::move(issuer));
  }
}

const IssuerRegistry::Issuer* IssuerRegistry::find(std::string_view iss) const {
  const auto it = issuers_.find(iss);
  return it == issuers_.end() ? nullptr : it->second.get();
}

}  // namespace perch::auth
