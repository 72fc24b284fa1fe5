// Per-query memory accounting (ClickHouse's MemoryTracker design, charged explicitly): one
// MemoryTracker per executeQuery call holds the bytes the query's buffers use and its limit
// (QueryOptions::max_memory_bytes). While a thread works for a query, that query's tracker is the
// thread's *current* tracker (MemoryTrackerScope; executeQuery sets it on its thread and the task
// pool sets it on a worker for the duration of a task). Places where a query's memory grows with
// its input charge it through a MemoryCharge, at chunk / array granularity (never per value):
// arena chunks, hash table arrays, HashAggregate's group list and key columns (per input batch),
// hash join build sides, rows buffered by Sort / Window / Fill, LIMIT BY keys, IN sets, the
// accumulated result. Containers inside aggregate states (quantile and groupArray vectors, heap
// strings of any/min/max/argMin/argMax/groupArray over String, groupUniqArray/topK maps) allocate
// through TrackingAllocator, which charges per allocation but cheaply: small charges collect in
// per-thread-slot counters of the tracker (allocSmall) and reach the shared total, and the limit
// check, once a slot holds kSmallBatch bytes.
// Memory not charged: batches in flight between operators (HashAggregate's output batch among
// them), expression temporaries, malloc's own overhead, and the parts a scan reads. (The sets of
// uniq/uniqExact and uniqCombined/uniqHLL12's sets and registers are charged: uniq.*,
// uniq_combined.*.)
//
// A charge that would take the query past its limit throws Error(kBadRequest) ("Memory limit (for
// query) exceeded: ...") before the allocation happens (TrackingAllocator: up to kSmallBatch bytes
// per thread slot later); the query unwinds and every charge it holds is returned as its owner is
// destroyed (RAII), so the tracker is back at zero when executeQuery returns or throws.
//
// Lifetime rule: a MemoryCharge remembers the tracker it charged and returns the bytes there, from
// whatever thread destroys it; so everything that charges must be destroyed before the tracker —
// executeQuery creates the tracker before the planner and the plan, and results handed to the
// caller are not charged once executeQuery returns.
//
// Thread-safety: MemoryTracker is charged and released concurrently (atomics). The current
// tracker is thread-local. A MemoryCharge is owned by one thread at a time, like its owner.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace perch {

class MemoryTracker {
 public:
  /// `limit` 0: count without a limit.
  explicit MemoryTracker(uint64_t limit) : limit_(limit) {}
  /// After a query that held kTrimAfterPeak or more, gives malloc's free memory back to the OS.
  ~MemoryTracker();
  MemoryTracker(const MemoryTracker&) = delete;
  MemoryTracker& operator=(const MemoryTracker&) = delete;

  /// Adds `bytes`; throws Error(kBadRequest) — and adds nothing — when the total would pass the
  /// limit. `what` names the buffer in the message ("hash table", "sort buffer", ...).
  void alloc(size_t bytes, const char* what);
  void free(size_t bytes) noexcept { used_.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed); }

  /// For many small allocations (TrackingAllocator): counted in this thread's slot, moved to the
  /// total through alloc() — which may throw, charging nothing for `bytes` — once the slot holds
  /// more than kSmallBatch bytes. Threads rarely share a slot, so the counter is rarely contended.
  void allocSmall(size_t bytes, const char* what);
  void freeSmall(size_t bytes) noexcept;

  /// Bytes held: the total plus what the slots hold.
  int64_t used() const;
  /// The highest total reached (slots not included: up to kSmallBatch per slot below the truth).
  int64_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

  static constexpr int64_t kSmallBatch = 64 * 1024;
  /// What a query must have held for its end to trim malloc's heaps (malloc_trim): freed memory
  /// stays in the arena of the thread that freed it, where the next query — on other threads —
  /// cannot reuse it, so a server's RSS would grow to the sum of its big queries' peaks. Trimming
  /// takes milliseconds, nothing next to a query that held this much.
  static constexpr int64_t kTrimAfterPeak = 64 << 20;

 private:
  struct alignas(64) Slot {
    std::atomic<int64_t> bytes{0};
  };
  static constexpr size_t kSlots = 16;

  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> peak_{0};
  uint64_t limit_;
  Slot slots_[kSlots];
};

