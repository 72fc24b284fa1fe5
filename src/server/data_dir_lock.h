// DataDirLock: one Perch process per data folder. Two servers appending to the same write-ahead
// log and publishing parts into the same folder would corrupt each other, so a Workspace takes an
// exclusive flock(2) on `<data>/LOCK` for its lifetime. The kernel drops the lock when the process
// dies (also on SIGKILL), so a crash never leaves a stale lock behind. The file holds the owner's
// pid, for the message shown to whoever finds the folder taken.
#pragma once

#include <filesystem>

namespace perch::server {

class DataDirLock {
 public:
  DataDirLock() = default;
  /// Creates `data_dir` if needed and locks it. Throws std::runtime_error naming the folder and the
  /// owner's pid when another process holds it.
  explicit DataDirLock(const std::filesystem::path& data_dir);
  ~DataDirLock();
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  /// True when a process (this one included, through another DataDirLock) holds `data_dir`.
  static bool isHeld(const std::filesystem::path& data_dir);

 private:
  int fd_ = -1;
};

}  // namespace perch::server
