#include "server/jwks_fetcher.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <iostream>

#include "auth/key_set.h"

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
  std::string authority = rest.substr(0, slash);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
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
std::optional<std::string> exchange(Stream& stream, const ParsedUrl& url) {
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "perch-jwks");
  request.set(http::field::accept, "application/json");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(auth::kMaxJwksBytes);
  http::read(stream, buffer, parser);
  if (parser.get().result() != http::status::ok) return std::nullopt;  // redirects are not followed
  return std::move(parser.get().body());
}

}  // namespace

auth::JwksFetcher makeJwksFetcher(std::chrono::milliseconds timeout) {
  return [timeout](const std::string& address) -> std::optional<std::string> {
    const auto url = parseUrl(address);
    if (!url) return std::nullopt;
    try {
      asio::io_context io;
      tcp::resolver resolver(io);
      const auto endpoints = resolver.resolve(url->host, url->port);
      if (!url->https) {
        beast::tcp_stream stream(io);
        stream.expires_after(timeout);
        stream.connect(endpoints);
        return exchange(stream, *url);
      }
      asio::ssl::context context(asio::ssl::context::tls_client);
      context.set_default_verify_paths();
      context.set_verify_mode(asio::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(io, context);
      if (!SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str())) return std::nullopt;
      stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
      beast::get_lowest_layer(stream).expires_after(timeout);
      beast::get_lowest_layer(stream).connect(endpoints);
      stream.handshake(asio::ssl::stream_base::client);
      return exchange(stream, *url);
    } catch (const std::exception& error) {
      std::cerr << "perch: fetching JWKS from " << url->host << " failed: " << error.what() << "\n";
      return std::nullopt;
    }
  };
}

}  // namespace perch::server
