/* LD_PRELOAD shim that makes write/fsync calls fail on chosen files of a running process, so the
 * fault-injection test (test_fault_injection.py) can check the real `perch` binary end to end.
 *
 * The shim does nothing until the control file named by $PERCH_FAULT_CONTROL exists. The test
 * creates it at runtime with one line:
 *
 *     <ERRNO> <ops> <path-substring> [partial]
 *
 *   ERRNO           EIO, ENOSPC or EDQUOT: the errno of the simulated failure.
 *   ops             comma-separated: "write" (write, pwrite, writev, pwritev) and/or "fsync"
 *                   (fsync, fdatasync).
 *   path-substring  only file descriptors whose path (readlink /proc/self/fd/N) contains it fail.
 *   partial         the first matching write writes half of its bytes for real and reports that
 *                   short count; every later one fails. This is what a filling disk does, and it
 *                   leaves a torn record behind for recovery to deal with.
 *
 * Every injected failure appends a line "<call> <path>" to "<control file>.hits", so a test can
 * prove that the fault really fired. Removing the control file turns the shim off again.
 *
 * Thread safety: the control file is re-read on every intercepted call (cheap enough for tests);
 * the "partial already done" flag is an atomic.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*pwritev_fn)(int, const struct iovec *, int, off_t);
typedef int (*sync_fn)(int);

static atomic_int partial_done;

enum op { OP_WRITE, OP_FSYNC };

struct fault {
  int error_number;
  int partial;
};

static void *next_symbol(const char *name) {
  void *symbol = dlsym(RTLD_NEXT, name);
  if (!symbol) {
    static const char message[] = "fault_shim: dlsym failed\n";
    /* a raw system call: write() itself is what may be missing */
    (void)!syscall(SYS_write, 2, message, sizeof(message) - 1);
    abort();
  }
  return symbol;
}

static write_fn real_write(void) {
  static write_fn fn;
  if (!fn) fn = (write_fn)next_symbol("write");
  return fn;
}

static int parse_errno(const char *name) {
  if (strcmp(name, "EIO") == 0) return EIO;
  if (strcmp(name, "ENOSPC") == 0) return ENOSPC;
  if (strcmp(name, "EDQUOT") == 0) return EDQUOT;
  return 0;
}

/* Returns 1 and fills *out if a fault is configured for `op` on `fd`. */
static int should_fail(int fd, enum op op, const char *call, struct fault *out) {
  const char *control = getenv("PERCH_FAULT_CONTROL");
  if (!control || !*control || access(control, F_OK) != 0) return 0;

  char line[1024];
  int control_fd = open(control, O_RDONLY | O_CLOEXEC);
  if (control_fd < 0) return 0;
  ssize_t got = read(control_fd, line, sizeof(line) - 1);
  close(control_fd);
  if (got <= 0) return 0;
  line[got] = '\0';

  char errno_name[32], ops[64], needle[512], mode[32] = "";
  if (sscanf(line, "%31s %63s %511s %31s", errno_name, ops, needle, mode) < 3) return 0;
  const int error_number = parse_errno(errno_name);
  if (!error_number) return 0;
  if (!strstr(ops, op == OP_WRITE ? "write" : "fsync")) return 0;

  char link[64], path[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, path, sizeof(path) - 1);
  if (length <= 0) return 0;
  path[length] = '\0';
  if (!strstr(path, needle)) return 0;

  /* Record the hit before failing, so the test can tell that the fault fired. */
  char hits_path[4096 + 8];
  snprintf(hits_path, sizeof(hits_path), "%s.hits", control);
  int hits_fd = open(hits_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (hits_fd >= 0) {
    char record[4200];
    int record_length = snprintf(record, sizeof(record), "%s %s\n", call, path);
    if (record_length > 0) (void)!real_write()(hits_fd, record, (size_t)record_length);
    close(hits_fd);
  }
  out->error_number = error_number;
  out->partial = strcmp(mode, "partial") == 0;
  return 1;
}

/* For a write of `count` bytes that should fail: how many bytes to write for real first (0 = none). */
static size_t partial_bytes(const struct fault *fault, size_t count) {
  if (!fault->partial || count < 2) return 0;
  int expected = 0;
  return atomic_compare_exchange_strong(&partial_done, &expected, 1) ? count / 2 : 0;
}

ssize_t write(int fd, const void *buffer, size_t count) {
  struct fault fault;
  if (should_fail(fd, OP_WRITE, "write", &fault)) {
    size_t half = partial_bytes(&fault, count);
    if (half) return real_write()(fd, buffer, half);
    errno = fault.error_number;
    return -1;
  }
  return real_write()(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
  static pwrite_fn real;
  if (!real) real = (pwrite_fn)next_symbol("pwrite");
  struct fault fault;
  if (should_fail(fd, OP_WRITE, "pwrite", &fault)) {
    size_t half = partial_bytes(&fault, count);
    if (half) return real(fd, buffer, half, offset);
    errno = fault.error_number;
    return -1;
  }
  return real(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) { return pwrite(fd, buffer, count, offset); }

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  static writev_fn real;
  if (!real) real = (writev_fn)next_symbol("writev");
  struct fault fault;
  if (should_fail(fd, OP_WRITE, "writev", &fault)) {
    /* A short writev: write half of the first buffer only. */
    size_t half = iovcnt > 0 ? partial_bytes(&fault, iov[0].iov_len) : 0;
    if (half) return real_write()(fd, iov[0].iov_base, half);
    errno = fault.error_number;
    return -1;
  }
  return real(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  static pwritev_fn real;
  if (!real) real = (pwritev_fn)next_symbol("pwritev");
  struct fault fault;
  if (should_fail(fd, OP_WRITE, "pwritev", &fault)) {
    errno = fault.error_number;
    return -1;
  }
  return real(fd, iov, iovcnt, offset);
}

int fsync(int fd) {
  static sync_fn real;
  if (!real) real = (sync_fn)next_symbol("fsync");
  struct fault fault;
  if (should_fail(fd, OP_FSYNC, "fsync", &fault)) {
    errno = fault.error_number;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static sync_fn real;
  if (!real) real = (sync_fn)next_symbol("fdatasync");
  struct fault fault;
  if (should_fail(fd, OP_FSYNC, "fdatasync", &fault)) {
    errno = fault.error_number;
    return -1;
  }
  return real(fd);
}
