// HttpServer: HTTP/1.1 on Boost.Beast/Asio with keep-alive, a pool of io threads, a request body
// limit (413) and gzip request bodies. It knows nothing about Perch's routes: every complete
// request is handed to a RequestHandler, whose response is written back.
//
// Handlers run on the io threads, so a slow query occupies one of them; the pool size bounds the
// number of requests executing at once. (A separate query pool is planned with parallel execution.)
//
// Thread safety: start/stop/wait from one controlling thread; the handler is called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/http_types.h"

namespace perch::server {

using RequestHandler = std::function<HttpResponse(HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7181;
  int io_threads = 4;
  size_t max_body_bytes = 10 * 1024 * 1024;
  int shutdown_grace_seconds = 10;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();

  /// Binds and starts the io threads. Throws std::runtime_error if the address cannot be bound.
  void start();
  /// Stops accepting, lets in-flight requests finish (bounded by shutdown_grace_seconds), then
  /// stops the io threads. Safe to call from a signal-handling thread.
  void stop();
  /// Blocks until the io threads have exited.
  void wait();
  /// The bound port (useful with port 0).
  uint16_t port() const;

  struct Impl;  // Beast/Asio state; defined in the .cpp (public so connection code can name it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace perch::server
