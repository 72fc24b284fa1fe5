// KeySet: JWKS and PEM key sets (see key_set.h).
#include "auth/key_set.h"

#include <set>
#include <utility>

#include "common/error.h"
#include "common/json.h"

namespace perch::auth {
namespace {

[[noreturn]] void invalid(const char* reason) {
  throw Error(ErrorCode::kBadRequest, std::string("invalid JWKS: ") + reason);
}

// RSA moduli of 8192 bits are ~1.4 KB of base64; 64 keys fit easily. Depth 4 allows key_ops/x5c arrays.
constexpr JsonLimits kJwksJsonLimits{.max_depth = 4, .max_elements = 4096};

}  // namespace

std::shared_ptr<const KeySet> KeySet::fromJwks(std::string_view json) {
  if (json.size() > kMaxJwksBytes) invalid("document too large");
  JsonValue document;
  try {
    document = parseJson(json, kJwksJsonLimits);
  } catch (const Error&) {
    invalid("not valid JSON");
  }
  const JsonValue* keys = document.find("keys");
  if (keys == nullptr || !keys->isArray()) invalid("keys must be an array");
  if (keys->asArray().size() > kMaxJwksKeys) invalid("too many keys");

  auto set = std::make_shared<KeySet>();
  std::set<std::string, std::less<>> seen_kids;
  for (const JsonValue& entry : keys->asArray()) {
    if (!entry.isObject()) invalid("key is not an object");
    const JsonValue* kid = entry.find("kid");
    if (kid != nullptr && !kid->isString()) {
      ++set->skipped_;
      continue;
    }
    std::string kid_text = kid == nullptr ? std::string() : kid->asString();
    // Checked before skipping unsupported keys: a duplicate kid is ambiguous whatever the key type.
    if (!seen_kids.insert(kid_text).second) invalid("two keys share a kid");
    try {
      set->keys_.emplace(std::move(kid_text), PublicKey::fromJwk(entry));
    } catch (const Error&) {
      ++set->skipped_;
    }
  }
  if (set->keys_.empty()) invalid("no usable key (RS256 RSA >= 2048 bits or ES256 P-256)");
  return set;
}

std::shared_ptr<const KeySet> KeySet::fromPem(std::string_view pem, std::string kid) {
  auto set = std::make_shared<KeySet>();
  std::shared_ptr<const PublicKey> key = PublicKey::fromPem(pem);
  if (kid.empty()) {
    set->any_kid_ = std::move(key);
  } else {
    set->keys_.emplace(std::move(kid), std::move(key));
  }
  return set;
}

std::shared_ptr<const PublicKey> KeySet::find(std::string_view kid) const {
  if (any_kid_) return any_kid_;
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second;
}

}  // namespace perch::auth
