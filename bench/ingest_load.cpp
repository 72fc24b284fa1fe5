// ingest_load: a cheap HTTP load generator for ingestion benchmarks (issue 5).
//
// Reads an NDJSON file (e.g. `python3 bench/app_events_gen.py --rows 1000000 > rows.ndjson`), cuts
// it into bodies of --batch-rows lines once, up front, then C keep-alive connections (one blocking
// thread each) POST those bodies in turn to one URL until --rows rows (default: the whole file once)
// or --duration seconds were sent. The same client drives Perch's Events API and ClickHouse's
// `INSERT ... FORMAT JSONEachRow`, so both systems are measured with the same bytes and the same
// client cost.
//
// Every response status is checked: --ok statuses count as success; 429/503 are backpressure and
// the body is sent again after a short pause (counted as retries); anything else is an error (the
// first few are printed) and makes the exit status 1. Prints rows/s, MB/s of NDJSON, request
// latency p50/p99 (successful attempts), retries, errors and the client's own CPU time; --json adds
// one machine-readable line.
//
//   ingest_load --url 'http://127.0.0.1:8000/v0/events?name=app_events&wait=false'
//               --header 'Authorization: Bearer TOKEN' --input rows.ndjson --batch-rows 10000
//               --connections 4 [--rows N | --duration SECONDS] [--ok 200,202] [--json]
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host;
  std::string port;
  std::string target;  // path and query
  std::vector<std::string> headers;
  std::string input;
  size_t batch_rows = 10'000;
  size_t connections = 4;
  size_t rows = 0;        // 0 = the whole file once (unless duration is set)
  double duration = 0;    // seconds; 0 = by row count
  std::vector<int> ok = {200, 202};
  bool json = false;
};

struct Body {
  std::string request;  // request line and headers
  std::string payload;  // NDJSON
  size_t rows = 0;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "ingest_load: " << problem << "\n"
            << "usage: ingest_load --url http://HOST:PORT/PATH?QUERY --input FILE.ndjson [--header 'Name: value']...\n"
               "                   [--batch-rows 10000] [--connections 4] [--rows N | --duration S] [--ok 200,202] [--json]\n";
  std::exit(2);
}

void parseUrl(std::string_view url, Options& options) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) usage("only http:// URLs are supported");
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  options.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const size_t colon = authority.rfind(':');
  options.host = std::string(authority.substr(0, colon));
  options.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
}

Options parseArguments(int argc, char** argv) {
  Options options;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--json") {
      options.json = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + std::string(flag));
    const std::string value = argv[++i];
    if (flag == "--url") {
      parseUrl(value, options);
      have_url = true;
    } else if (flag == "--header") {
      options.headers.push_back(value);
    } else if (flag == "--input") {
      options.input = value;
    } else if (flag == "--batch-rows") {
      options.batch_rows = std::stoul(value);
    } else if (flag == "--connections") {
      options.connections = std::stoul(value);
    } else if (flag == "--rows") {
      options.rows = std::stoul(value);
    } else if (flag == "--duration") {
      options.duration = std::stod(value);
    } else if (flag == "--ok") {
      options.ok.clear();
      std::stringstream list(value);
      for (std::string status; std::getline(list, status, ',');) options.ok.push_back(std::stoi(status));
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  if (!have_url) usage("--url is required");
  if (options.input.empty()) usage("--input is required");
  if (options.batch_rows == 0 || options.connections == 0) usage("--batch-rows and --connections must be positive");
  return options;
}

// Cuts the file into bodies of `batch_rows` non-empty lines, each with its prebuilt request head.
std::vector<Body> loadBodies(const Options& options) {
  std::ifstream file(options.input, std::ios::binary);
  if (!file) usage("cannot read " + options.input);
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<Body> bodies;
  Body current;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    if (end > start) {
      current.payload.append(data, start, end - start).push_back('\n');
      if (++current.rows == options.batch_rows) bodies.push_back(std::exchange(current, Body{}));
    }
    start = end + 1;
  }
  if (current.rows > 0) bodies.push_back(std::move(current));
  if (bodies.empty()) usage(options.input + " holds no rows");
  for (Body& body : bodies) {
    body.request = "POST " + options.target + " HTTP/1.1\r\nHost: " + options.host + ":" + options.port +
                   "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(body.payload.size()) + "\r\n";
    for (const auto& header : options.headers) body.request += header + "\r\n";
    body.request += "\r\n";
  }
  return bodies;
}

