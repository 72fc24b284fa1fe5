// URL functions with ClickHouse's simplified (non-RFC) parsing: protocol, domain,
// domainWithoutWWW, topLevelDomain, path, pathFull, queryString, fragment,
// queryStringAndFragment, extractURLParameter(s), extractURLParameterNames, cutWWW,
// cutQueryString, cutFragment, cutQueryStringAndFragment, firstSignificantSubdomain,
// cutToFirstSignificantSubdomain, decodeURLComponent, encodeURLComponent.
// A part that is not present gives ''.
//
// The host follows current ClickHouse: the scheme is optional (`example.com/p` has host
// example.com), user info before '@' and the port are dropped, and a host without a dot is not a
// host.
#include <cctype>
#include <vector>

#include "common/error.h"
#include "exec/function_registry.h"

namespace perch {

namespace {

const DataType kStringType{TypeId::kString};

bool isSchemeChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }

// Characters that may not appear in a URL's host part at all.
bool isRestricted(char c) {
  switch (c) {
    case ' ': case '\t': case '<': case '>': case '{': case '}': case '|': case '\\': case '^': case '[': case ']': return true;
    default: return false;
  }
}

// Sub-delimiters allowed in user info (before '@') but not in a registered host name.
bool isSubDelimiter(char c) { return c == ';' || c == '=' || c == '&' || c == '~' || c == '%'; }

std::string_view urlHost(std::string_view url) {
  size_t pos = 0;
  if (url.starts_with("//")) {
    pos = 2;
  } else if (!url.empty()) {
    const size_t limit = std::min<size_t>(url.size(), 16);
    size_t i = 1;
    for (; i < limit; ++i) {
      const char c = url[i];
      if (isSchemeChar(c)) continue;
      if (isRestricted(c) || isSubDelimiter(c)) return {};
      break;
    }
    pos = i + 2 < limit && url.substr(i, 3) == "://" ? i + 3 : 0;
  }
  size_t start = pos;
  size_t dot = std::string_view::npos, colon = std::string_view::npos;
  bool sub_delimiters = false, at = false, restricted_after_colon = false;
  for (; pos < url.size(); ++pos) {
    const char c = url[pos];
    if (c == '/' || c == '?' || c == '#') break;
    if (c == '.') {
      if (at || colon == std::string_view::npos) dot = pos;
    } else if (c == ':') {
      if (at || colon != std::string_view::npos) break;
      colon = pos;
    } else if (c == '@') {
      if (at) break;
      at = true;
      sub_delimiters = false;
      restricted_after_colon = false;
      colon = std::string_view::npos;
      dot = std::string_view::npos;
      start = pos + 1;
    } else if (isSubDelimiter(c)) {
      sub_delimiters = true;
    } else if (isRestricted(c)) {
      if (colon == std::string_view::npos) return {};
      restricted_after_colon = true;
    }
  }
  if (sub_delimiters || restricted_after_colon) return {};
  const size_t end = colon != std::string_view::npos ? colon : pos;
  if (dot == std::string_view::npos || dot < start || end <= start || dot + 1 >= end) return {};
  return url.substr(start, end - start);
}

std::string_view protocolOf(std::string_view url) {
  if (url.empty() || !std::isalpha(static_cast<unsigned char>(url[0]))) return {};
  size_t i = 1;
  while (i < url.size() && isSchemeChar(url[i])) ++i;
  if (url.size() - i < 4 || url[i] != ':') return {};
  return url.substr(0, i);
}

std::string_view withoutWWW(std::string_view host) { return host.starts_with("www.") ? host.substr(4) : host; }

// The path with query and fragment: from the first '/' after "//host"; '' without "//".
std::string_view pathFullOf(std::string_view url) {
  const size_t slashes = url.find("//");
  if (slashes == std::string_view::npos) return {};
  const size_t end_of_host = url.find_first_of("/?#", slashes + 2);
  if (end_of_host == std::string_view::npos || url[end_of_host] != '/') return {};
  return url.substr(end_of_host);
}

std::string_view pathOf(std::string_view url) {
  const std::string_view full = pathFullOf(url);
  return full.substr(0, full.find_first_of("?#"));
}

std::string_view queryStringOf(std::string_view url) {
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return {};
  const size_t hash = url.find('#', question + 1);
  return url.substr(question + 1, hash == std::string_view::npos ? std::string_view::npos : hash - question - 1);
}

std::string_view fragmentOf(std::string_view url) {
  const size_t hash = url.find('#');
  return hash == std::string_view::npos ? std::string_view{} : url.substr(hash + 1);
}

std::string_view queryStringAndFragmentOf(std::string_view url) {
  const size_t question = url.find('?');
  if (question != std::string_view::npos) return url.substr(question + 1);
  return fragmentOf(url);
}

// Where the parameters start: after the first '?', or the first '#' when there is no '?'.
size_t parametersStart(std::string_view url) {
  const size_t question = url.find('?');
  return question != std::string_view::npos ? question : url.find('#');
}

// Each parameter is preceded by '?', '#' or '&' and its value runs to the next '&' or '#'.
template <typename Fn>
void forEachParameter(std::string_view url, Fn&& fn) {
  size_t pos = parametersStart(url);
  if (pos == std::string_view::npos) return;
  ++pos;
  while (pos < url.size()) {
    const size_t end = url.find_first_of("&#", pos);
    const std::string_view parameter = url.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!parameter.empty()) fn(parameter);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
}

std::string_view parameterValue(std::string_view url, std::string_view name) {
  size_t pos = parametersStart(url);
  if (pos == std::string_view::npos || name.empty()) return {};
  const std::string needle = std::string(name) + "=";
  while (true) {
    pos = url.find(needle, pos + 1);
    if (pos == std::string_view::npos) return {};
    const char before = url[pos - 1];
    if (before == '?' || before == '#' || before == '&') {
      const size_t begin = pos + needle.size();
      const size_t end = url.find_first_of("&#", begin);
      return url.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    }
  }
}

// The index (in the host's dot-separated labels) of ClickHouse's "first significant subdomain":
// the second-level label, or the third-level one when the second is com, net, org or co.
std::string_view significantTail(std::string_view host, bool label_only) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels.size() < 2) return {};
  size_t index = labels.size() - 2;
  const std::string_view second = labels[index];
  if (labels.size() >= 3 && (second == "com" || second == "net" || second == "org" || second == "co")) --index;
  if (label_only) return labels[index];
  return host.substr(static_cast<size_t>(labels[index].data() - host.data()));
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX sequences decoded; '+' and malformed sequences stay as they are.
std::string decodeComponent(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      const int high = hexValue(value[i + 1]), low = hexValue(value[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(value[i]);
  }
  return out;
}

// Everything but the RFC 3986 unreserved characters as %XX.
std::string encodeComponent(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
    }
  }
  return out;
}

