#include "auth/token_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <utility>

#include "common/error.h"
#include "common/json.h"

namespace perch::auth {
namespace {

constexpr int kFileVersion = 1;
constexpr size_t kMaxFileBytes = 64 * 1024 * 1024;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kSecretBytes = 32;

[[noreturn]] void fileError(const std::filesystem::path& file, const std::string& what) {
  throw Error(ErrorCode::kInternal, "token file " + file.string() + ": " + what);
}

[[noreturn]] void ioError(const std::filesystem::path& path, const char* action, int error_number) {
  throw Error(ErrorCode::kInternal,
              std::string("cannot ") + action + " " + path.string() + ": " + std::strerror(error_number));
}

void validateName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) throwBadRequest("token name must have 1 to 128 characters");
  if (name.front() == ' ' || name.back() == ' ') throwBadRequest("token name must not start or end with a space");
  for (const char c : name) {
    if (c < 0x20 || c > 0x7E) throwBadRequest("token name must be printable ASCII");
  }
}

void validateScope(const Scope& scope) {
  if (!scope.fixed_params.empty()) throwBadRequest("static token scopes cannot carry fixed_params");
  // Round-tripping through the text form proves the scope is well-formed and storable.
  if (parseScope(formatScope(scope)) != scope) throwBadRequest("invalid scope " + formatScope(scope));
}

void addScopes(std::vector<Scope>& into, const std::vector<Scope>& scopes) {
  for (const Scope& scope : scopes) {
    validateScope(scope);
    if (std::find(into.begin(), into.end(), scope) == into.end()) into.push_back(scope);
  }
}

void writeAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      ioError(path, "write", errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

void fsyncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ioError(directory, "open", errno);
  const int result = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  if (result != 0) ioError(directory, "fsync", error_number);
}

}  // namespace

TokenStore::TokenStore(std::filesystem::path file) : file_(std::move(file)) { load(); }

TokenStore::Entry TokenStore::makeEntry(Token token) {
  const Sha256Digest digest = sha256(token.secret);
  return Entry{std::move(token), digest};
}

std::string TokenStore::newSecret() const {
  // A collision of 256 random bits does not happen; checking costs nothing and keeps the invariant.
  while (true) {
    std::string secret = "p." + randomSecret(kSecretBytes);
    const Sha256Digest digest = sha256(secret);
    const bool taken = std::any_of(entries_.begin(), entries_.end(),
                                   [&](const Entry& entry) { return entry.secret_digest == digest; });
    if (!taken) return secret;
  }
}

