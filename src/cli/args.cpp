#include "cli/args.h"

#include <algorithm>

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

}  // namespace perch::cli