// One keep-alive HTTP/1.1 connection with blocking I/O; reconnects after the server closes it.
class Connection {
 public:
  explicit Connection(const Options& options) : options_(options) {}
  ~Connection() { closeSocket(); }

  struct Response {
    int status = 0;
    std::string body;
    double retry_after = 1;
  };

  /// Sends `body` and reads the response; throws std::runtime_error on socket failures.
  Response post(const Body& body) {
    if (fd_ < 0) connectSocket();
    sendAll(body);
    Response response = readResponse();
    if (close_after_) closeSocket();
    return response;
  }

 private:
  void connectSocket() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(options_.host.c_str(), options_.port.c_str(), &hints, &found) != 0 || !found) {
      throw std::runtime_error("cannot resolve " + options_.host);
    }
    fd_ = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    const int connected = fd_ < 0 ? -1 : connect(fd_, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    if (connected != 0) {
      closeSocket();
      throw std::runtime_error("cannot connect to " + options_.host + ":" + options_.port + ": " + std::strerror(errno));
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    buffer_.clear();
  }

  void closeSocket() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  void sendAll(const Body& body) {
    iovec parts[2] = {{const_cast<char*>(body.request.data()), body.request.size()},
                      {const_cast<char*>(body.payload.data()), body.payload.size()}};
    size_t index = 0;
    while (index < 2) {
      msghdr message{};
      message.msg_iov = parts + index;
      message.msg_iovlen = 2 - index;
      const ssize_t sent = sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        closeSocket();
        throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
      }
      size_t left = static_cast<size_t>(sent);
      while (index < 2 && left >= parts[index].iov_len) left -= parts[index++].iov_len;
      if (index < 2) {
        parts[index].iov_base = static_cast<char*>(parts[index].iov_base) + left;
        parts[index].iov_len -= left;
      }
    }
  }

  // Reads more bytes into buffer_; throws when the peer closed the connection.
  void fill() {
    char chunk[64 * 1024];
    for (;;) {
      const ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
      if (got > 0) {
        buffer_.append(chunk, static_cast<size_t>(got));
        return;
      }
      if (got < 0 && errno == EINTR) continue;
      const std::string reason = got == 0 ? "connection closed by the server" : std::strerror(errno);
      closeSocket();
      throw std::runtime_error("receive failed: " + reason);
    }
  }

  static std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
  }

  Response readResponse() {
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) fill();
    const std::string head = lower(std::string_view(buffer_).substr(0, head_end + 2));
    buffer_.erase(0, head_end + 4);
    Response response;
    if (head.size() < 12 || head.substr(0, 5) != "http/") throw std::runtime_error("malformed HTTP response");
    response.status = std::atoi(head.c_str() + head.find(' ') + 1);
    auto header = [&](std::string_view name) -> std::string {
      const size_t at = head.find("\r\n" + std::string(name) + ":");
      if (at == std::string::npos) return {};
      const size_t value = head.find_first_not_of(' ', at + name.size() + 3);
      return head.substr(value, head.find("\r\n", value) - value);
    };
    close_after_ = header("connection") == "close";
    if (const std::string retry = header("retry-after"); !retry.empty()) response.retry_after = std::atof(retry.c_str());
    if (header("transfer-encoding").find("chunked") != std::string::npos) {
      readChunked(response.body);
    } else {
      const std::string length = header("content-length");
      const size_t size = length.empty() ? 0 : std::stoul(length);
      while (buffer_.size() < size) fill();
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
    }
    return response;
  }

  void readChunked(std::string& body) {
    for (;;) {
      size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) fill();
      const size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
      buffer_.erase(0, line_end + 2);
      while (buffer_.size() < size + 2) fill();
      body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return;  // no trailers expected from Perch or ClickHouse
    }
  }

  const Options& options_;
  int fd_ = -1;
  bool close_after_ = false;
  std::string buffer_;
};

struct WorkerResult {
  size_t rows = 0;
  size_t bytes = 0;
  size_t requests = 0;
  size_t retries = 0;
  size_t errors = 0;
  std::vector<double> latencies_ms;
};

