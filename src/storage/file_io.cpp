#include "storage/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace perch::storage {
namespace {

std::function<int(IoOp, const std::string&)>& faultInjector() {
  static std::function<int(IoOp, const std::string&)> injector;
  return injector;
}

// Returns the errno to simulate for `op` on `path`, or 0.
int injectedFault(IoOp op, const std::filesystem::path& path) {
  const auto& injector = faultInjector();
  return injector ? injector(op, path.string()) : 0;
}

}  // namespace

void setIoFaultInjectorForTesting(std::function<int(IoOp, const std::string& path)> injector) {
  faultInjector() = std::move(injector);
}

void throwIoError(const std::string& what, const std::filesystem::path& path, int error_number) {
  std::string message = what + " '" + path.string() + "' failed: " + std::strerror(error_number);
  if (error_number == ENOSPC || error_number == EDQUOT) {
    throw DiskFullError("disk full: " + message + "; existing data stays readable, free space and restart to accept writes");
  }
  throw Error(ErrorCode::kInternal, "storage I/O error: " + message);
}

File::File(File&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

File::~File() { close(); }

File File::openForAppend(const std::filesystem::path& path, bool create) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (fd < 0) throwIoError("open", path, errno);
  return File(fd, path);
}

File File::createExclusive(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throwIoError("create", path, errno);
  return File(fd, path);
}

void File::writeAll(std::string_view data) {
  if (const int fault = injectedFault(IoOp::kWrite, path_)) throwIoError("write", path_, fault);
  while (!data.empty()) {
    const ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throwIoError("write", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

void File::sync() {
  if (const int fault = injectedFault(IoOp::kSync, path_)) throwIoError("fsync", path_, fault);
  if (::fdatasync(fd_) != 0) throwIoError("fsync", path_, errno);
}

void File::truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throwIoError("truncate", path_, errno);
}

void File::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string readWholeFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throwIoError("open", path, errno);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      ::close(fd);
      throwIoError("read", path, error_number);
    }
    if (got == 0) break;
    data.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return data;
}

void syncDirectory(const std::filesystem::path& directory) {
  if (const int fault = injectedFault(IoOp::kSyncDirectory, directory)) throwIoError("fsync of directory", directory, fault);
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throwIoError("open directory", directory, errno);
  const int result = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  if (result != 0) throwIoError("fsync of directory", directory, error_number);
}

void renamePath(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (const int fault = injectedFault(IoOp::kRename, to)) throwIoError("rename to", to, fault);
  if (::rename(from.c_str(), to.c_str()) != 0) throwIoError("rename of '" + from.string() + "' to", to, errno);
}

void writeFileAtomically(const std::filesystem::path& path, std::string_view data) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  std::filesystem::remove(temporary);
  {
    File file = File::createExclusive(temporary);
    file.writeAll(data);
    file.sync();
  }
  renamePath(temporary, path);
  syncDirectory(path.parent_path());
}

}  // namespace perch::storage
