// Per-query memory accounting (ClickHouse's MemoryTracker design, charged explicitly): one
// MemoryTracker per executeQuery call holds the bytes the query's buffers use and its limit
// (QueryOptions::max_memory_bytes). While a thread works for a query, that query's tracker is the
// thread's *current* tracker (MemoryTrackerScope; executeQuery sets it on its thread and the task
// pool sets it on a worker for the duration of a task). Places where a query's memory grows with
// its input charge it through a MemoryCharge, at chunk / array granularity (never per value):
// arena chunks, hash table arrays, hash join build sides, rows buffered by Sort / Window / Fill,
// LIMIT BY keys, IN sets, the accumulated result, vectors of aggregate states (TrackingAllocator).
// Memory not charged: batches in flight between operators, expression temporaries, HashAggregate's
// group list and key columns (~8 bytes + the key per group; its hash table and arena are charged),
// heap strings inside aggregate states (groupArray of long strings), groupUniqArray/topK maps, and
// the parts a scan reads.
//
// A charge that would take the query past its limit throws Error(kBadRequest) ("Memory limit (for
// query) exceeded: ...") before the allocation happens; the query unwinds and every charge it
// holds is returned as its owner is destroyed (RAII), so the tracker is back at zero when
// executeQuery returns or throws.
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
  MemoryTracker(const MemoryTracker&) = delete;
  MemoryTracker& operator=(const MemoryTracker&) = delete;

  /// Adds `bytes`; throws Error(kBadRequest) — and adds nothing — when the total would pass the
  /// limit. `what` names the buffer in the message ("hash table", "sort buffer", ...).
  void alloc(size_t bytes, const char* what);
  void free(size_t bytes) noexcept { used_.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed); }

  int64_t used() const { return used_.load(std::memory_order_relaxed); }
  int64_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

 private:
  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> peak_{0};
  uint64_t limit_;
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
/// memory goes back to the query that made it). For vectors inside aggregate states.
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
    if (tracker_) tracker_->alloc(n * sizeof(T), "aggregate function state");
    try {
      return std::allocator<T>().allocate(n);
    } catch (...) {
      if (tracker_) tracker_->free(n * sizeof(T));
      throw;
    }
  }
  void deallocate(T* pointer, size_t n) noexcept {
    std::allocator<T>().deallocate(pointer, n);
    if (tracker_) tracker_->free(n * sizeof(T));
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

}  // namespace perch
