#include "server/http_server.h"

#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <optional>

namespace perch::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);

// Inflates a gzip (or zlib) body, refusing to grow past `limit` bytes (a decompression bomb is a 413).
bool gunzip(const std::string& input, size_t limit, std::string& output, bool& too_large) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return false;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  char buffer[64 * 1024];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    output.append(buffer, sizeof(buffer) - stream.avail_out);
    if (output.size() > limit) {
      too_large = true;
      break;
    }
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END && !too_large;
}

HttpResponse plainError(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = std::string("{\"error\":\"") + std::string(message) + "\"}";
  return response;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  HttpServerOptions options;
  RequestHandler handler;
  asio::io_context io{};
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};  // requests read but whose response is not written yet
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work;

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {}

  void run() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code error, size_t) { self->onHeader(error); });
  }

  // A body of known length within the limit (every Events API batch) is read straight into its
  // string with large reads; beast's parser would copy it through buffer_ 64 KiB at a time, paying
  // its per-read bookkeeping each time. Chunked, empty and oversized bodies keep the parser path.
  void onHeader(beast::error_code error) {
    if (error) return onRead(error);
    const auto length = parser_->content_length();
    if (!length || *length == 0 || parser_->chunked() || parser_->is_done() || *length > server_.options.max_body_bytes) {
      http::async_read(stream_, buffer_, *parser_,
                       [self = shared_from_this()](beast::error_code error, size_t) { self->onRead(error); });
      return;
    }
    body_.resize(*length);
    const size_t buffered = std::min<size_t>(buffer_.size(), *length);
    asio::buffer_copy(asio::buffer(body_.data(), buffered), buffer_.data());
    buffer_.consume(buffered);
    asio::async_read(stream_, asio::buffer(body_.data() + buffered, *length - buffered),
                     [self = shared_from_this()](beast::error_code error, size_t) { self->onBody(error); });
  }

  void onBody(beast::error_code error) {
    if (error) return close();  // timeout or a socket error, as on the parser path
    ++server_.in_flight;
    parser_->get().body() = std::move(body_);
    body_ = std::string();
    process(parser_->get());
  }

  void onRead(beast::error_code error) {
    if (error == http::error::end_of_stream || error == beast::error::timeout || error == asio::error::operation_aborted) {
      return close();
    }
    // Any other HTTP parse error gets a 400; socket errors just close the connection.
    const bool parse_error = error && error.category() == http::make_error_code(http::error::bad_target).category();
    if (error && !parse_error) return close();
    ++server_.in_flight;
    if (error == http::error::body_limit) {
      HttpResponse response = plainError(413, "request body is larger than the limit of " +
                                                  std::to_string(server_.options.max_body_bytes) + " bytes");
      return write(std::move(response), false);
    }
    if (error) {
      return write(plainError(400, "malformed HTTP request"), false);
    }
    process(parser_->get());
  }

  // Answers a complete request (in_flight already counts it).
  void process(http::request<http::string_body>& message) {
    const bool keep_alive = message.keep_alive() && !server_.stopping;

    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    request.path = urlDecode(target.substr(0, question), false);
    if (question != std::string_view::npos) request.query = parseQueryString(target.substr(question + 1));
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());

    const std::string_view encoding = request.header("Content-Encoding");
    if (encoding == "gzip" || encoding == "deflate") {
      std::string inflated;
      bool too_large = false;
      if (!gunzip(request.body, server_.options.max_body_bytes, inflated, too_large)) {
        return write(too_large ? plainError(413, "decompressed request body is larger than the limit")
                               : plainError(400, "request body is not valid gzip"),
                     false);
      }
      request.body = std::move(inflated);
    }

    HttpResponse response;
    try {
      response = server_.handler(request);
    } catch (const std::exception& exception) {
      std::cerr << "perch: unhandled error in request handler: " << exception.what() << "\n";
      response = plainError(500, "internal error");
    }
    write(std::move(response), keep_alive);
  }

  // Every path from here on ends in write(), whose completion decrements in_flight.
  void write(HttpResponse response, bool keep_alive) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::server, "perch");
    if (!response.content_type.empty()) message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive);
    message->prepare_payload();
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message, keep_alive](beast::error_code error, size_t) {
                        --self->server_.in_flight;
                        if (error || !keep_alive || self->server_.stopping) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string body_;  // the body being read by onHeader's direct path
  HttpServer::Impl& server_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error) {
      if (!acceptor.is_open()) return;
    } else {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), *this)->run();
    }
    if (!stopping) accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  stop();
  wait();
}

void HttpServer::start() {
  tcp::endpoint endpoint(asio::ip::make_address(impl_->options.host), impl_->options.port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->work = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(impl_->io.get_executor());
  impl_->accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  // Let in-flight requests finish (bounded); idle keep-alive connections are cut when the io
  // loop stops. A request still being read when stop() is called may be dropped.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(impl_->options.shutdown_grace_seconds);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->work.reset();
  impl_->io.stop();
}

void HttpServer::wait() {
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  impl_->threads.clear();
}

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace perch::server