std::string cutRange(std::string_view url, size_t begin, size_t end) {
  std::string out(url.substr(0, begin));
  if (end != std::string_view::npos) out.append(url.substr(end));
  return out;
}

template <typename Fn>
FunctionDefinition urlPart(const char* name, Fn fn) {
  FunctionDefinition definition;
  definition.resolve = [name, fn](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    return ResolvedFunction{kStringType, [fn](std::span<const Datum> call, size_t rows) {
                              const auto& in = asString(*call[0].column);
                              const size_t n = call[0].is_constant ? 1 : rows;
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              for (size_t i = 0; i < n; ++i) out->push(fn(in.at(i)));
                              return Datum{out, call[0].is_constant};
                            }};
  };
  return definition;
}

FunctionDefinition extractURLParameter() {
  FunctionDefinition definition;
  definition.resolve = [](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount("extractURLParameter", args, 2, 2);
    if (!args[0].type.isStringLike()) throwIllegalArgument("extractURLParameter", 0, args[0].type);
    if (!args[1].type.isStringLike()) throwIllegalArgument("extractURLParameter", 1, args[1].type);
    return ResolvedFunction{kStringType, [](std::span<const Datum> call, size_t rows) {
                              const auto& urls = asString(*call[0].column);
                              const auto& names = asString(*call[1].column);
                              const bool constant = call[0].is_constant && call[1].is_constant;
                              const size_t n = constant ? 1 : rows;
                              auto out = std::make_shared<ColumnString>(kStringType);
                              out->reserve(n);
                              for (size_t i = 0; i < n; ++i) {
                                out->push(parameterValue(urls.at(call[0].is_constant ? 0 : i), names.at(call[1].is_constant ? 0 : i)));
                              }
                              return Datum{out, constant};
                            }};
  };
  return definition;
}

