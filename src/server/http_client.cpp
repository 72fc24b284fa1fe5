#include "server/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace perch::server {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ParsedUrl {
  bool https = false;
  std::string host;
  std::string port;
  std::string target;
};

std::optional<ParsedUrl> parseUrl(const std::string& url) {
  ParsedUrl parsed;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    parsed.https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  const size_t bracket = authority.find(']');
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    parsed.host = authority.substr(0, colon);
    parsed.port = authority.substr(colon + 1);
  } else {
    parsed.host = authority;
    parsed.port = parsed.https ? "443" : "80";
  }
  if (parsed.host.size() > 2 && parsed.host.front() == '[') parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  return parsed;
}

template <typename Stream>
HttpClientResponse exchange(Stream& stream, const ParsedUrl& url, const std::string& method, const KeyValues& headers,
                            const std::string& body, size_t max_body_bytes) {
  http::request<http::string_body> request{http::string_to_verb(method), url.target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "perch");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  http::read(stream, buffer, parser);
  return HttpClientResponse{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

}  // namespace

std::optional<HttpClientResponse> httpRequest(const std::string& method, const std::string& address,
                                              const KeyValues& headers, const std::string& body,
                                              std::chrono::milliseconds timeout, size_t max_body_bytes,
                                              std::string* error) {
  const auto url = parseUrl(address);
  if (!url) {
    if (error) *error = "not an http(s) URL";
    return std::nullopt;
  }
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(url->host, url->port);
    if (!url->https) {
      beast::tcp_stream stream(io);
      stream.expires_after(timeout);
      stream.connect(endpoints);
      return exchange(stream, *url, method, headers, body, max_body_bytes);
    }
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str())) {
      if (error) *error = "cannot set the TLS server name";
      return std::nullopt;
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    return exchange(stream, *url, method, headers, body, max_body_bytes);
  } catch (const std::exception& exception) {
    if (error) *error = exception.what();
    return std::nullopt;
  }
}

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace perch::server
