// Args: the tiny command-line reader behind `perch <command> --flag value ...`.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace perch::cli {

class Args {
 public:
  /// Reads `--name value` pairs (and `--name=value`); other words are positional. Flags named in
  /// `switches` take no value. Repeated flags keep every value in order.
  Args(int argc, char** argv, int first, const std::vector<std::string>& switches = {});

  std::optional<std::string> get(const std::string& name) const;
  std::string getOr(const std::string& name, const std::string& fallback) const;
  const std::vector<std::pair<std::string, std::string>>& ordered() const { return ordered_; }
  bool has(const std::string& name) const { return get(name).has_value(); }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::vector<std::pair<std::string, std::string>> ordered_;
  std::vector<std::string> positional_;
};

}  // namespace perch::cli