/// The tracker of the query this thread works for, or nullptr (nothing is charged then).
MemoryTracker* currentMemoryTracker() noexcept;

/// Makes `tracker` the thread's current tracker until destroyed (then the previous one again).
class MemoryTrackerScope {
 public:
  explicit MemoryTrackerScope(MemoryTracker* tracker) noexcept;
  ~MemoryTrackerScope();
  MemoryTrackerScope(const MemoryTrackerScope&) = delete;
  MemoryTrackerScope& operator=(const MemoryTrackerScope&) = delete;

 private:
  MemoryTracker* previous_;
};

/// "1.50 GiB", "512.00 KiB", "100 B".
std::string formatBytes(uint64_t bytes);

/// Bytes one owner holds against a tracker: the current one when first charged, the same one
/// until released. Copying charges the copy again (to the copying thread's current tracker).
class MemoryCharge {
 public:
  MemoryCharge() = default;
  ~MemoryCharge() { release(); }
  MemoryCharge(MemoryCharge&& other) noexcept : tracker_(other.tracker_), bytes_(other.bytes_) {
    other.tracker_ = nullptr;
    other.bytes_ = 0;
  }
  MemoryCharge& operator=(MemoryCharge&& other) noexcept {
    if (this != &other) {
      release();
      tracker_ = other.tracker_;
      bytes_ = other.bytes_;
      other.tracker_ = nullptr;
      other.bytes_ = 0;
    }
    return *this;
  }
  MemoryCharge(const MemoryCharge& other) { add(other.bytes_, "copy"); }
  MemoryCharge& operator=(const MemoryCharge& other) {
    if (this != &other) set(other.bytes_, "copy");
    return *this;
  }

  /// Charges `bytes` more; throws (charging nothing) past the limit.
  void add(size_t bytes, const char* what) {
    if (bytes == 0) return;
    if (!tracker_ && !(tracker_ = currentMemoryTracker())) return;
    tracker_->alloc(bytes, what);
    bytes_ += bytes;
  }
  /// Returns `bytes` of the charge (at most what is held).
  void subtract(size_t bytes) noexcept {
    if (bytes > bytes_) bytes = bytes_;
    if (tracker_ && bytes) tracker_->free(bytes);
    bytes_ -= bytes;
  }
  /// Makes the charge exactly `bytes` (grows through add, so it may throw).
  void set(size_t bytes, const char* what) {
    if (bytes > bytes_) add(bytes - bytes_, what);
    else subtract(bytes_ - bytes);
  }
  void release() noexcept { subtract(bytes_); }
  size_t bytes() const { return bytes_; }

 private:
  MemoryTracker* tracker_ = nullptr;
  size_t bytes_ = 0;
};

/// std::allocator that charges the tracker current when the allocator was made (so a container's
/// memory goes back to the query that made it), through allocSmall. For containers inside
/// aggregate states.
template <typename T>
class TrackingAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  TrackingAllocator() noexcept : tracker_(currentMemoryTracker()) {}
  template <typename U>
  TrackingAllocator(const TrackingAllocator<U>& other) noexcept : tracker_(other.tracker()) {}

  T* allocate(size_t n) {
    if (tracker_) tracker_->allocSmall(n * sizeof(T), "aggregate function state");
    try {
      return std::allocator<T>().allocate(n);
    } catch (...) {
      if (tracker_) tracker_->freeSmall(n * sizeof(T));
      throw;
    }
  }
  void deallocate(T* pointer, size_t n) noexcept {
    std::allocator<T>().deallocate(pointer, n);
    if (tracker_) tracker_->freeSmall(n * sizeof(T));
  }
  MemoryTracker* tracker() const noexcept { return tracker_; }
  template <typename U>
  bool operator==(const TrackingAllocator<U>& other) const noexcept { return tracker_ == other.tracker(); }

 private:
  MemoryTracker* tracker_;
};

/// A vector charged to the query that made it (aggregate states: quantile, groupArray).
template <typename T>
using TrackedVector = std::vector<T, TrackingAllocator<T>>;

/// A string charged to the query that made it (its heap buffer, past the 15 bytes kept inline).
using TrackedString = std::basic_string<char, std::char_traits<char>, TrackingAllocator<char>>;

}  // namespace perch
