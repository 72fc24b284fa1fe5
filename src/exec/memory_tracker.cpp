#include "exec/memory_tracker.h"

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common/error.h"

namespace perch {

namespace {

thread_local MemoryTracker* current_tracker = nullptr;

// This thread's slot in every tracker (threads take slots in turn).
size_t threadSlot(size_t slots) {
  static std::atomic<size_t> next_thread{0};
  thread_local const size_t thread = next_thread.fetch_add(1, std::memory_order_relaxed);
  return thread % slots;
}

}  // namespace

std::string formatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f %s", value, kUnits[unit]);
  return text;
}

void MemoryTracker::alloc(size_t bytes, const char* what) {
  const int64_t amount = static_cast<int64_t>(bytes);
  const int64_t total = used_.fetch_add(amount, std::memory_order_relaxed) + amount;
  if (limit_ != 0 && total > static_cast<int64_t>(limit_)) {
    used_.fetch_sub(amount, std::memory_order_relaxed);
    throw Error(ErrorCode::kBadRequest, "Memory limit (for query) exceeded: would use " + formatBytes(static_cast<uint64_t>(total)) +
                                            " (attempt to allocate " + formatBytes(bytes) + " for " + what +
                                            "), maximum: " + formatBytes(limit_) +
                                            ". Make the query read or keep fewer rows (filters, fewer GROUP BY keys, a LIMIT) "
                                            "or raise the server's --max-query-memory");
  }
  int64_t peak = peak_.load(std::memory_order_relaxed);
  while (total > peak && !peak_.compare_exchange_weak(peak, total, std::memory_order_relaxed)) {
  }
}

MemoryTracker::~MemoryTracker() {
#if defined(__GLIBC__)
  if (peak() >= kTrimAfterPeak) malloc_trim(0);
#endif
}

void MemoryTracker::allocSmall(size_t bytes, const char* what) {
  const int64_t amount = static_cast<int64_t>(bytes);
  Slot& slot = slots_[threadSlot(kSlots)];
  const int64_t held = slot.bytes.fetch_add(amount, std::memory_order_relaxed) + amount;
  if (held <= kSmallBatch) return;
  // Move what the slot holds to the total (checking the limit); if refused, the slot keeps what
  // it held before this allocation.
  slot.bytes.fetch_sub(held, std::memory_order_relaxed);
  try {
    alloc(static_cast<size_t>(held), what);
  } catch (...) {
    slot.bytes.fetch_add(held - amount, std::memory_order_relaxed);
    throw;
  }
}

void MemoryTracker::freeSmall(size_t bytes) noexcept {
  const int64_t amount = static_cast<int64_t>(bytes);
  Slot& slot = slots_[threadSlot(kSlots)];
  const int64_t held = slot.bytes.fetch_sub(amount, std::memory_order_relaxed) - amount;
  if (held >= -kSmallBatch) return;
  slot.bytes.fetch_sub(held, std::memory_order_relaxed);
  used_.fetch_add(held, std::memory_order_relaxed);
}

int64_t MemoryTracker::used() const {
  int64_t total = used_.load(std::memory_order_relaxed);
  for (const Slot& slot : slots_) total += slot.bytes.load(std::memory_order_relaxed);
  return total;
}

MemoryTracker* currentMemoryTracker() noexcept { return current_tracker; }

MemoryTrackerScope::MemoryTrackerScope(MemoryTracker* tracker) noexcept : previous_(current_tracker) {
  current_tracker = tracker;
}

MemoryTrackerScope::~MemoryTrackerScope() { current_tracker = previous_; }

}  // namespace perch
