// The allow-listed methods: str.lower/upper/strip/split/startswith/endswith/replace and
// dict.get/keys/items. Anything else was already rejected by the parser.
#include <string>

#include "templating/builtins.h"
#include "templating/template_error.h"

namespace perch::templating {
namespace {

bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

[[noreturn]] void throwNoAttribute(const Value& self, std::string_view name) {
  throw TemplateError("'" + std::string(typeName(self)) + "' object has no attribute '" + std::string(name) + "'");
}

void checkArgumentCount(const CallArguments& args, size_t max, std::string_view name) {
  if (args.positional.size() > max || !args.keywords.empty()) {
    throw TemplateError(std::string(name) + "() got unexpected arguments");
  }
}

const std::string& stringArgument(const Value& value, std::string_view name) {
  if (value.kind != ValueKind::kString) {
    throw TemplateError(std::string(name) + "() argument must be str, not " + std::string(typeName(value)));
  }
  return value.text;
}

Value strip(const Value& self, const CallArguments& args) {
  std::string_view text = self.text;
  const bool default_chars = args.positional.empty() || args.positional[0].isNoneLike();
  const std::string chars = default_chars ? std::string() : stringArgument(args.positional[0], "strip");
  auto strippable = [&](char c) { return default_chars ? isWhitespace(c) : chars.find(c) != std::string::npos; };
  while (!text.empty() && strippable(text.front())) text.remove_prefix(1);
  while (!text.empty() && strippable(text.back())) text.remove_suffix(1);
  return Value::fromString(std::string(text));
}

Value split(const Value& self, const CallArguments& args, RenderState& state) {
  const bool by_whitespace = args.positional.empty() || args.positional[0].isNoneLike();
  int64_t max_split = -1;
  if (args.positional.size() > 1 && args.positional[1].kind == ValueKind::kInt) max_split = args.positional[1].integer;
  ValueList parts;
  std::string_view rest = self.text;
  if (by_whitespace) {
    while (true) {
      while (!rest.empty() && isWhitespace(rest.front())) rest.remove_prefix(1);
      if (rest.empty()) break;
      if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
        while (!rest.empty() && isWhitespace(rest.back())) rest.remove_suffix(1);
        parts.push_back(Value::fromString(std::string(rest)));
        break;
      }
      size_t end = 0;
      while (end < rest.size() && !isWhitespace(rest[end])) ++end;
      parts.push_back(Value::fromString(std::string(rest.substr(0, end))));
      rest.remove_prefix(end);
    }
  } else {
    const std::string& separator = stringArgument(args.positional[0], "split");
    if (separator.empty()) throw TemplateError("empty separator");
    while (true) {
      const size_t found = rest.find(separator);
      if (found == std::string_view::npos || (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split)) {
        parts.push_back(Value::fromString(std::string(rest)));
        break;
      }
      parts.push_back(Value::fromString(std::string(rest.substr(0, found))));
      rest.remove_prefix(found + separator.size());
    }
  }
  state.charge(parts.size());
  return Value::list(std::move(parts));
}

Value affixTest(const Value& self, const CallArguments& args, bool prefix, std::string_view name) {
  if (args.positional.empty()) throw TemplateError(std::string(name) + "() takes at least 1 argument");
  checkArgumentCount(args, 1, name);
  const Value& affixes = args.positional[0];
  auto matches = [&](const Value& affix) {
    const std::string& text = stringArgument(affix, name);
    return prefix ? std::string_view(self.text).starts_with(text) : std::string_view(self.text).ends_with(text);
  };
  if (affixes.kind == ValueKind::kTuple) {
    for (const Value& affix : affixes.elements()) {
      if (matches(affix)) return Value::fromBool(true);
    }
    return Value::fromBool(false);
  }
  return Value::fromBool(matches(affixes));
}

Value replace(const Value& self, const CallArguments& args, RenderState& state) {
  if (args.positional.size() < 2) throw TemplateError("replace() takes at least 2 arguments");
  checkArgumentCount(args, 3, "replace");
  const std::string& old_text = stringArgument(args.positional[0], "replace");
  const std::string& new_text = stringArgument(args.positional[1], "replace");
  int64_t count = -1;
  if (args.positional.size() == 3 && args.positional[2].kind == ValueKind::kInt) count = args.positional[2].integer;
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t found = old_text.empty() ? (pos <= self.text.size() ? pos : std::string::npos)
                                          : self.text.find(old_text, pos);
    if (found == std::string::npos) break;
    out.append(self.text, pos, found - pos);
    out += new_text;
    if (old_text.empty()) {
      if (found < self.text.size()) out += self.text[found];
      pos = found + 1;
    } else {
      pos = found + old_text.size();
    }
    ++done;
    if (out.size() > 1024 * 1024) throw TemplateError("result of replace() is too large");  // as * and +
  }
  if (pos < self.text.size()) out.append(self.text, pos, std::string::npos);
  state.charge(out.size() / 64 + 1);
  return Value::fromString(std::move(out));
}

}  // namespace

Value callMethod(Method method, std::string_view name, const Value& self, const CallArguments& args,
                 RenderState& state) {
  const bool is_string_method = method != Method::kGet && method != Method::kKeys && method != Method::kItems;
  if (is_string_method && self.kind != ValueKind::kString) throwNoAttribute(self, name);
  if (!is_string_method && self.kind != ValueKind::kDict) throwNoAttribute(self, name);
  switch (method) {
    case Method::kLower:
    case Method::kUpper: {
      checkArgumentCount(args, 0, name);
      std::string out = self.text;
      for (char& c : out) {
        if (method == Method::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (method == Method::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return Value::fromString(std::move(out));
    }
    case Method::kStrip: checkArgumentCount(args, 1, name); return strip(self, args);
    case Method::kSplit: checkArgumentCount(args, 2, name); return split(self, args, state);
    case Method::kStartsWith: return affixTest(self, args, true, name);
    case Method::kEndsWith: return affixTest(self, args, false, name);
    case Method::kReplace: return replace(self, args, state);
    case Method::kGet: {
      if (args.positional.empty()) throw TemplateError("get() takes at least 1 argument");
      checkArgumentCount(args, 2, name);
      const Value* found = self.dict->find(args.positional[0]);
      if (found != nullptr) return *found;
      return args.positional.size() > 1 ? args.positional[1] : Value::none();
    }
    case Method::kKeys:
    case Method::kItems: {
      checkArgumentCount(args, 0, name);
      ValueList out;
      for (const auto& [key, value] : self.dict->entries) {
        out.push_back(method == Method::kKeys ? key : Value::tuple({key, value}));
      }
      return Value::list(std::move(out));
    }
  }
  throwNoAttribute(self, name);
}

}  // namespace perch::templating
