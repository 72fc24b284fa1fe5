// ClickHouse's backslash escaping of text (writeEscapedString / writeQuotedString): the control
// characters \b \f \n \r \t \0, the backslash and the single quote. TSV fields use it as is;
// strings, dates and times inside arrays and tuples use it between single quotes.
#pragma once

#include <string>
#include <string_view>

namespace perch {

inline void appendEscaped(std::string_view value, std::string& out) {
  for (char c : value) {
    switch (c) {
      case '\t': out.append("\\t"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\0': out.append("\\0"); break;
      case '\'': out.append("\\'"); break;
      case '\\': out.append("\\\\"); break;
      default: out.push_back(c);
    }
  }
}

}  // namespace perch
