// File I/O for the durable engine: every system call that can lose data goes through here, so a
// failure is turned into an exception the same way everywhere and tests can inject faults.
//
// Failures throw perch::Error (ErrorCode::kInternal) naming the file and the errno text, except
// ENOSPC/EDQUOT, which throw DiskFullError so the server can answer 507 instead of 500. Nothing here
// retries: after a failed fsync the kernel may have dropped the dirty pages, so retrying would
// pretend (see ARCHITECTURE.md, "Durability by construction").
//
// Thread safety: File is not synchronized (its owner serializes use); the free functions are
// thread-safe. The fault injector is for tests and must be set while no I/O runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace perch::storage {

/// The disk (or quota) is full. Existing data stays readable; the server maps this to 507.
class DiskFullError : public Error {
 public:
  explicit DiskFullError(std::string message) : Error(ErrorCode::kUnavailable, std::move(message)) {}
};

enum class IoOp { kWrite, kSync, kSyncDirectory, kRename };

/// Test hook: called before each write/fsync/rename with the path; a non-zero return value is used
/// as the errno of a simulated failure. Pass nullptr to clear.
void setIoFaultInjectorForTesting(std::function<int(IoOp, const std::string& path)> injector);

/// Throws the error for a failed `what` on `path` with `error_number` (DiskFullError for ENOSPC).
[[noreturn]] void throwIoError(const std::string& what, const std::filesystem::path& path, int error_number);

/// An open file descriptor, closed on destruction.
class File {
 public:
  File() = default;
  File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  /// Opens `path` for appending, creating it (mode 0644) if `create`.
  static File openForAppend(const std::filesystem::path& path, bool create);
  /// Creates `path`, failing if it exists.
  static File createExclusive(const std::filesystem::path& path);

  bool isOpen() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  /// Writes all of `data` at the current end of file (loops over short writes).
  void writeAll(std::string_view data);
  /// fdatasync(2).
  void sync();
  /// Cuts the file to `size` bytes.
  void truncate(uint64_t size);
  void close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

/// Reads the whole file into a string.
std::string readWholeFile(const std::filesystem::path& path);
/// fsync(2) on a directory, making created/renamed/removed entries durable.
void syncDirectory(const std::filesystem::path& directory);
/// rename(2) (atomic replace on POSIX file systems).
void renamePath(const std::filesystem::path& from, const std::filesystem::path& to);
/// Writes `data` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
void writeFileAtomically(const std::filesystem::path& path, std::string_view data);

}  // namespace perch::storage
