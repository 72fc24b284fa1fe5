#include "cli/args.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace perch::cli {

Args::Args(int argc, char** argv, int first, const std::vector<std::string>& switches) {
  for (int i = first; i < argc; ++i) {
    std::string word = argv[i];
    if (word.size() > 2 && word.substr(0, 2) == "--") {
      std::string name = word.substr(2);
      std::string value;
      if (const size_t equals = name.find('='); equals != std::string::npos) {
        value = name.substr(equals + 1);
        name = name.substr(0, equals);
      } else if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        throw std::invalid_argument("flag --" + name + " needs a value");
      }
      ordered_.emplace_back(name, value);
    } else {
      positional_.push_back(word);
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : ordered_) {
    if (key == name) found = value;
  }
  return found;
}

std::string Args::getOr(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

uint64_t parseByteSize(const std::string& text, const std::string& flag) {
  const auto invalid = [&]() {
    return std::invalid_argument("--" + flag + " '" + text + "': expected a byte count such as 4294967296, 512M or 4GiB");
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 19) throw invalid();
  uint64_t value = std::stoull(text.substr(0, digits));
  std::string unit;
  for (char c : text.substr(digits)) unit.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();           // "KB", "GB"
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();          // "KiB" → "KI" → "K"
  const std::string units = "KMGT";
  if (unit.empty() || unit == "B") return value;
  if (unit.size() != 1 || units.find(unit[0]) == std::string::npos) throw invalid();
  for (size_t i = 0; i <= units.find(unit[0]); ++i) {
    if (value > std::numeric_limits<uint64_t>::max() / 1024) throw invalid();
    value *= 1024;
  }
  return value;
}

}  // namespace perch::cli
