// Args: the tiny command-line reader behind `perch <command> --flag value ...`.
#pragma once

#include <cstdint>
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

/// A byte count: digits with an optional unit K/M/G/T (or KB/KiB, ...; all powers of 1024,
/// case-insensitive): "4294967296", "512M", "4GiB". Throws std::invalid_argument naming `flag`.
uint64_t parseByteSize(const std::string& text, const std::string& flag);

}  // namespace perch::cli
