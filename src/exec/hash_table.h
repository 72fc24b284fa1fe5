// Open-addressing hash tables for the aggregation and set hot paths: linear probing over a
// power-of-two array, grown at 50% load. FlatHashMap maps a key to a uint32 group number;
// keys are trivially copyable (integers, packed 128-bit keys, or StringKey pointing into an
// arena). Not thread-safe; one table per operator (per thread later). Slot arrays are charged to the
// current query's memory tracker (memory_tracker.h) before they are allocated, the old and the new
// array both while a table grows.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "exec/memory_tracker.h"

namespace perch {

inline uint64_t hashInt(uint64_t x) {
  // murmur3 finalizer: cheap and mixes all bits.
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t hashBytes(const char* data, size_t size) {
  // 64-bit FNV-1a over 8-byte words, finished with the murmur mix; good enough for group keys.
  uint64_t h = 0xcbf29ce484222325ULL ^ size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    h = (h ^ word) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (i < size) std::memcpy(&tail, data + i, size - i);
  h = (h ^ tail) * 0x100000001b3ULL;
  return hashInt(h);
}

struct Key128 {
  uint64_t low = 0, high = 0;
  bool operator==(const Key128&) const = default;
};

/// A string key stored elsewhere (arena); the hash is cached so rehashing never touches bytes.
struct StringKey {
  const char* data = nullptr;
  uint32_t size = 0;
  uint64_t hash = 0;
  std::string_view view() const { return {data, size}; }
  bool operator==(const StringKey& other) const {
    return hash == other.hash && size == other.size && std::memcmp(data, other.data, size) == 0;
  }
};

inline uint64_t hashKey(uint64_t key) { return hashInt(key); }
inline uint64_t hashKey(const Key128& key) { return hashInt(key.low ^ hashInt(key.high)); }
inline uint64_t hashKey(const StringKey& key) { return key.hash; }

template <typename Key>
class FlatHashMap {
 public:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  FlatHashMap() { resize(256); }

  /// The value for `key`, inserting `next_value` when absent (`inserted` tells which happened).
  uint32_t findOrInsert(const Key& key, uint32_t next_value, bool& inserted) {
    size_t index = hashKey(key) & mask_;
    while (true) {
      Slot& slot = slots_[index];
      if (slot.value == kEmpty) {
        slot.key = key;
        slot.value = next_value;
        inserted = true;
        if (++size_ * 2 > slots_.size()) grow();
        return next_value;
      }
      if (slot.key == key) {
        inserted = false;
        return slot.value;
      }
      index = (index + 1) & mask_;
    }
  }

  /// The value for `key`, or kEmpty.
  uint32_t find(const Key& key) const {
    size_t index = hashKey(key) & mask_;
    while (true) {
      const Slot& slot = slots_[index];
      if (slot.value == kEmpty) return kEmpty;
      if (slot.key == key) return slot.value;
      index = (index + 1) & mask_;
    }
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    Key key{};
    uint32_t value = kEmpty;
  };

  void resize(size_t capacity) {
    charge_.set(capacity * sizeof(Slot), "hash table");
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
  }

  void grow() {
    const size_t old_bytes = slots_.size() * sizeof(Slot);
    charge_.add(2 * old_bytes, "hash table");  // throws with the table unchanged
    {
      std::vector<Slot> old = std::move(slots_);
      slots_.assign(old.size() * 2, Slot{});
      mask_ = slots_.size() - 1;
      for (const Slot& slot : old) {
        if (slot.value == kEmpty) continue;
        size_t index = hashKey(slot.key) & mask_;
        while (slots_[index].value != kEmpty) index = (index + 1) & mask_;
        slots_[index] = slot;
      }
    }
    charge_.subtract(old_bytes);
  }

  MemoryCharge charge_;  // declared before slots_: released after the array is freed
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

/// A set of 64-bit values (uniq states, IN sets of hashed strings).
class FlatHashSet64 {
 public:
  bool insert(uint64_t value) {
    if (value == 0) {
      const bool inserted = !has_zero_;
      has_zero_ = true;
      return inserted;
    }
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t index = hashInt(value) & (slots_.size() - 1);
    while (slots_[index] != 0) {
      if (slots_[index] == value) return false;
      index = (index + 1) & (slots_.size() - 1);
    }
    slots_[index] = value;
    ++size_;
    return true;
  }
  bool contains(uint64_t value) const {
    if (value == 0) return has_zero_;
    if (slots_.empty()) return false;
    size_t index = hashInt(value) & (slots_.size() - 1);
    while (slots_[index] != 0) {
      if (slots_[index] == value) return true;
      index = (index + 1) & (slots_.size() - 1);
    }
    return false;
  }
  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }
  template <typename Fn>
  void forEach(Fn&& fn) const {
    if (has_zero_) fn(uint64_t{0});
    for (uint64_t value : slots_) {
      if (value != 0) fn(value);
    }
  }

 private:
  void grow() {
    const size_t old_bytes = slots_.size() * sizeof(uint64_t);
    charge_.add(old_bytes ? 2 * old_bytes : 16 * sizeof(uint64_t), "hash set");  // throws with the set unchanged
    {
      std::vector<uint64_t> old = std::move(slots_);
      slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
      size_ = 0;
      for (uint64_t value : old) {
        if (value != 0) insert(value);
      }
    }
    charge_.subtract(old_bytes);
  }

  MemoryCharge charge_;  // declared before slots_: released after the array is freed
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
  bool has_zero_ = false;
};

}  // namespace perch