void TokenStore::load() {
  std::error_code error;
  if (!std::filesystem::exists(file_, error)) {
    if (error) fileError(file_, error.message());
    return;
  }
  if (!std::filesystem::is_regular_file(file_, error)) fileError(file_, "not a regular file");
  const auto size = std::filesystem::file_size(file_, error);
  if (error) fileError(file_, error.message());
  if (size > kMaxFileBytes) fileError(file_, "larger than 64 MiB");
  std::ifstream input(file_, std::ios::binary);
  if (!input) fileError(file_, "cannot be opened");
  const std::string text((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
  if (input.bad()) fileError(file_, "cannot be read");

  std::vector<Entry> entries;
  try {
    const JsonValue root = parseJson(text, JsonLimits{.max_depth = 8, .max_elements = 10'000'000});
    const JsonValue* version = root.find("version");
    if (version == nullptr || !version->isInteger() || version->asInt64() != kFileVersion) {
      fileError(file_, "unsupported version");
    }
    const JsonValue* tokens = root.find("tokens");
    if (tokens == nullptr || !tokens->isArray()) fileError(file_, "missing tokens array");
    for (const JsonValue& item : tokens->asArray()) {
      const JsonValue* name = item.find("name");
      const JsonValue* secret = item.find("secret");
      const JsonValue* scopes = item.find("scopes");
      if (name == nullptr || secret == nullptr || scopes == nullptr || !scopes->isArray()) {
        fileError(file_, "a token needs name, secret and scopes");
      }
      Token token{name->asString(), secret->asString(), {}};
      validateName(token.name);
      if (token.secret.empty()) fileError(file_, "empty secret for token " + token.name);
      for (const JsonValue& scope : scopes->asArray()) token.scopes.push_back(parseScope(scope.asString()));
      entries.push_back(makeEntry(std::move(token)));
    }
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) throw;
    fileError(file_, e.what());  // parser and scope messages never contain secrets
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    for (size_t j = i + 1; j < entries.size(); ++j) {
      if (entries[i].token.name == entries[j].token.name) fileError(file_, "duplicate token name");
      if (entries[i].secret_digest == entries[j].secret_digest) fileError(file_, "duplicate secret");
    }
  }
  entries_ = std::move(entries);
}

void TokenStore::persist(const std::vector<Entry>& entries) const {
  JsonValue::Array tokens;
  for (const Entry& entry : entries) {
    JsonValue::Array scopes;
    for (const Scope& scope : entry.token.scopes) scopes.push_back(JsonValue::fromString(formatScope(scope)));
    JsonValue::Object token;
    token.emplace_back("name", JsonValue::fromString(entry.token.name));
    token.emplace_back("secret", JsonValue::fromString(entry.token.secret));
    token.emplace_back("scopes", JsonValue::fromArray(std::move(scopes)));
    tokens.push_back(JsonValue::fromObject(std::move(token)));
  }
  JsonValue::Object root;
  root.emplace_back("version", JsonValue::fromInt64(kFileVersion));
  root.emplace_back("tokens", JsonValue::fromArray(std::move(tokens)));
  const std::string text = toJson(JsonValue::fromObject(std::move(root))) + "\n";

  const std::filesystem::path directory = file_.has_parent_path() ? file_.parent_path() : ".";
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) fileError(file_, "cannot create its directory: " + error.message());

  std::filesystem::path temporary = file_;
  temporary += ".tmp";
  if (::unlink(temporary.c_str()) != 0 && errno != ENOENT) ioError(temporary, "remove", errno);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) ioError(temporary, "create", errno);
  try {
    if (::fchmod(fd, 0600) != 0) ioError(temporary, "chmod", errno);  // whatever the umask
    writeAll(fd, text, temporary);
    if (::fsync(fd) != 0) ioError(temporary, "fsync", errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    ioError(temporary, "close", error_number);
  }
  if (::rename(temporary.c_str(), file_.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    ioError(file_, "replace", error_number);
  }
  fsyncDirectory(directory);
}

void TokenStore::commit(std::vector<Entry> entries) {
  persist(entries);
  std::unique_lock lock(state_mutex_);
  entries_ = std::move(entries);
}

TokenStore::Token TokenStore::upsert(std::string_view name, const std::vector<Scope>& scopes) {
  validateName(name);
  std::lock_guard write_lock(write_mutex_);
  std::vector<Entry> entries = entries_;  // only writers change entries_, and we are the writer
  auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.token.name == name; });
  if (it == entries.end()) {
    Token token{std::string(name), newSecret(), {}};
    addScopes(token.scopes, scopes);
    entries.push_back(makeEntry(std::move(token)));
    it = std::prev(entries.end());
  } else {
    addScopes(it->token.scopes, scopes);
  }
  Token result = it->token;
  commit(std::move(entries));
  return result;
}

std::optional<TokenStore::Token> TokenStore::findBySecret(std::string_view secret) const {
  if (secret.empty()) return std::nullopt;
  const Sha256Digest digest = sha256(secret);
  std::shared_lock lock(state_mutex_);
  const Entry* found = nullptr;
  for (const Entry& entry : entries_) {
    // No early exit: the loop's timing must not depend on which entry (if any) matches.
    const bool match = CRYPTO_memcmp(entry.secret_digest.data(), digest.data(), digest.size()) == 0;
    if (match) found = &entry;
  }
  if (found == nullptr) return std::nullopt;
  return found->token;
}

std::optional<TokenStore::Token> TokenStore::findByName(std::string_view name) const {
  std::shared_lock lock(state_mutex_);
  for (const Entry& entry : entries_) {
    if (entry.token.name == name) return entry.token;
  }
  return std::nullopt;
}

std::vector<TokenStore::Token> TokenStore::list() const {
  std::shared_lock lock(state_mutex_);
  std::vector<Token> tokens;
  tokens.reserve(entries_.size());
  for (const Entry& entry : entries_) tokens.push_back(entry.token);
  return tokens;
}

bool TokenStore::remove(std::string_view name) {
  std::lock_guard write_lock(write_mutex_);
  std::vector<Entry> entries = entries_;
  const auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.token.name == name; });
  if (it == entries.end()) return false;
  entries.erase(it);
  commit(std::move(entries));
  return true;
}

std::optional<TokenStore::Token> TokenStore::refresh(std::string_view name) {
  std::lock_guard write_lock(write_mutex_);
  std::vector<Entry> entries = entries_;
  const auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.token.name == name; });
  if (it == entries.end()) return std::nullopt;
  Token token = it->token;
  token.secret = newSecret();
  *it = makeEntry(token);
  commit(std::move(entries));
  return token;
}

}  // namespace perch::auth
