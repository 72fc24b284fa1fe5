// JwksCache: on-demand loading with a refetch budget (see jwks_cache.h).
#include "auth/jwks_cache.h"

#include <chrono>
#include <exception>
#include <utility>

namespace perch::auth {

JwksCache::JwksCache(Loader loader, JwksCachePolicy policy) : loader_(std::move(loader)), policy_(std::move(policy)) {}

int64_t JwksCache::now() const {
  if (policy_.clock) return policy_.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

JwksCache::Snapshot JwksCache::snapshot() const {
  std::lock_guard lock(state_mutex_);
  return Snapshot{keys_, loaded_at_, generation_};
}

bool JwksCache::isFresh(const Snapshot& snapshot, int64_t now) const {
  // A clock that went backwards counts as fresh; the interval check below handles it the other way.
  return snapshot.keys && snapshot.loaded_at &&
         (now < *snapshot.loaded_at || now - *snapshot.loaded_at < policy_.max_age_seconds);
}

bool JwksCache::loadLocked(int64_t now) const {
  last_attempt_ = now;
  load_count_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<const KeySet> loaded;
  try {
    std::optional<std::string> document = loader_ ? loader_() : std::nullopt;
    if (document) loaded = KeySet::fromJwks(*document);
  } catch (const std::exception&) {
    // An unreachable provider or a broken document keeps the keys we have (see the header).
  }
  if (!loaded) return false;
  std::lock_guard lock(state_mutex_);
  keys_ = std::move(loaded);
  loaded_at_ = now;
  ++generation_;
  return true;
}

bool JwksCache::refresh() const {
  std::lock_guard lock(load_mutex_);
  return loadLocked(now());
}

std::shared_ptr<const PublicKey> JwksCache::find(std::string_view kid) const {
  const Snapshot before = snapshot();
  std::shared_ptr<const PublicKey> key = before.keys ? before.keys->find(kid) : nullptr;
  const int64_t now_seconds = now();
  if (key && isFresh(before, now_seconds)) return key;

  std::lock_guard lock(load_mutex_);
  // Another thread may have loaded while we waited for the lock; its result counts as our refetch.
  const Snapshot current = snapshot();
  if (current.generation != before.generation) return current.keys ? current.keys->find(kid) : nullptr;
  const bool interval_passed = !last_attempt_ || now_seconds < *last_attempt_ ||
                               now_seconds - *last_attempt_ >= policy_.min_refetch_interval_seconds;
  if (!interval_passed) return key;
  loadLocked(now_seconds);
  const Snapshot after = snapshot();
  return after.keys ? after.keys->find(kid) : nullptr;
}

}  // namespace perch::auth