// extractURLParameters (name=value pieces) and extractURLParameterNames: Array(String).
FunctionDefinition parameterList(const char* name, bool names_only) {
  FunctionDefinition definition;
  definition.resolve = [name, names_only](std::span<const ArgumentInfo> args, const FunctionContext&) {
    checkArgumentCount(name, args, 1, 1);
    if (!args[0].type.isStringLike()) throwIllegalArgument(name, 0, args[0].type);
    const DataType result = DataType::array(kStringType);
    return ResolvedFunction{result, [result, names_only](std::span<const Datum> call, size_t rows) {
                              const auto& in = asString(*call[0].column);
                              const size_t n = call[0].is_constant ? 1 : rows;
                              auto out = std::make_shared<ColumnArray>(result);
                              auto& elements = static_cast<ColumnString&>(out->elements());
                              for (size_t i = 0; i < n; ++i) {
                                forEachParameter(in.at(i), [&](std::string_view parameter) {
                                  const size_t equals = parameter.find('=');
                                  if (equals == std::string_view::npos) return;
                                  elements.push(names_only ? parameter.substr(0, equals) : parameter);
                                });
                                out->finishRow();
                              }
                              return Datum{out, call[0].is_constant};
                            }};
  };
  return definition;
}

}  // namespace

void registerUrlFunctions(FunctionRegistry& registry) {
  registry.add("protocol", urlPart("protocol", [](std::string_view url) { return std::string(protocolOf(url)); }));
  registry.add("domain", urlPart("domain", [](std::string_view url) { return std::string(urlHost(url)); }));
  registry.add("domainWithoutWWW", urlPart("domainWithoutWWW", [](std::string_view url) { return std::string(withoutWWW(urlHost(url))); }));
  registry.add("topLevelDomain", urlPart("topLevelDomain", [](std::string_view url) {
                 const std::string_view host = urlHost(url);
                 const size_t dot = host.rfind('.');
                 return dot == std::string_view::npos ? std::string() : std::string(host.substr(dot + 1));
               }));
  registry.add("path", urlPart("path", [](std::string_view url) { return std::string(pathOf(url)); }));
  registry.add("pathFull", urlPart("pathFull", [](std::string_view url) { return std::string(pathFullOf(url)); }));
  registry.add("queryString", urlPart("queryString", [](std::string_view url) { return std::string(queryStringOf(url)); }));
  registry.add("fragment", urlPart("fragment", [](std::string_view url) { return std::string(fragmentOf(url)); }));
  registry.add("queryStringAndFragment", urlPart("queryStringAndFragment", [](std::string_view url) { return std::string(queryStringAndFragmentOf(url)); }));
  registry.add("cutWWW", urlPart("cutWWW", [](std::string_view url) {
                 const std::string_view host = urlHost(url);
                 if (!host.starts_with("www.")) return std::string(url);
                 const size_t begin = static_cast<size_t>(host.data() - url.data());
                 return cutRange(url, begin, begin + 4);
               }));
  registry.add("cutQueryString", urlPart("cutQueryString", [](std::string_view url) {
                 const size_t question = url.find('?');
                 return question == std::string_view::npos ? std::string(url) : cutRange(url, question, url.find('#', question));
               }));
  registry.add("cutFragment", urlPart("cutFragment", [](std::string_view url) { return std::string(url.substr(0, url.find('#'))); }));
  registry.add("cutQueryStringAndFragment", urlPart("cutQueryStringAndFragment", [](std::string_view url) {
                 return std::string(url.substr(0, parametersStart(url)));
               }));
  registry.add("firstSignificantSubdomain", urlPart("firstSignificantSubdomain", [](std::string_view url) {
                 return std::string(significantTail(urlHost(url), true));
               }));
  registry.add("cutToFirstSignificantSubdomain", urlPart("cutToFirstSignificantSubdomain", [](std::string_view url) {
                 return std::string(significantTail(urlHost(url), false));
               }));
  registry.add("decodeURLComponent", urlPart("decodeURLComponent", [](std::string_view value) { return decodeComponent(value); }));
  registry.add("encodeURLComponent", urlPart("encodeURLComponent", [](std::string_view value) { return encodeComponent(value); }));
  registry.add("extractURLParameter", extractURLParameter());
  registry.add("extractURLParameters", parameterList("extractURLParameters", false));
  registry.add("extractURLParameterNames", parameterList("extractURLParameterNames", true));
}

}  // namespace perch
