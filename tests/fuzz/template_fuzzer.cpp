// libFuzzer target for the template language (SPEC §4): parse arbitrary template text and render
// it with arbitrary request parameters. A template or a request may be rejected only with
// perch::Error (a user error); any other exception, a crash, a hang, a leak or a sanitizer report
// is a bug.
//
// Input layout: the template text, then optionally a 0x00 byte followed by parameters separated
// by 0x00 bytes, each `name=value` (a name may repeat, which makes a repeated query-string key).
// A fixed set of parameters is also always given so that seeds without a parameter section still
// exercise typed validation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "templating/template.h"

namespace {

perch::templating::Params parseParams(std::string_view section) {
  perch::templating::Params params;
  for (size_t count = 0; !section.empty() && count < 16; ++count) {
    const size_t end = section.find('\0');
    const std::string_view entry = section.substr(0, end);
    const size_t equals = entry.find('=');
    const std::string_view value = equals == std::string_view::npos ? std::string_view() : entry.substr(equals + 1);
    params[std::string(entry.substr(0, equals))].emplace_back(value);
    if (end == std::string_view::npos) break;
    section.remove_prefix(end + 1);
  }
  params.try_emplace("x", std::vector<std::string>{"1"});
  params.try_emplace("s", std::vector<std::string>{"a'b"});
  params.try_emplace("d", std::vector<std::string>{"2024-01-01"});
  return params;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t separator = input.find('\0');
  const std::string_view text = input.substr(0, separator);
  const perch::templating::Params params =
      parseParams(separator == std::string_view::npos ? std::string_view() : input.substr(separator + 1));
  try {
    const auto tmpl = perch::templating::Template::parse(text, "node", "pipe");
    (void)tmpl.parameters();
    try {
      const std::string sql = tmpl.render(params);
      (void)sql;
    } catch (const perch::Error&) {
    }
    try {
      (void)tmpl.render({});
    } catch (const perch::Error&) {
    }
  } catch (const perch::Error&) {
  }
  return 0;
}
