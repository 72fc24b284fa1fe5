// DatafileReader: the line grammar shared by `.datasource` and `.pipe` files (SPEC §3).
//
// A datafile is a list of entries. An entry starts at column 0 with a key (case-insensitive);
// `KEY value` is a one-line entry, `KEY >` opens a block whose body is every following line up to
// the next line that starts with a known datafile key (bodies are usually indented but SQL bodies
// may start at column 0). Lines starting with `#` at column 0 are comments.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace perch::project {

struct DatafileEntry {
  std::string key;      // upper-cased, e.g. "NODE", "ENGINE_SORTING_KEY"
  std::string value;    // the rest of the key line, trimmed (for blocks: the body, dedented)
  bool is_block = false;
  int line = 0;         // 1-based line of the key
  int body_line = 0;    // 1-based line where a block body starts
};

/// A problem found while loading a project, reported as `file:line: message`.
struct Diagnostic {
  std::filesystem::path file;
  int line = 0;
  std::string message;
  bool is_warning = false;

  std::string toString() const;
};

enum class KeyKind { kUnknown, kImplemented, kAcceptedWithWarning };

/// How Perch treats a datafile key: implemented, a Tinybird key accepted with a warning, or unknown.
KeyKind classifyKey(std::string_view upper_key);

/// Splits `text` into entries. Unknown keys at column 0 outside a block body are reported to
/// `diagnostics` as errors; Tinybird keys Perch does not implement yet as warnings.
std::vector<DatafileEntry> readDatafile(std::string_view text, const std::filesystem::path& file,
                                        std::vector<Diagnostic>& diagnostics);

/// Removes surrounding double or single quotes from an ENGINE_* value, if present.
std::string unquote(std::string_view value);
std::string_view trimView(std::string_view text);

}  // namespace perch::project
