#include "project/datafile_reader.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace perch::project {

namespace {

constexpr std::array<std::string_view, 26> kImplementedKeys = {
    "DESCRIPTION", "TOKEN", "SCHEMA", "ENGINE", "ENGINE_PARTITION_KEY", "ENGINE_SORTING_KEY", "ENGINE_TTL",
    "ENGINE_VER", "ENGINE_IS_DELETED", "ENGINE_PRIMARY_KEY", "ENGINE_SETTINGS", "ENGINE_SIGN", "ENGINE_VERSION",
    "NODE", "SQL", "TYPE", "TAGS", "DATASOURCE", "TARGET_DATASOURCE", "COPY_SCHEDULE", "COPY_MODE",
    "INDEXES", "FORWARD_QUERY", "VERSION", "SHARED_WITH", "INCLUDE",
};

constexpr std::array<std::string_view, 9> kWarnPrefixes = {
    "KAFKA_", "IMPORT_", "EXPORT_", "S3_", "GCS_", "BIGQUERY_", "SNOWFLAKE_", "DYNAMODB_", "ENGINE_",
};

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

// The first word of a line (letters, digits, underscores).
std::string_view firstWord(std::string_view line) {
  size_t end = 0;
  while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_')) ++end;
  return line.substr(0, end);
}

bool startsAtColumnZero(std::string_view line) { return !line.empty() && line[0] != ' ' && line[0] != '\t'; }

// Removes the common leading indentation of the non-blank lines of a block body.
std::string dedent(const std::vector<std::string_view>& lines) {
  size_t indent = std::string_view::npos;
  for (auto line : lines) {
    if (trimView(line).empty()) continue;
    indent = std::min(indent, line.find_first_not_of(" \t"));
  }
  if (indent == std::string_view::npos) indent = 0;
  std::string body;
  for (auto line : lines) {
    body.append(line.size() >= indent ? line.substr(indent) : trimView(line));
    body.push_back('\n');
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  return body;
}

}  // namespace

std::string Diagnostic::toString() const {
  return file.string() + ":" + std::to_string(line) + ": " + (is_warning ? "warning: " : "") + message;
}

std::string_view trimView(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::string unquote(std::string_view value) {
  value = trimView(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

KeyKind classifyKey(std::string_view upper_key) {
  if (std::find(kImplementedKeys.begin(), kImplementedKeys.end(), upper_key) != kImplementedKeys.end()) {
    return KeyKind::kImplemented;
  }
  for (auto prefix : kWarnPrefixes) {
    if (upper_key.substr(0, prefix.size()) == prefix) return KeyKind::kAcceptedWithWarning;
  }
  return KeyKind::kUnknown;
}

std::vector<DatafileEntry> readDatafile(std::string_view text, const std::filesystem::path& file,
                                        std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }

  std::vector<DatafileEntry> entries;
  std::vector<std::string_view> body;
  bool in_block = false;
  auto close_block = [&] {
    if (in_block) entries.back().value = dedent(body);
    body.clear();
    in_block = false;
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const int line_number = static_cast<int>(i) + 1;
    if (startsAtColumnZero(line) && line[0] == '#') continue;
    if (startsAtColumnZero(line)) {
      const std::string key = upper(firstWord(line));
      const KeyKind kind = key.empty() ? KeyKind::kUnknown : classifyKey(key);
      if (kind == KeyKind::kUnknown) {
        // Only SQL bodies may start at column 0 (SPEC §3.2); elsewhere it is an unknown key.
        if (in_block && entries.back().key == "SQL") {
          body.push_back(line);
          continue;
        }
        diagnostics.push_back({file, line_number, "unknown datafile key '" + std::string(trimView(line).substr(0, 40)) + "'"});
        continue;
      }
      close_block();
      if (kind == KeyKind::kAcceptedWithWarning) {
        diagnostics.push_back({file, line_number, "'" + key + "' is not supported by Perch yet; ignored", true});
      }
      DatafileEntry entry;
      entry.key = key;
      entry.line = line_number;
      std::string_view rest = trimView(line.substr(firstWord(line).size()));
      if (rest == ">") {
        entry.is_block = true;
        entry.body_line = line_number + 1;
        in_block = true;
      } else if (!rest.empty() && rest.back() == '>' && key == "SQL") {
        entry.is_block = true;
        entry.body_line = line_number + 1;
        in_block = true;
      } else {
        entry.value = std::string(rest);
      }
      entries.push_back(std::move(entry));
      continue;
    }
    if (in_block) {
      body.push_back(line);
    } else if (!trimView(line).empty()) {
      diagnostics.push_back({file, line_number, "indented line outside of a block"});
    }
  }
  close_block();
  return entries;
}

}  // namespace perch::project