struct Shared {
  const Options& options;
  const std::vector<Body>& bodies;
  std::vector<size_t> rows_before;  // rows_before[i]: rows in bodies[0, i); the last entry is one pass
  std::atomic<size_t> next_body{0};
  Clock::time_point deadline;
  std::mutex print_mutex;
  std::atomic<size_t> printed_errors{0};
};

// Claims the next body (bodies are sent in order, cycling), or returns null when the run is over.
const Body* claim(Shared& shared) {
  const size_t index = shared.next_body.fetch_add(1);
  const size_t count = shared.bodies.size();
  if (shared.options.duration > 0) {
    if (Clock::now() >= shared.deadline) return nullptr;
  } else if (index / count * shared.rows_before.back() + shared.rows_before[index % count] >= shared.options.rows) {
    return nullptr;
  }
  return &shared.bodies[index % count];
}

void reportError(Shared& shared, const std::string& message) {
  if (shared.printed_errors.fetch_add(1) >= 5) return;
  std::lock_guard lock(shared.print_mutex);
  std::cerr << "ingest_load: " << message.substr(0, 400) << "\n";
}

void worker(Shared& shared, WorkerResult& result) {
  Connection connection(shared.options);
  const auto& ok = shared.options.ok;
  while (const Body* body = claim(shared)) {
    for (;;) {
      const auto began = Clock::now();
      Connection::Response response;
      try {
        response = connection.post(*body);
      } catch (const std::exception& error) {
        ++result.errors;
        reportError(shared, error.what());
        break;
      }
      ++result.requests;
      if (std::find(ok.begin(), ok.end(), response.status) != ok.end()) {
        result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - began).count());
        result.rows += body->rows;
        result.bytes += body->payload.size();
        break;
      }
      if (response.status == 429 || response.status == 503) {
        ++result.retries;
        std::this_thread::sleep_for(std::chrono::duration<double>(std::min(1.0, response.retry_after) / 10));
        continue;
      }
      ++result.errors;
      reportError(shared, "HTTP " + std::to_string(response.status) + ": " + response.body);
      break;
    }
  }
}

double percentile(std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1, static_cast<size_t>(fraction * static_cast<double>(sorted.size())));
  return sorted[index];
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parseArguments(argc, argv);
  const std::vector<Body> bodies = loadBodies(options);
  Shared shared{options, bodies, {0}};
  for (const Body& body : bodies) shared.rows_before.push_back(shared.rows_before.back() + body.rows);
  if (options.rows == 0) options.rows = shared.rows_before.back();  // one pass over the file
  std::vector<WorkerResult> results(options.connections);
  std::vector<std::thread> threads;
  const double cpu_before = cpuSeconds();
  const auto began = Clock::now();
  shared.deadline = began + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
  for (size_t i = 0; i < options.connections; ++i) threads.emplace_back(worker, std::ref(shared), std::ref(results[i]));
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  const double client_cpu = cpuSeconds() - cpu_before;

  WorkerResult total;
  for (auto& result : results) {
    total.rows += result.rows;
    total.bytes += result.bytes;
    total.requests += result.requests;
    total.retries += result.retries;
    total.errors += result.errors;
    total.latencies_ms.insert(total.latencies_ms.end(), result.latencies_ms.begin(), result.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  const double rows_per_second = static_cast<double>(total.rows) / seconds;
  const double megabytes_per_second = static_cast<double>(total.bytes) / 1e6 / seconds;
  const double p50 = percentile(total.latencies_ms, 0.50), p99 = percentile(total.latencies_ms, 0.99);
  std::printf("%zu rows in %zu requests over %.2fs, %zu connections: %.0f rows/s, %.1f MB/s; latency p50 %.1f ms, p99 %.1f ms; "
              "%zu backpressure retries, %zu errors; client CPU %.2fs\n",
              total.rows, total.requests, seconds, options.connections, rows_per_second, megabytes_per_second, p50, p99,
              total.retries, total.errors, client_cpu);
  if (options.json) {
    std::printf("{\"rows\":%zu,\"bytes\":%zu,\"requests\":%zu,\"seconds\":%.6f,\"rows_per_second\":%.1f,\"mb_per_second\":%.3f,"
                "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"retries\":%zu,\"errors\":%zu,\"client_cpu_seconds\":%.3f}\n",
                total.rows, total.bytes, total.requests, seconds, rows_per_second, megabytes_per_second, p50, p99, total.retries,
                total.errors, client_cpu);
  }
  return total.errors == 0 ? 0 : 1;
}
