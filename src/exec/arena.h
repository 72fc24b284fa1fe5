// Arena: bump allocator for per-query memory that dies all at once (aggregate states, group keys).
// Chunks double in size; nothing is freed before the arena. Not thread-safe: one per operator
// (or per thread when aggregation goes parallel). Chunks are charged to the current query's memory
// tracker (memory_tracker.h) before they are allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "exec/memory_tracker.h"

namespace perch {

class Arena {
 public:
  explicit Arena(size_t first_chunk = 64 * 1024) : next_chunk_(first_chunk) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* allocate(size_t size, size_t align = 8) {
    uintptr_t position = (reinterpret_cast<uintptr_t>(position_) + align - 1) & ~(uintptr_t{align} - 1);
    if (position_ == nullptr || position + size > reinterpret_cast<uintptr_t>(end_)) {
      grow(size + align);
      position = (reinterpret_cast<uintptr_t>(position_) + align - 1) & ~(uintptr_t{align} - 1);
    }
    position_ = reinterpret_cast<char*>(position + size);
    return reinterpret_cast<char*>(position);
  }

  /// Copies `size` bytes into the arena.
  const char* copy(const char* data, size_t size) {
    char* out = allocate(size == 0 ? 1 : size, 1);
    if (size) __builtin_memcpy(out, data, size);
    return out;
  }

  size_t bytesAllocated() const { return allocated_; }

 private:
  void grow(size_t at_least) {
    size_t size = next_chunk_;
    while (size < at_least) size *= 2;
    charge_.add(size, "arena chunk");
    chunks_.push_back(std::make_unique<char[]>(size));
    position_ = chunks_.back().get();
    end_ = position_ + size;
    allocated_ += size;
    next_chunk_ = std::min<size_t>(size * 2, 64 * 1024 * 1024);
  }

  MemoryCharge charge_;  // declared first: released after the chunks are freed
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* position_ = nullptr;
  char* end_ = nullptr;
  size_t next_chunk_;
  size_t allocated_ = 0;
};

}  // namespace perch
